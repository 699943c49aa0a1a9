"""Rules for ``numpy.fft``: adjoint (reverse) and tangent (forward) templates of every transform.

Every transform is linear, so a tangent is the same transform of the tangent, and an adjoint is
the transpose (the DFT matrix is symmetric: the same transform of the adjoint, cropped or
zero-padded back to the input's length, real for a real input).

Adjoints follow the complex convention of ``numpy_complex`` (no conjugation for these
holomorphic maps); ``irfft`` counts each stored bin as often as it appears in the Hermitian
spectrum it stands for, and ``rfft``'s adjoint is real.
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from ..runtime.kernels_fft import (fft_adjoint, fftn_adjoint, irfft_adjoint, irfftn_adjoint, last_two, rfft_adjoint,
                                   rfftn_adjoint)
from .registry import adjoint, nondifferentiable, tangent

fft_ = numpy.fft


@adjoint(fft_.fft)
def fft(y, a, n=None, axis=-1, norm=None):
    d[a] = fft_adjoint(d[y], a, n, axis, norm, False)


@tangent(fft_.fft)
def fft(y, a, n=None, axis=-1, norm=None):
    t[y] = numpy.fft.fft(t[a], n, axis, norm)


@adjoint(fft_.ifft)
def ifft(y, a, n=None, axis=-1, norm=None):
    d[a] = fft_adjoint(d[y], a, n, axis, norm, True)


@tangent(fft_.ifft)
def ifft(y, a, n=None, axis=-1, norm=None):
    t[y] = numpy.fft.ifft(t[a], n, axis, norm)


@adjoint(fft_.fftn)
def fftn(y, a, s=None, axes=None, norm=None):
    d[a] = fftn_adjoint(d[y], a, s, axes, norm, False)


@adjoint(fft_.fft2)
def fft2(y, a, s=None, axes=None, norm=None):
    d[a] = fftn_adjoint(d[y], a, s, last_two(axes), norm, False)


@adjoint(fft_.ifftn)
def ifftn(y, a, s=None, axes=None, norm=None):
    d[a] = fftn_adjoint(d[y], a, s, axes, norm, True)


@adjoint(fft_.ifft2)
def ifft2(y, a, s=None, axes=None, norm=None):
    d[a] = fftn_adjoint(d[y], a, s, last_two(axes), norm, True)


@tangent(fft_.fft2)
def fft2(y, a, s=None, axes=None, norm=None):
    t[y] = numpy.fft.fft2(t[a], s, last_two(axes), norm)


@tangent(fft_.fftn)
def fftn(y, a, s=None, axes=None, norm=None):
    t[y] = numpy.fft.fftn(t[a], s, axes, norm)


@tangent(fft_.ifft2)
def ifft2(y, a, s=None, axes=None, norm=None):
    t[y] = numpy.fft.ifft2(t[a], s, last_two(axes), norm)


@tangent(fft_.ifftn)
def ifftn(y, a, s=None, axes=None, norm=None):
    t[y] = numpy.fft.ifftn(t[a], s, axes, norm)


@adjoint(fft_.rfft)
def rfft(y, a, n=None, axis=-1, norm=None):
    d[a] = rfft_adjoint(d[y], a, n, axis, norm)


@tangent(fft_.rfft)
def rfft(y, a, n=None, axis=-1, norm=None):
    t[y] = numpy.fft.rfft(t[a], n, axis, norm)


@adjoint(fft_.irfft)
def irfft(y, a, n=None, axis=-1, norm=None):
    d[a] = irfft_adjoint(d[y], a, n, axis, norm)


@tangent(fft_.irfft)
def irfft(y, a, n=None, axis=-1, norm=None):
    t[y] = numpy.fft.irfft(t[a], n, axis, norm)


@adjoint(fft_.rfftn)
def rfftn(y, a, s=None, axes=None, norm=None):
    d[a] = rfftn_adjoint(d[y], a, s, axes, norm)


@adjoint(fft_.rfft2)
def rfft2(y, a, s=None, axes=None, norm=None):
    d[a] = rfftn_adjoint(d[y], a, s, last_two(axes), norm)


@tangent(fft_.rfft2)
def rfft2(y, a, s=None, axes=None, norm=None):
    t[y] = numpy.fft.rfft2(t[a], s, last_two(axes), norm)


@tangent(fft_.rfftn)
def rfftn(y, a, s=None, axes=None, norm=None):
    t[y] = numpy.fft.rfftn(t[a], s, axes, norm)


@adjoint(fft_.irfftn)
def irfftn(y, a, s=None, axes=None, norm=None):
    d[a] = irfftn_adjoint(d[y], a, s, axes, norm)


@adjoint(fft_.irfft2)
def irfft2(y, a, s=None, axes=None, norm=None):
    d[a] = irfftn_adjoint(d[y], a, s, last_two(axes), norm)


@tangent(fft_.irfft2)
def irfft2(y, a, s=None, axes=None, norm=None):
    t[y] = numpy.fft.irfft2(t[a], s, last_two(axes), norm)


@tangent(fft_.irfftn)
def irfftn(y, a, s=None, axes=None, norm=None):
    t[y] = numpy.fft.irfftn(t[a], s, axes, norm)


@adjoint(fft_.fftshift)
def fftshift(y, x, axes=None):
    d[x] = numpy.fft.ifftshift(d[y], axes)


@tangent(fft_.fftshift)
def fftshift(y, x, axes=None):
    t[y] = numpy.fft.fftshift(t[x], axes)


@adjoint(fft_.ifftshift)
def ifftshift(y, x, axes=None):
    d[x] = numpy.fft.fftshift(d[y], axes)


@tangent(fft_.ifftshift)
def ifftshift(y, x, axes=None):
    t[y] = numpy.fft.ifftshift(t[x], axes)


nondifferentiable(last_two)
