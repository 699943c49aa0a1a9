"""Rules for NumPy's exponential, logarithmic, trigonometric and hyperbolic ufuncs (and sinc).

Each adjoint (reverse) template sits beside its tangent (forward). The formulas are holomorphic
where the function is, so they also hold for complex inputs (see ``numpy_complex``). Where a
partial can be infinite or NaN for finite inputs (logarithms at 0, inverse trigonometric
functions at +-1, outside the domain), the rule divides with a strong zero (``strong_div``): a
zero cotangent or tangent gives exactly 0 (the branch of ``numpy.where`` that was not taken), any
other the inf or NaN arithmetic gives; ``positive=True`` makes it NaN where the divisor is
negative (``log`` of a negative number is NaN, though its partial 1 / x is finite).
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from ..runtime.kernels_math import safe_divisor, sinc_partial, strong_div
from .registry import adjoint, shapes, tangent

_LN2 = 0.6931471805599453  # log(2)
_LN10 = 2.302585092994046  # log(10)
_DEG = 0.017453292519943295  # pi / 180
_RAD = 57.29577951308232  # 180 / pi


@adjoint(numpy.exp)
def exp(y, x):
    d[x] = d[y] * y


@tangent(numpy.exp)
def exp(y, x):
    t[y] = t[x] * y


@adjoint(numpy.exp2)
def exp2(y, x):
    d[x] = d[y] * y * _LN2


@tangent(numpy.exp2)
def exp2(y, x):
    t[y] = t[x] * y * _LN2


@adjoint(numpy.expm1)
def expm1(y, x):
    d[x] = d[y] * (y + 1.0)


@tangent(numpy.expm1)
def expm1(y, x):
    t[y] = t[x] * (y + 1.0)


@adjoint(numpy.log)
def log(y, x):
    d[x] = strong_div(d[y], x, True)


@tangent(numpy.log)
def log(y, x):
    t[y] = strong_div(t[x], x, True)


@adjoint(numpy.log1p)
def log1p(y, x):
    d[x] = strong_div(d[y], 1.0 + x, True)


@tangent(numpy.log1p)
def log1p(y, x):
    t[y] = strong_div(t[x], 1.0 + x, True)


@adjoint(numpy.log2)
def log2(y, x):
    d[x] = strong_div(d[y], x * _LN2, True)


@tangent(numpy.log2)
def log2(y, x):
    t[y] = strong_div(t[x], x * _LN2, True)


@adjoint(numpy.log10)
def log10(y, x):
    d[x] = strong_div(d[y], x * _LN10, True)


@tangent(numpy.log10)
def log10(y, x):
    t[y] = strong_div(t[x], x * _LN10, True)


# log(exp(x1) + exp(x2)): the weights exp(x - y) are at most 1, so large inputs cannot overflow
@adjoint(numpy.logaddexp)
def logaddexp(y, x1, x2):
    d[x1] = d[y] * numpy.exp(x1 - y)
    d[x2] = d[y] * numpy.exp(x2 - y)


@tangent(numpy.logaddexp)
def logaddexp(y, x1, x2):
    t[y] = t[x1] * numpy.exp(x1 - y) + t[x2] * numpy.exp(x2 - y)


@adjoint(numpy.logaddexp2)
def logaddexp2(y, x1, x2):
    d[x1] = d[y] * numpy.exp2(x1 - y)
    d[x2] = d[y] * numpy.exp2(x2 - y)


@tangent(numpy.logaddexp2)
def logaddexp2(y, x1, x2):
    t[y] = t[x1] * numpy.exp2(x1 - y) + t[x2] * numpy.exp2(x2 - y)


@adjoint(numpy.sin)
def sin(y, x):
    d[x] = d[y] * numpy.cos(x)


@tangent(numpy.sin)
def sin(y, x):
    t[y] = t[x] * numpy.cos(x)


@adjoint(numpy.cos)
def cos(y, x):
    d[x] = -d[y] * numpy.sin(x)


@tangent(numpy.cos)
def cos(y, x):
    t[y] = -t[x] * numpy.sin(x)


@adjoint(numpy.tan)
def tan(y, x):
    d[x] = d[y] * (1.0 + y * y)


@tangent(numpy.tan)
def tan(y, x):
    t[y] = t[x] * (1.0 + y * y)


@adjoint(numpy.arcsin)
def arcsin(y, x):
    d[x] = strong_div(d[y], numpy.sqrt(1.0 - x * x))


@tangent(numpy.arcsin)
def arcsin(y, x):
    t[y] = strong_div(t[x], numpy.sqrt(1.0 - x * x))


@adjoint(numpy.arccos)
def arccos(y, x):
    d[x] = -strong_div(d[y], numpy.sqrt(1.0 - x * x))


@tangent(numpy.arccos)
def arccos(y, x):
    t[y] = -strong_div(t[x], numpy.sqrt(1.0 - x * x))


@adjoint(numpy.arctan)
def arctan(y, x):
    d[x] = d[y] / (1.0 + x * x)


@tangent(numpy.arctan)
def arctan(y, x):
    t[y] = t[x] / (1.0 + x * x)


# the angle of the point (x2, x1); derivative 0 at the origin (a convention, as arctan2(0, 0) is 0)
@adjoint(numpy.arctan2)
def arctan2(y, x1, x2):
    d[x1] = d[y] * x2 / safe_divisor(x1 * x1 + x2 * x2)
    d[x2] = -d[y] * x1 / safe_divisor(x1 * x1 + x2 * x2)


@tangent(numpy.arctan2)
def arctan2(y, x1, x2):
    t[y] = (t[x1] * x2 - t[x2] * x1) / safe_divisor(x1 * x1 + x2 * x2)


@adjoint(numpy.sinh)
def sinh(y, x):
    d[x] = d[y] * numpy.cosh(x)


@tangent(numpy.sinh)
def sinh(y, x):
    t[y] = t[x] * numpy.cosh(x)


@adjoint(numpy.cosh)
def cosh(y, x):
    d[x] = d[y] * numpy.sinh(x)


@tangent(numpy.cosh)
def cosh(y, x):
    t[y] = t[x] * numpy.sinh(x)


@adjoint(numpy.tanh)
def tanh(y, x):
    d[x] = d[y] * (1.0 - y * y)


@tangent(numpy.tanh)
def tanh(y, x):
    t[y] = t[x] * (1.0 - y * y)


@adjoint(numpy.arcsinh)
def arcsinh(y, x):
    d[x] = d[y] / numpy.sqrt(x * x + 1.0)


@tangent(numpy.arcsinh)
def arcsinh(y, x):
    t[y] = t[x] / numpy.sqrt(x * x + 1.0)


# sqrt(x - 1) * sqrt(x + 1) rather than sqrt(x * x - 1): right on the complex plane too
@adjoint(numpy.arccosh)
def arccosh(y, x):
    d[x] = strong_div(d[y], numpy.sqrt(x - 1.0) * numpy.sqrt(x + 1.0))


@tangent(numpy.arccosh)
def arccosh(y, x):
    t[y] = strong_div(t[x], numpy.sqrt(x - 1.0) * numpy.sqrt(x + 1.0))


@adjoint(numpy.arctanh)
def arctanh(y, x):
    d[x] = strong_div(d[y], 1.0 - x * x, True)


@tangent(numpy.arctanh)
def arctanh(y, x):
    t[y] = strong_div(t[x], 1.0 - x * x, True)


@adjoint(numpy.deg2rad, numpy.radians)
def deg2rad(y, x):
    d[x] = d[y] * _DEG


@tangent(numpy.deg2rad, numpy.radians)
def deg2rad(y, x):
    t[y] = t[x] * _DEG


@adjoint(numpy.rad2deg, numpy.degrees)
def rad2deg(y, x):
    d[x] = d[y] * _RAD


@tangent(numpy.rad2deg, numpy.degrees)
def rad2deg(y, x):
    t[y] = t[x] * _RAD


# sin(pi x) / (pi x), with derivative 0 at x = 0
@adjoint(numpy.sinc, elementwise=True)
def sinc(y, x):
    d[x] = d[y] * sinc_partial(x)


@tangent(numpy.sinc)
def sinc(y, x):
    t[y] = t[x] * sinc_partial(x)


shapes(elementwise=(numpy.sinc,))
