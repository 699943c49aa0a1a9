"""Numeric helpers for ``scipy.signal`` convolution rules: the transposes of n-d convolution and correlation.

Every mode's result is a window of the full convolution, so an adjoint spreads the cotangent into the
full shape at the window's start and convolves it, in mode 'valid', with the other operand flipped.
The transpose is taken under the bilinear pairing sum(g * y), as everywhere in srcdiff (no conjugate
for the holomorphic operand). ``correlate(a, v)`` is ``convolve(a, flip(conj(v)))``, window included;
``correlate2d`` centres its 'same' window half a sample later, and in 'valid' mode with ``in2`` the
larger it returns the conjugate of that (SciPy swaps the operands): both are mirrored here.
"""
from __future__ import annotations

import numpy
import scipy.signal

from .kernels import refuse
from .kernels_shapes import pad_adjoint


def _start(s1, s2, mode, correlate2d=False):
    """Where the result of ``mode`` sits in the full convolution of shapes ``s1`` and ``s2``."""
    if mode == "full":
        return (0,) * len(s1)
    if mode == "same":
        return tuple(n2 // 2 if correlate2d else (n2 - 1) // 2 for n2 in s2)
    if mode == "valid":
        return tuple(min(n1, n2) - 1 for n1, n2 in zip(s1, s2))
    raise ValueError("unknown convolution mode %r" % (mode,))


def _spread(g, s1, s2, start):
    """``g`` placed at ``start`` in zeros of the full convolution's shape."""
    g = numpy.asarray(g)
    full = numpy.zeros(tuple(n1 + n2 - 1 for n1, n2 in zip(s1, s2)), dtype=numpy.result_type(g, float))
    full[tuple(slice(b, b + n) for b, n in zip(start, g.shape))] = g
    return full


def _transpose(g, in1, in2, mode, method, which, correlate2d=False):
    s1, s2 = numpy.shape(in1), numpy.shape(in2)
    full = _spread(g, s1, s2, _start(s1, s2, mode, correlate2d))
    other = in2 if which == 1 else in1
    return scipy.signal.convolve(full, numpy.flip(other), "valid", method)


def _flip_conj(v):
    return numpy.flip(numpy.conj(v))


def convolve_lhs(g, in1, in2, mode="full", method="auto"):
    """Adjoint of ``scipy.signal.convolve(in1, in2, mode)`` with respect to ``in1``."""
    return _transpose(g, in1, in2, mode, method, 1)


def convolve_rhs(g, in1, in2, mode="full", method="auto"):
    """Adjoint of ``scipy.signal.convolve(in1, in2, mode)`` with respect to ``in2``."""
    return _transpose(g, in1, in2, mode, method, 2)


def correlate_lhs(g, in1, in2, mode="full", method="auto"):
    """Adjoint of ``scipy.signal.correlate(in1, in2, mode)`` (convolve with flip(conj(in2))) in ``in1``."""
    return _transpose(g, in1, _flip_conj(in2), mode, method, 1)


def correlate_rhs(g, in1, in2, mode="full", method="auto"):
    """Adjoint of ``scipy.signal.correlate(in1, in2, mode)`` with respect to ``in2``."""
    return _flip_conj(_transpose(g, in1, _flip_conj(in2), mode, method, 2))


def _swapped(in1, in2, mode):
    """Does ``correlate2d`` return the conjugate of the correlation (mode 'valid', in2 the larger)?"""
    s1, s2 = numpy.shape(in1), numpy.shape(in2)
    return mode == "valid" and not all(n1 >= n2 for n1, n2 in zip(s1, s2)) and \
        (numpy.iscomplexobj(in1) or numpy.iscomplexobj(in2))


def correlate2d_lhs(g, in1, in2, mode="full"):
    """Adjoint of ``scipy.signal.correlate2d(in1, in2, mode)`` (boundary 'fill', fillvalue 0) in ``in1``."""
    if _swapped(in1, in2, mode):
        return _transpose(numpy.conj(g), in1, _flip_conj(in2), mode, "auto", 1)
    return _transpose(g, in1, _flip_conj(in2), mode, "auto", 1, correlate2d=True)


def correlate2d_rhs(g, in1, in2, mode="full"):
    """Adjoint of ``scipy.signal.correlate2d(in1, in2, mode)`` with respect to ``in2``."""
    if _swapped(in1, in2, mode):
        return _flip_conj(_transpose(numpy.conj(g), in1, _flip_conj(in2), mode, "auto", 2))
    return _flip_conj(_transpose(g, in1, _flip_conj(in2), mode, "auto", 2, correlate2d=True))


def _conv_axes(in1, in2, axes):
    """The axes ``fftconvolve(in1, in2, axes=axes)`` convolves along, non-negative and sorted."""
    ndim = numpy.ndim(in1)
    if axes is None:
        return tuple(range(ndim))
    axes = (axes,) if numpy.ndim(axes) == 0 else tuple(axes)
    return tuple(sorted({int(a) % ndim for a in axes}))


def _sum_to(x, shape):
    """``x`` summed over the axes where ``shape`` has 1 and ``x`` more (broadcast's transpose)."""
    axes = tuple(i for i, (n, m) in enumerate(zip(shape, x.shape)) if n == 1 and m != 1)
    return numpy.sum(x, axis=axes, keepdims=True) if axes else x


def _transpose_axes(g, in1, in2, mode, axes, which):
    """Adjoint of ``fftconvolve(in1, in2, mode, axes=axes)`` in operand ``which``: along the convolved axes
    as ``_transpose``; along the others the operands broadcast (the result is summed back to the operand's
    shape), and mode 'same' keeps the centred window of in1's size."""
    axes = _conv_axes(in1, in2, axes)
    s1, s2 = numpy.shape(in1), numpy.shape(in2)
    g = numpy.asarray(g)
    start = dict(zip(axes, _start([s1[a] for a in axes], [s2[a] for a in axes], mode)))
    # along the other axes the full result has the broadcast size; 'same' keeps in1's, centred (SciPy)
    shape = tuple(s1[i] + s2[i] - 1 if i in axes else max(s1[i], s2[i]) for i in range(g.ndim))
    for i in range(g.ndim):
        start.setdefault(i, (shape[i] - g.shape[i]) // 2)
    full = numpy.zeros(shape, dtype=numpy.result_type(g, float))
    full[tuple(slice(start[i], start[i] + g.shape[i]) for i in range(g.ndim))] = g
    other = in2 if which == 1 else in1
    out = scipy.signal.fftconvolve(full, numpy.flip(other, axis=axes), "valid", axes=axes)
    return _sum_to(out, s1 if which == 1 else s2)


def fftconvolve_lhs(g, in1, in2, mode="full", axes=None):
    """Adjoint of ``scipy.signal.fftconvolve(in1, in2, mode, axes)`` (or oaconvolve) with respect to ``in1``."""
    return _transpose_axes(g, in1, in2, mode, axes, 1)


def fftconvolve_rhs(g, in1, in2, mode="full", axes=None):
    """Adjoint of ``scipy.signal.fftconvolve(in1, in2, mode, axes)`` (or oaconvolve) with respect to ``in2``."""
    return _transpose_axes(g, in1, in2, mode, axes, 2)


# convolve2d / correlate2d with boundary 'wrap' or 'symm': the full result is the 'valid' convolution of
# in1 extended by len(in2) - 1 on each side (numpy.pad 'wrap' or 'symmetric'); 'valid' never reads the
# extension, so there the boundary does not matter.
EXTENDED = {"wrap": "wrap", "circular": "wrap", "symm": "symmetric", "symmetric": "symmetric"}


def _extended(in1, in2, boundary):
    width = [(n - 1, n - 1) for n in numpy.shape(in2)]
    return numpy.pad(in1, width, mode=EXTENDED[boundary]), width


def _extends(boundary, mode, g):
    """Does ``boundary`` extend in1 by its own entries here (True), or pad it with zeros (False)?"""
    if boundary in ("fill", "pad"):
        return False
    if boundary not in EXTENDED:
        return refuse(g, "srcdiff differentiates scipy.signal.convolve2d and correlate2d with boundary 'fill', "
                      "'wrap' or 'symm' only (here %r)" % (boundary,))
    return mode != "valid"


def _boundary_transpose(g, in1, in2, mode, boundary, which, correlate):
    v = _flip_conj(in2) if correlate else in2
    padded, width = _extended(in1, v, boundary)
    s1, s2 = numpy.shape(in1), numpy.shape(v)
    full = _spread(g, s1, s2, _start(s1, s2, mode, correlate))
    if which == 1:  # full = convolve(padded, v, 'valid'): its transpose, then the extension's
        return pad_adjoint(convolve_lhs(full, padded, v, "valid"), in1, width, EXTENDED[boundary])
    out = convolve_rhs(full, padded, v, "valid")
    return _flip_conj(out) if correlate else out


def convolve2d_lhs(g, in1, in2, mode="full", boundary="fill"):
    """Adjoint of ``scipy.signal.convolve2d(in1, in2, mode, boundary)`` (fillvalue 0) with respect to ``in1``."""
    if _extends(boundary, mode, g):
        return _boundary_transpose(g, in1, in2, mode, boundary, 1, False)
    return convolve_lhs(g, in1, in2, mode)


def convolve2d_rhs(g, in1, in2, mode="full", boundary="fill"):
    """Adjoint of ``scipy.signal.convolve2d(in1, in2, mode, boundary)`` with respect to ``in2``."""
    if _extends(boundary, mode, g):
        return _boundary_transpose(g, in1, in2, mode, boundary, 2, False)
    return convolve_rhs(g, in1, in2, mode)


def correlate2d_boundary_lhs(g, in1, in2, mode="full", boundary="fill"):
    """Adjoint of ``scipy.signal.correlate2d(in1, in2, mode, boundary)`` (fillvalue 0) in ``in1``."""
    if _extends(boundary, mode, g):
        return _boundary_transpose(g, in1, in2, mode, boundary, 1, True)
    return correlate2d_lhs(g, in1, in2, mode)


def correlate2d_boundary_rhs(g, in1, in2, mode="full", boundary="fill"):
    """Adjoint of ``scipy.signal.correlate2d(in1, in2, mode, boundary)`` with respect to ``in2``."""
    if _extends(boundary, mode, g):
        return _boundary_transpose(g, in1, in2, mode, boundary, 2, True)
    return correlate2d_rhs(g, in1, in2, mode)
