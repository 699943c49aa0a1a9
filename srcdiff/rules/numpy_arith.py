"""Rules for NumPy's arithmetic ufuncs: each adjoint (reverse) template beside its tangent (forward).

Elementwise ufunc rules write the math only; the engine sums contributions back over
broadcast axes (``unbroadcast``) where shapes can differ. Holomorphic formulas (``add``,
``multiply``, ``power``, ``sqrt``...) hold for complex inputs too, under the convention of
``numpy_complex``. Where a partial derivative can be infinite or NaN for finite inputs (a pole,
the edge of the domain, outside it), the rule multiplies with a strong zero (``strong_mul``,
``strong_div``): a zero cotangent or tangent gives exactly 0 there (the branch of ``numpy.where``
that was not taken), any other gives the inf or NaN arithmetic gives. The only conventions at
single points: ``hypot`` at the origin and ``abs``/``fabs`` at 0 (derivative 0), ``maximum`` and
``minimum`` at ties (1/2 each), ``x1 ** x2`` at ``x1 == 0`` (0 with respect to ``x2``).
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from ..runtime.kernels_math import (abs_adjoint, abs_tangent, pick_weight, power_partial, safe_divisor, strong_div,
                                    strong_mul)
from .registry import adjoint, tangent


@adjoint(numpy.add)
def add(y, x1, x2):
    d[x1] = d[y]
    d[x2] = d[y]


@tangent(numpy.add)
def add(y, x1, x2):
    t[y] = t[x1] + t[x2]


@adjoint(numpy.subtract)
def subtract(y, x1, x2):
    d[x1] = d[y]
    d[x2] = -d[y]


@tangent(numpy.subtract)
def subtract(y, x1, x2):
    t[y] = t[x1] - t[x2]


@adjoint(numpy.multiply)
def multiply(y, x1, x2):
    d[x1] = d[y] * x2
    d[x2] = d[y] * x1


@tangent(numpy.multiply)
def multiply(y, x1, x2):
    t[y] = t[x1] * x2 + x1 * t[x2]


@adjoint(numpy.true_divide)
def true_divide(y, x1, x2):
    if x2 != 0:  # a nonzero constant divisor
        d[x1] = d[y] / x2
    else:
        d[x1] = strong_div(d[y], x2)
    d[x2] = -strong_mul(d[y], y / x2)


@tangent(numpy.true_divide)
def true_divide(y, x1, x2):
    if x2 != 0:
        t[y] = t[x1] / x2
    else:
        t[y] = strong_div(t[x1] - strong_mul(t[x2], y), x2)


# x ** p: a constant whole exponent p >= 1 keeps the textbook formula (finite for finite x);
# any other exponent can have an infinite or NaN partial (x ** 0.5 at 0, x ** -1 at 0, x ** 1.5
# below 0), so it multiplies with a strong zero; a variable exponent uses power_partial, exact
# where the base is 0 (x ** 0 -> 0, x ** 1 -> 1, x ** 2 -> 0, never 0 * inf). With respect to the
# exponent the partial is y log(x1), taken as 0 at x1 == 0 (a convention: 0 ** p is 0 for p > 0).
@adjoint(numpy.power, numpy.float_power)
def power(y, x1, x2):
    if x2 == 0:
        d[x2] = strong_mul(d[y], y * numpy.log(numpy.where(x1 == 0, 1.0, x1)))
    elif x2 >= 1 and x2 // 1 == x2:
        d[x1] = d[y] * x2 * x1 ** (x2 - 1)
        d[x2] = strong_mul(d[y], y * numpy.log(numpy.where(x1 == 0, 1.0, x1)))
    elif x2 != 0:
        d[x1] = strong_mul(d[y], x2 * x1 ** (x2 - 1))
        d[x2] = strong_mul(d[y], y * numpy.log(numpy.where(x1 == 0, 1.0, x1)))
    else:
        d[x1] = strong_mul(d[y], power_partial(x1, x2))
        d[x2] = strong_mul(d[y], y * numpy.log(numpy.where(x1 == 0, 1.0, x1)))


@tangent(numpy.power, numpy.float_power)
def power(y, x1, x2):
    if x2 == 0:
        t[y] = strong_mul(t[x2], y * numpy.log(numpy.where(x1 == 0, 1.0, x1)))
    elif x2 >= 1 and x2 // 1 == x2:
        t[y] = t[x1] * x2 * x1 ** (x2 - 1) + strong_mul(t[x2], y * numpy.log(numpy.where(x1 == 0, 1.0, x1)))
    elif x2 != 0:
        t[y] = strong_mul(t[x1], x2 * x1 ** (x2 - 1)) + \
            strong_mul(t[x2], y * numpy.log(numpy.where(x1 == 0, 1.0, x1)))
    else:
        t[y] = strong_mul(t[x1], power_partial(x1, x2)) + \
            strong_mul(t[x2], y * numpy.log(numpy.where(x1 == 0, 1.0, x1)))


@adjoint(numpy.negative)
def negative(y, x):
    d[x] = -d[y]


@tangent(numpy.negative)
def negative(y, x):
    t[y] = -t[x]


@adjoint(numpy.positive)
def positive(y, x):
    d[x] = d[y]


@tangent(numpy.positive)
def positive(y, x):
    t[y] = t[x]


@adjoint(numpy.reciprocal)
def reciprocal(y, x):
    d[x] = -strong_mul(d[y], y * y)


@tangent(numpy.reciprocal)
def reciprocal(y, x):
    t[y] = -strong_mul(t[x], y * y)


@adjoint(numpy.square)
def square(y, x):
    d[x] = d[y] * 2.0 * x


@tangent(numpy.square)
def square(y, x):
    t[y] = t[x] * 2.0 * x


@adjoint(numpy.sqrt)
def sqrt(y, x):
    d[x] = strong_mul(d[y], 0.5 / y)


@tangent(numpy.sqrt)
def sqrt(y, x):
    t[y] = strong_mul(t[x], 0.5 / y)


@adjoint(numpy.cbrt)
def cbrt(y, x):
    d[x] = strong_div(d[y], 3.0 * y * y)


@tangent(numpy.cbrt)
def cbrt(y, x):
    t[y] = strong_div(t[x], 3.0 * y * y)


@adjoint(numpy.absolute)
def absolute(y, x):
    d[x] = abs_adjoint(d[y], x)


@tangent(numpy.absolute)
def absolute(y, x):
    t[y] = abs_tangent(t[x], x)


@adjoint(numpy.fabs)
def fabs(y, x):
    d[x] = d[y] * numpy.sign(x)


@tangent(numpy.fabs)
def fabs(y, x):
    t[y] = t[x] * numpy.sign(x)


# ties split the adjoint evenly, like numpy.max over an axis; a NaN operand (which maximum and
# minimum propagate) gives a NaN partial, not 0 (pick_weight)
@adjoint(numpy.maximum)
def maximum(y, x1, x2):
    if x2 == 0:  # relu
        d[x1] = d[y] * pick_weight(x1, 0.0)
    else:
        d[x1] = d[y] * pick_weight(x1, x2)
        d[x2] = d[y] * pick_weight(x2, x1)


@tangent(numpy.maximum)
def maximum(y, x1, x2):
    if x2 == 0:
        t[y] = t[x1] * pick_weight(x1, 0.0)
    else:
        t[y] = t[x1] * pick_weight(x1, x2) + t[x2] * pick_weight(x2, x1)


@adjoint(numpy.minimum)
def minimum(y, x1, x2):
    if x2 == 0:
        d[x1] = d[y] * pick_weight(0.0, x1)
    else:
        d[x1] = d[y] * pick_weight(x2, x1)
        d[x2] = d[y] * pick_weight(x1, x2)


@tangent(numpy.minimum)
def minimum(y, x1, x2):
    if x2 == 0:
        t[y] = t[x1] * pick_weight(0.0, x1)
    else:
        t[y] = t[x1] * pick_weight(x2, x1) + t[x2] * pick_weight(x1, x2)


# fmax/fmin return the other operand where one is NaN
@adjoint(numpy.fmax)
def fmax(y, x1, x2):
    d[x1] = d[y] * ((x1 > x2) + 0.5 * (x1 == x2) + numpy.isnan(x2))
    d[x2] = d[y] * ((x2 > x1) + 0.5 * (x1 == x2) + numpy.isnan(x1))


@tangent(numpy.fmax)
def fmax(y, x1, x2):
    t[y] = t[x1] * ((x1 > x2) + 0.5 * (x1 == x2) + numpy.isnan(x2)) + \
        t[x2] * ((x2 > x1) + 0.5 * (x1 == x2) + numpy.isnan(x1))


@adjoint(numpy.fmin)
def fmin(y, x1, x2):
    d[x1] = d[y] * ((x1 < x2) + 0.5 * (x1 == x2) + numpy.isnan(x2))
    d[x2] = d[y] * ((x2 < x1) + 0.5 * (x1 == x2) + numpy.isnan(x1))


@tangent(numpy.fmin)
def fmin(y, x1, x2):
    t[y] = t[x1] * ((x1 < x2) + 0.5 * (x1 == x2) + numpy.isnan(x2)) + \
        t[x2] * ((x2 < x1) + 0.5 * (x1 == x2) + numpy.isnan(x1))


# |x1| with the sign of x2: piecewise constant in x2
@adjoint(numpy.copysign)
def copysign(y, x1, x2):
    d[x1] = d[y] * numpy.copysign(1.0, x1) * numpy.copysign(1.0, x2)


@tangent(numpy.copysign)
def copysign(y, x1, x2):
    t[y] = t[x1] * numpy.copysign(1.0, x1) * numpy.copysign(1.0, x2)


# x1 - x2 * trunc(x1 / x2)
@adjoint(numpy.fmod)
def fmod(y, x1, x2):
    d[x1] = d[y]
    d[x2] = -d[y] * numpy.trunc(x1 / x2)


@tangent(numpy.fmod)
def fmod(y, x1, x2):
    t[y] = t[x1] - t[x2] * numpy.trunc(x1 / x2)


# x1 * 2 ** x2 with an integer x2
@adjoint(numpy.ldexp)
def ldexp(y, x1, x2):
    d[x1] = numpy.ldexp(d[y], x2)


@tangent(numpy.ldexp)
def ldexp(y, x1, x2):
    t[y] = numpy.ldexp(t[x1], x2)


@adjoint(numpy.hypot)
def hypot(y, x1, x2):
    d[x1] = d[y] * x1 / safe_divisor(y)
    d[x2] = d[y] * x2 / safe_divisor(y)


@tangent(numpy.hypot)
def hypot(y, x1, x2):
    t[y] = (t[x1] * x1 + t[x2] * x2) / safe_divisor(y)
