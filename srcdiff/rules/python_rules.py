"""Rules for Python operators and builtins: operators reuse the matching NumPy ufunc rules."""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import builtins
import operator

import numpy

from ..runtime.helpers import (as_sequence, dict_copy, head_of, join_sequences, join_tangents, private_copy,
                               stop_gradient, tail_of)
from .operators import BINARY, UNARY  # noqa: F401  (re-exported)
from ..runtime.kernels import (dict_items, dict_keys, dict_values, fan_out, items_adjoint, pick_adjoint, pick_tangent,
                               values_adjoint)
from ..runtime.kernels_math import strong_mul
from .registry import adjoint, nondifferentiable, self_adjoint, shapes, tangent



@self_adjoint(builtins.abs)
def abs_(y, x):
    d[x] = d[y] * numpy.sign(x)


@adjoint(builtins.float)
def float_(y, x):
    d[x] = d[y]


@tangent(builtins.float)
def float_(y, x):
    t[y] = float(t[x])


# like numpy.power (numpy_arith): strong zeros unless the exponent is a constant whole number >= 1
@adjoint(builtins.pow, elementwise=True)
def pow_(y, base, exp):
    if exp >= 1 and exp // 1 == exp:
        d[base] = d[y] * exp * base ** (exp - 1)
    else:
        d[base] = strong_mul(d[y], exp * base ** (exp - 1))
    d[exp] = strong_mul(d[y], y * numpy.log(numpy.where(base == 0, 1.0, base)))


@tangent(builtins.pow)
def pow_(y, base, exp):
    if exp >= 1 and exp // 1 == exp:
        t[y] = t[base] * exp * base ** (exp - 1) + strong_mul(t[exp], y * numpy.log(numpy.where(base == 0, 1.0,
                                                                                                base)))
    else:
        t[y] = strong_mul(t[base], exp * base ** (exp - 1)) + \
            strong_mul(t[exp], y * numpy.log(numpy.where(base == 0, 1.0, base)))


@adjoint(numpy.remainder)
def remainder(y, x1, x2):
    d[x1] = d[y]
    d[x2] = -d[y] * numpy.floor_divide(x1, x2)


@tangent(numpy.remainder)
def remainder(y, x1, x2):
    t[y] = t[x1] - t[x2] * numpy.floor_divide(x1, x2)


@adjoint(builtins.max, builtins.min)
def max_(y, a, b=None):
    if b is None:
        d[a] = pick_adjoint(d[y], a, y)
    else:
        d[a] = d[y] * (a == y)
        d[b] = d[y] * ((b == y) & (a != y))


@tangent(builtins.max, builtins.min)
def max_(y, a, b=None):
    if b is None:
        t[y] = pick_tangent(t[a], a, y)
    else:
        t[y] = t[a] * (a == y) + t[b] * ((b == y) & (a != y))


@adjoint(dict_values)
def dict_values_(y, mapping):
    d[mapping] = values_adjoint(d[y], mapping)


@tangent(dict_values)
def dict_values_(y, mapping):
    t[y] = dict_values(t[mapping])


@adjoint(dict_items)
def dict_items_(y, mapping):
    d[mapping] = items_adjoint(d[y], mapping)


@tangent(dict_items)
def dict_items_(y, mapping):
    t[y] = dict_items(t[mapping])


nondifferentiable(dict_keys)
shapes(scalar=(builtins.max, builtins.min))

nondifferentiable(
    builtins.len, builtins.range, builtins.int, builtins.bool, builtins.round, builtins.isinstance,
    builtins.print, builtins.type, builtins.str, builtins.repr, builtins.hash, builtins.id,
    builtins.callable, operator.not_,
)


shapes(scalar=(builtins.float, builtins.int, builtins.len, builtins.bool, builtins.round),
       elementwise=(builtins.abs, builtins.pow))


@adjoint(as_sequence)
def as_sequence_(y, x):
    d[x] = d[y]


@tangent(as_sequence)
def as_sequence_(y, x):
    t[y] = as_sequence(t[x])


@adjoint(private_copy)
def private_copy_(y, x):
    d[x] = d[y]


@tangent(private_copy)
def private_copy_(y, x):
    t[y] = private_copy(t[x])


@adjoint(dict_copy)
def dict_copy_(y, m):
    d[m] = d[y]


@tangent(dict_copy)
def dict_copy_(y, m):
    t[y] = dict_copy(t[m])


@adjoint(join_sequences)
def join_sequences_(y, a, b):
    d[a] = head_of(d[y], a)
    d[b] = tail_of(d[y], a)


@tangent(join_sequences)
def join_sequences_(y, a, b):
    t[y] = join_tangents(t[a], t[b])


@adjoint(builtins.sum)
def sum_(y, iterable, start=0):
    d[iterable] = fan_out(d[y], iterable)
    d[start] = d[y]


@tangent(builtins.sum)
def sum_(y, iterable, start=0):
    t[y] = sum(t[iterable], t[start])


@adjoint(builtins.list, builtins.tuple)
def list_(y, iterable):
    d[iterable] = d[y]


@tangent(builtins.list, builtins.tuple)
def list_(y, iterable):
    t[y] = list(t[iterable])


nondifferentiable(stop_gradient)
