"""Rules for Python's ``math`` module on floats: adjoint and tangent templates side by side."""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import math

from .registry import adjoint, lookup, nondifferentiable, shapes, tangent


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
    d[x] = d[y] / (2.0 * y)


@tangent(math.sqrt)
def sqrt(y, x):
    t[y] = t[x] / (2.0 * y)


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
    d[x] = d[y] / math.sqrt(1.0 - x * x)


@tangent(math.asin)
def asin(y, x):
    t[y] = t[x] / math.sqrt(1.0 - x * x)


@adjoint(math.acos)
def acos(y, x):
    d[x] = -d[y] / math.sqrt(1.0 - x * x)


@tangent(math.acos)
def acos(y, x):
    t[y] = -t[x] / math.sqrt(1.0 - x * x)


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


nondifferentiable(math.floor, math.ceil, math.trunc, math.isnan, math.isinf, math.isfinite,
                  math.factorial, math.gcd, math.comb, math.perm, math.isclose)


shapes(scalar=[obj for obj in vars(math).values() if callable(obj) and lookup(obj) is not None])
