"""Rules for ``scipy.signal`` convolutions: convolve, correlate, fftconvolve, oaconvolve (n-d, every mode and
method, axes), convolve2d and correlate2d (boundary 'wrap', 'symm', or 'fill' with fillvalue 0).

Each is bilinear: the product is stated once, the tangent is the product rule, and the adjoints are the
transposed convolutions of ``runtime.kernels_signal``. Imported only once the user's code has imported
``scipy.signal`` (``loading``). The FFT-based functions take ``axes=``: the operands broadcast along the others.
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import scipy.signal

from ..runtime import kernels_signal as ksg
from .refusals import refuse_unless
from .registry import bilinear, tangent


@bilinear(scipy.signal.convolve)
def convolve(y, in1, in2, mode="full", method="auto"):
    y = scipy.signal.convolve(in1, in2, mode, method)
    d[in1] = ksg.convolve_lhs(d[y], in1, in2, mode, method)
    d[in2] = ksg.convolve_rhs(d[y], in1, in2, mode, method)


@bilinear(scipy.signal.correlate)
def correlate(y, in1, in2, mode="full", method="auto"):
    y = scipy.signal.correlate(in1, in2, mode, method)
    d[in1] = ksg.correlate_lhs(d[y], in1, in2, mode, method)
    d[in2] = ksg.correlate_rhs(d[y], in1, in2, mode, method)


@bilinear(scipy.signal.fftconvolve)
def fftconvolve(y, in1, in2, mode="full", axes=None):
    y = scipy.signal.fftconvolve(in1, in2, mode, axes)
    d[in1] = ksg.fftconvolve_lhs(d[y], in1, in2, mode, axes)
    d[in2] = ksg.fftconvolve_rhs(d[y], in1, in2, mode, axes)


@bilinear(scipy.signal.oaconvolve)
def oaconvolve(y, in1, in2, mode="full", axes=None):
    y = scipy.signal.oaconvolve(in1, in2, mode, axes)
    d[in1] = ksg.fftconvolve_lhs(d[y], in1, in2, mode, axes)
    d[in2] = ksg.fftconvolve_rhs(d[y], in1, in2, mode, axes)


@bilinear(scipy.signal.convolve2d)
def convolve2d(y, in1, in2, mode="full", boundary="fill", fillvalue=0):
    y = scipy.signal.convolve2d(in1, in2, mode, boundary, fillvalue)
    d[in1] = ksg.convolve2d_lhs(d[y], in1, in2, mode, boundary)
    d[in2] = ksg.convolve2d_rhs(d[y], in1, in2, mode, boundary)


@bilinear(scipy.signal.correlate2d)
def correlate2d(y, in1, in2, mode="full", boundary="fill", fillvalue=0):
    y = scipy.signal.correlate2d(in1, in2, mode, boundary, fillvalue)
    d[in1] = ksg.correlate2d_boundary_lhs(d[y], in1, in2, mode, boundary)
    d[in2] = ksg.correlate2d_boundary_rhs(d[y], in1, in2, mode, boundary)


# The adjoint kernels are linear in the cotangent and in the operand they read (second derivatives).
@tangent(ksg.convolve_lhs)
def convolve_lhs_(out, g, in1, in2, mode="full", method="auto"):
    t[out] = ksg.convolve_lhs(t[g], in1, in2, mode, method) + ksg.convolve_lhs(g, in1, t[in2], mode, method)


@tangent(ksg.convolve_rhs)
def convolve_rhs_(out, g, in1, in2, mode="full", method="auto"):
    t[out] = ksg.convolve_rhs(t[g], in1, in2, mode, method) + ksg.convolve_rhs(g, t[in1], in2, mode, method)


@tangent(ksg.fftconvolve_lhs)
def fftconvolve_lhs_(out, g, in1, in2, mode="full", axes=None):
    t[out] = ksg.fftconvolve_lhs(t[g], in1, in2, mode, axes) + ksg.fftconvolve_lhs(g, in1, t[in2], mode, axes)


@tangent(ksg.fftconvolve_rhs)
def fftconvolve_rhs_(out, g, in1, in2, mode="full", axes=None):
    t[out] = ksg.fftconvolve_rhs(t[g], in1, in2, mode, axes) + ksg.fftconvolve_rhs(g, t[in1], in2, mode, axes)


@tangent(ksg.correlate_lhs)
def correlate_lhs_(out, g, in1, in2, mode="full", method="auto"):
    t[out] = ksg.correlate_lhs(t[g], in1, in2, mode, method) + ksg.correlate_lhs(g, in1, t[in2], mode, method)


@tangent(ksg.correlate_rhs)
def correlate_rhs_(out, g, in1, in2, mode="full", method="auto"):
    t[out] = ksg.correlate_rhs(t[g], in1, in2, mode, method) + ksg.correlate_rhs(g, t[in1], in2, mode, method)


@tangent(ksg.convolve2d_lhs)
def convolve2d_lhs_(out, g, in1, in2, mode="full", boundary="fill"):
    t[out] = ksg.convolve2d_lhs(t[g], in1, in2, mode, boundary) + ksg.convolve2d_lhs(g, in1, t[in2], mode, boundary)


@tangent(ksg.convolve2d_rhs)
def convolve2d_rhs_(out, g, in1, in2, mode="full", boundary="fill"):
    t[out] = ksg.convolve2d_rhs(t[g], in1, in2, mode, boundary) + ksg.convolve2d_rhs(g, t[in1], in2, mode, boundary)


@tangent(ksg.correlate2d_boundary_lhs)
def correlate2d_boundary_lhs_(out, g, in1, in2, mode="full", boundary="fill"):
    t[out] = ksg.correlate2d_boundary_lhs(t[g], in1, in2, mode, boundary) + \
        ksg.correlate2d_boundary_lhs(g, in1, t[in2], mode, boundary)


@tangent(ksg.correlate2d_boundary_rhs)
def correlate2d_boundary_rhs_(out, g, in1, in2, mode="full", boundary="fill"):
    t[out] = ksg.correlate2d_boundary_rhs(t[g], in1, in2, mode, boundary) + \
        ksg.correlate2d_boundary_rhs(g, t[in1], in2, mode, boundary)


@tangent(ksg.correlate2d_lhs)
def correlate2d_lhs_(out, g, in1, in2, mode="full"):
    t[out] = ksg.correlate2d_lhs(t[g], in1, in2, mode) + ksg.correlate2d_lhs(g, in1, t[in2], mode)


@tangent(ksg.correlate2d_rhs)
def correlate2d_rhs_(out, g, in1, in2, mode="full"):
    t[out] = ksg.correlate2d_rhs(t[g], in1, in2, mode) + ksg.correlate2d_rhs(g, t[in1], in2, mode)


def _fill_zero(args):
    """convolve2d/correlate2d: a bilinear product of the two inputs with the zero-padded boundary ('fill',
    fillvalue 0) or an extension of in1 by its own entries ('wrap', 'symm')."""
    boundary, fillvalue = args.get("boundary", "fill"), args.get("fillvalue", 0)
    if boundary in ksg.EXTENDED:
        return None
    # a boundary held in a variable: its value is checked when the derivative runs (kernels_signal)
    if boundary not in ("fill", "pad", Ellipsis) or fillvalue is Ellipsis or fillvalue != 0:
        return ("srcdiff differentiates scipy.signal.convolve2d and correlate2d with boundary='wrap', 'symm' or "
                "'fill' with fillvalue=0 only (here boundary=%s, fillvalue=%s)" % (_shown(boundary),
                                                                                  _shown(fillvalue)),
                "Pad the input yourself with np.pad (constant_values=...) and call the function with mode='valid'; "
                "pass boundary as a constant.")
    return None


def _shown(value):
    return "<a variable>" if value is Ellipsis else repr(value)


for _fn in (scipy.signal.convolve2d, scipy.signal.correlate2d):
    refuse_unless(_fn, _fill_zero, unknown=True)
