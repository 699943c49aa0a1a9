"""Numeric helpers for ``numpy.fft`` rules: transposes of the (cropped or padded) transforms."""
from __future__ import annotations

import numpy


def last_two(axes):
    """The axes of the 2-D transforms: (-2, -1) unless given (template defaults must be scalars)."""
    return (-2, -1) if axes is None else axes


def _axes_and_sizes(a, s, axes, one_axis=None, n=None):
    """The transformed axes and input lengths the transform used (``n``/``s`` crop or zero-pad)."""
    if one_axis is not None:
        axis = one_axis % numpy.ndim(a)
        return [axis], [numpy.shape(a)[axis] if n is None else n]
    nd = numpy.ndim(a)
    if axes is None:
        axes = list(range(nd - len(s), nd)) if s is not None else list(range(nd))
    axes = [x % nd for x in axes]
    sizes = [numpy.shape(a)[x] for x in axes] if s is None else list(s)
    return axes, sizes


def _fit(x, shape, axes):
    """``x`` cropped or zero-padded along ``axes`` to the lengths in ``shape`` (the input's)."""
    for ax in axes:
        have, want = numpy.shape(x)[ax], shape[ax]
        if have > want:
            x = numpy.take(x, numpy.arange(want), axis=ax)
        elif have < want:
            pad = [(0, 0)] * numpy.ndim(x)
            pad[ax] = (0, want - have)
            x = numpy.pad(x, pad)
    return x


def _real_if(x, a):
    return x if numpy.iscomplexobj(a) else numpy.real(x)


def fft_adjoint(g, a, n=None, axis=-1, norm=None, inverse=False):
    """Adjoint of ``fft``/``ifft`` along one axis: the DFT matrix is symmetric, so the same transform."""
    if inverse:
        out = numpy.fft.ifft(g, axis=axis, norm=norm)
    else:
        out = numpy.fft.fft(g, axis=axis, norm=norm)
    return _real_if(_fit(out, numpy.shape(a), [axis % numpy.ndim(a)]), a)


def fftn_adjoint(g, a, s=None, axes=None, norm=None, inverse=False):
    """Adjoint of ``fftn``/``ifftn``/``fft2``/``ifft2``."""
    axes, _ = _axes_and_sizes(a, s, axes)
    if inverse:
        out = numpy.fft.ifftn(g, axes=axes, norm=norm)
    else:
        out = numpy.fft.fftn(g, axes=axes, norm=norm)
    return _real_if(_fit(out, numpy.shape(a), axes), a)


def rfft_adjoint(g, a, n=None, axis=-1, norm=None):
    """Adjoint of ``rfft``: the real part of the full transform of ``g`` zero-padded to length n."""
    axis = axis % numpy.ndim(a)
    length = numpy.shape(a)[axis] if n is None else n
    full = _fit(g, numpy.shape(g)[:axis] + (length,) + numpy.shape(g)[axis + 1:], [axis])
    out = numpy.real(numpy.fft.fft(full, axis=axis, norm=norm))
    return _fit(out, numpy.shape(a), [axis])


def rfftn_adjoint(g, a, s=None, axes=None, norm=None):
    """Adjoint of ``rfftn``/``rfft2`` (real FFT along the last of ``axes``, full FFTs along the others)."""
    axes, sizes = _axes_and_sizes(a, s, axes)
    last = axes[-1]
    shape = list(numpy.shape(g))
    shape[last] = sizes[-1]
    full = _fit(g, tuple(shape), [last])
    out = numpy.real(numpy.fft.fftn(full, axes=axes, norm=norm))
    return _fit(out, numpy.shape(a), axes)


def _hermitian_weights(m, n):
    """How often each of the m stored bins appears in a length-n Hermitian spectrum (1 or 2; 0 if unused)."""
    w = numpy.full(m, 2.0)
    w[0] = 1.0
    if n % 2 == 0 and n // 2 < m:
        w[n // 2] = 1.0
    w[n // 2 + 1:] = 0.0  # bins irfft ignores
    return w


def irfft_adjoint(g, a, n=None, axis=-1, norm=None):
    """Adjoint of ``irfft``: weighted bins of ifft(g); the imaginary parts irfft ignores get 0."""
    axis = axis % numpy.ndim(a)
    m = numpy.shape(a)[axis]
    length = 2 * (m - 1) if n is None else n
    spectrum = numpy.fft.ifft(numpy.real(g), axis=axis, norm=norm)  # the output is real: so is its adjoint
    return _hermitian_part(spectrum, a, axis, length)


def _hermitian_part(spectrum, a, axis, length):
    m = numpy.shape(a)[axis]
    keep = min(m, length // 2 + 1)
    part = numpy.take(spectrum, numpy.arange(keep), axis=axis)
    part = _fit(part, numpy.shape(a), [axis])
    shape = [1] * numpy.ndim(a)
    shape[axis] = m
    w = numpy.reshape(_hermitian_weights(m, length), shape)
    return part * w


def irfftn_adjoint(g, a, s=None, axes=None, norm=None):
    """Adjoint of ``irfftn``/``irfft2``: ifftn of g, weighted along the last transformed axis."""
    axes, sizes = _axes_and_sizes(a, s, axes)
    last = axes[-1]
    length = sizes[-1] if s is not None else 2 * (numpy.shape(a)[last] - 1)
    spectrum = numpy.fft.ifftn(numpy.real(g), axes=axes, norm=norm)
    shape = list(numpy.shape(a))
    shape[last] = numpy.shape(spectrum)[last]
    spectrum = _fit(spectrum, tuple(shape), axes[:-1])
    return _hermitian_part(spectrum, a, last, length)
