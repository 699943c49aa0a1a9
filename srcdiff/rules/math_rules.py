"""Rules for Python's ``math`` module on floats: adjoint and tangent templates side by side.

Where a partial is infinite at a point the function accepts (``sqrt`` and ``cbrt`` at 0, ``asin``
and ``acos`` at +-1, ``acosh`` at 1), the rule divides with ``strong_div``: inf there (not a
ZeroDivisionError), exactly 0 for a zero cotangent or tangent."""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import math

from ..runtime.kernels_math import strong_div
from .registry import adjoint, available, lookup, nondifferentiable, shapes, tangent


@adjoint(math.sin)
def sin(y, x):
    d[x] = d[y] * math.cos(x)


@tangent(math.sin)
def sin(y, x):
    t[y] = t[x] * math.cos(x)


@adjoint(math.cos)
def cos(y, x):
    d[x] = -d[y] * math.sin(x)


@tangent(math.cos)
def cos(y, x):
    t[y] = -t[x] * math.sin(x)


@adjoint(math.tan)
def tan(y, x):
    d[x] = d[y] * (1.0 + y * y)


@tangent(math.tan)
def tan(y, x):
    t[y] = t[x] * (1.0 + y * y)


@adjoint(math.exp)
def exp(y, x):
    d[x] = d[y] * y


@tangent(math.exp)
def exp(y, x):
    t[y] = t[x] * y


@adjoint(math.log)
def log(y, x, base=None):
    if base is None:
        d[x] = d[y] / x
    else:
        d[x] = d[y] / (x * math.log(base))
        d[base] = -d[y] * y / (base * math.log(base))


@tangent(math.log)
def log(y, x, base=None):
    if base is None:
        t[y] = t[x] / x
    else:
        t[y] = t[x] / (x * math.log(base)) - t[base] * y / (base * math.log(base))


@adjoint(math.sqrt)
def sqrt(y, x):
    d[x] = strong_div(d[y], 2.0 * y)


@tangent(math.sqrt)
def sqrt(y, x):
    t[y] = strong_div(t[x], 2.0 * y)


@adjoint(math.pow)
def pow_(y, x, p):
    d[x] = d[y] * p * math.pow(x, p - 1.0)
    d[p] = d[y] * y * math.log(x)


@tangent(math.pow)
def pow_(y, x, p):
    t[y] = t[x] * p * math.pow(x, p - 1.0) + t[p] * y * math.log(x)


@adjoint(math.tanh)
def tanh(y, x):
    d[x] = d[y] * (1.0 - y * y)


@tangent(math.tanh)
def tanh(y, x):
    t[y] = t[x] * (1.0 - y * y)


@adjoint(math.sinh)
def sinh(y, x):
    d[x] = d[y] * math.cosh(x)


@tangent(math.sinh)
def sinh(y, x):
    t[y] = t[x] * math.cosh(x)


@adjoint(math.cosh)
def cosh(y, x):
    d[x] = d[y] * math.sinh(x)


@tangent(math.cosh)
def cosh(y, x):
    t[y] = t[x] * math.sinh(x)


@adjoint(math.asin)
def asin(y, x):
    d[x] = strong_div(d[y], math.sqrt(1.0 - x * x))


@tangent(math.asin)
def asin(y, x):
    t[y] = strong_div(t[x], math.sqrt(1.0 - x * x))


@adjoint(math.acos)
def acos(y, x):
    d[x] = -strong_div(d[y], math.sqrt(1.0 - x * x))


@tangent(math.acos)
def acos(y, x):
    t[y] = -strong_div(t[x], math.sqrt(1.0 - x * x))


@adjoint(math.atan)
def atan(y, x):
    d[x] = d[y] / (1.0 + x * x)


@tangent(math.atan)
def atan(y, x):
    t[y] = t[x] / (1.0 + x * x)


@adjoint(math.log1p)
def log1p(y, x):
    d[x] = d[y] / (1.0 + x)


@tangent(math.log1p)
def log1p(y, x):
    t[y] = t[x] / (1.0 + x)


@adjoint(math.expm1)
def expm1(y, x):
    d[x] = d[y] * (y + 1.0)


@tangent(math.expm1)
def expm1(y, x):
    t[y] = t[x] * (y + 1.0)


@adjoint(math.fabs)
def fabs(y, x):
    d[x] = d[y] * math.copysign(1.0, x) if x != 0.0 else 0.0


@tangent(math.fabs)
def fabs(y, x):
    t[y] = t[x] * math.copysign(1.0, x) if x != 0.0 else 0.0


@adjoint(math.copysign)
def copysign(y, x1, x2):
    d[x1] = d[y] * math.copysign(1.0, x1) * math.copysign(1.0, x2)


@tangent(math.copysign)
def copysign(y, x1, x2):
    t[y] = t[x1] * math.copysign(1.0, x1) * math.copysign(1.0, x2)


@adjoint(math.log10)
def log10(y, x):
    d[x] = d[y] / (x * 2.302585092994046)  # ln 10


@tangent(math.log10)
def log10(y, x):
    t[y] = t[x] / (x * 2.302585092994046)


@adjoint(math.log2)
def log2(y, x):
    d[x] = d[y] / (x * 0.6931471805599453)  # ln 2


@tangent(math.log2)
def log2(y, x):
    t[y] = t[x] / (x * 0.6931471805599453)


@adjoint(*available(math, "exp2"))
def exp2(y, x):
    d[x] = d[y] * y * 0.6931471805599453


@tangent(*available(math, "exp2"))
def exp2(y, x):
    t[y] = t[x] * y * 0.6931471805599453


@adjoint(*available(math, "cbrt"))
def cbrt(y, x):
    d[x] = strong_div(d[y], 3.0 * y * y)


@tangent(*available(math, "cbrt"))
def cbrt(y, x):
    t[y] = strong_div(t[x], 3.0 * y * y)


@adjoint(math.asinh)
def asinh(y, x):
    d[x] = d[y] / math.sqrt(x * x + 1.0)


@tangent(math.asinh)
def asinh(y, x):
    t[y] = t[x] / math.sqrt(x * x + 1.0)


@adjoint(math.acosh)
def acosh(y, x):
    d[x] = strong_div(d[y], math.sqrt(x * x - 1.0))


@tangent(math.acosh)
def acosh(y, x):
    t[y] = strong_div(t[x], math.sqrt(x * x - 1.0))


@adjoint(math.atanh)
def atanh(y, x):
    d[x] = d[y] / (1.0 - x * x)


@tangent(math.atanh)
def atanh(y, x):
    t[y] = t[x] / (1.0 - x * x)


@adjoint(math.atan2)
def atan2(r, y, x):
    d[y] = d[r] * x / (x * x + y * y)
    d[x] = -d[r] * y / (x * x + y * y)


@tangent(math.atan2)
def atan2(r, y, x):
    t[r] = (t[y] * x - t[x] * y) / (x * x + y * y)


@adjoint(math.degrees)
def degrees(y, x):
    d[x] = d[y] * 57.29577951308232  # 180 / pi


@tangent(math.degrees)
def degrees(y, x):
    t[y] = t[x] * 57.29577951308232


@adjoint(math.radians)
def radians(y, x):
    d[x] = d[y] * 0.017453292519943295  # pi / 180


@tangent(math.radians)
def radians(y, x):
    t[y] = t[x] * 0.017453292519943295


@adjoint(math.erf)
def erf(y, x):
    d[x] = d[y] * 1.1283791670955126 * math.exp(-x * x)  # 2 / sqrt(pi)


@tangent(math.erf)
def erf(y, x):
    t[y] = t[x] * 1.1283791670955126 * math.exp(-x * x)


@adjoint(math.erfc)
def erfc(y, x):
    d[x] = -d[y] * 1.1283791670955126 * math.exp(-x * x)


@tangent(math.erfc)
def erfc(y, x):
    t[y] = -t[x] * 1.1283791670955126 * math.exp(-x * x)


@adjoint(math.fmod)
def fmod(r, x, y):
    d[x] = d[r]
    d[y] = -d[r] * math.trunc(x / y)  # fmod(x, y) = x - trunc(x / y) * y


@tangent(math.fmod)
def fmod(r, x, y):
    t[r] = t[x] - t[y] * math.trunc(x / y)


@adjoint(math.remainder)
def remainder(r, x, y):
    d[x] = d[r]
    d[y] = -d[r] * round(x / y)  # remainder(x, y) = x - n * y, n the nearest integer (ties to even)


@tangent(math.remainder)
def remainder(r, x, y):
    t[r] = t[x] - t[y] * round(x / y)


@adjoint(math.ldexp)
def ldexp(y, x, i):
    d[x] = d[y] * math.ldexp(1.0, i)


@tangent(math.ldexp)
def ldexp(y, x, i):
    t[y] = t[x] * math.ldexp(1.0, i)


nondifferentiable(math.floor, math.ceil, math.trunc, math.isnan, math.isinf, math.isfinite,
                  math.factorial, math.gcd, math.comb, math.perm, math.isclose, math.isqrt,
                  *available(math, "lcm", "nextafter", "ulp"))


shapes(scalar=[obj for obj in vars(math).values() if callable(obj) and lookup(obj) is not None])
