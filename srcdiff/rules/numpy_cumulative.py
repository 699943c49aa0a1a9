"""Rules for NumPy's cumulative and neighbour operations: cumsum, cumprod, diff, trace, trapezoid.

``cumprod``'s rules are exact when the input has zeros (a recursion instead of a division).
NaN entries skipped by ``nancumsum``/``nancumprod`` get a zero gradient.
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from ..runtime.kernels import cumsum_adjoint, diff_adjoint, trace_adjoint
from ..runtime.kernels_reduce import (add_initial, cumprod_adjoint, cumprod_tangent, drop_initial, not_nan,
                                      trapezoid_adjoint, trapezoid_x_adjoint, trapezoid_x_tangent)
from .registry import adjoint, available, tangent


@adjoint(numpy.cumsum)
def cumsum(y, a, axis=None):
    d[a] = cumsum_adjoint(d[y], a, axis)


@tangent(numpy.cumsum)
def cumsum(y, a, axis=None):
    t[y] = numpy.cumsum(t[a], axis=axis)


@adjoint(numpy.nancumsum)
def nancumsum(y, a, axis=None):
    d[a] = cumsum_adjoint(d[y], a, axis) * not_nan(a)


@tangent(numpy.nancumsum)
def nancumsum(y, a, axis=None):
    t[y] = numpy.cumsum(t[a] * not_nan(a), axis=axis)


@adjoint(numpy.cumprod)
def cumprod(y, a, axis=None):
    d[a] = cumprod_adjoint(d[y], a, y, axis)


@tangent(numpy.cumprod)
def cumprod(y, a, axis=None):
    t[y] = cumprod_tangent(t[a], a, y, axis)


@adjoint(numpy.nancumprod)
def nancumprod(y, a, axis=None):
    d[a] = cumprod_adjoint(d[y], numpy.where(numpy.isnan(a), 1.0, a), y, axis) * not_nan(a)


@tangent(numpy.nancumprod)
def nancumprod(y, a, axis=None):
    t[y] = cumprod_tangent(t[a] * not_nan(a), numpy.where(numpy.isnan(a), 1.0, a), y, axis)


# the Array API versions: axis may be omitted for 1-D input; include_initial puts 0 (or 1) first
@adjoint(*available(numpy, "cumulative_sum"))
def cumulative_sum(y, x, axis=None, include_initial=False):
    d[x] = cumsum_adjoint(drop_initial(d[y], axis, include_initial), x, axis)


@tangent(*available(numpy, "cumulative_sum"))
def cumulative_sum(y, x, axis=None, include_initial=False):
    t[y] = numpy.cumulative_sum(t[x], axis=axis, include_initial=include_initial)


@adjoint(*available(numpy, "cumulative_prod"))
def cumulative_prod(y, x, axis=None, include_initial=False):
    d[x] = cumprod_adjoint(drop_initial(d[y], axis, include_initial), x, drop_initial(y, axis, include_initial),
                           axis)


@tangent(*available(numpy, "cumulative_prod"))
def cumulative_prod(y, x, axis=None, include_initial=False):
    t[y] = add_initial(cumprod_tangent(t[x], x, drop_initial(y, axis, include_initial), axis), 0.0, axis,
                       include_initial)


@adjoint(numpy.diff)
def diff(y, a, n=1, axis=-1):
    d[a] = diff_adjoint(d[y], n, axis)


@tangent(numpy.diff)
def diff(y, a, n=1, axis=-1):
    t[y] = numpy.diff(t[a], n, axis)


@adjoint(numpy.trace)
def trace(y, a, offset=0, axis1=0, axis2=1):
    d[a] = trace_adjoint(d[y], a, offset, axis1, axis2)


@tangent(numpy.trace)
def trace(y, a, offset=0, axis1=0, axis2=1):
    t[y] = numpy.trace(t[a], offset, axis1, axis2)


# numpy.trapezoid's integrand is called `y`, so the result is `out` here
@adjoint(numpy.trapezoid)
def trapezoid(out, y, x=None, dx=1.0, axis=-1):
    if x is None:
        d[y] = trapezoid_adjoint(d[out], y, None, dx, axis)
        d[dx] = numpy.sum(d[out] * numpy.trapezoid(y, dx=1.0, axis=axis))
    else:
        d[y] = trapezoid_adjoint(d[out], y, x, dx, axis)
        d[x] = trapezoid_x_adjoint(d[out], y, x, axis)


@tangent(numpy.trapezoid)
def trapezoid(out, y, x=None, dx=1.0, axis=-1):
    if x is None:
        t[out] = numpy.trapezoid(t[y], dx=dx, axis=axis) + t[dx] * numpy.trapezoid(y, dx=1.0, axis=axis)
    else:
        t[out] = numpy.trapezoid(t[y], x=x, axis=axis) + trapezoid_x_tangent(t[x], y, axis)
