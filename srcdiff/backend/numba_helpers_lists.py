"""Numba versions of the runtime helpers whose adjoints are lists, and of a few more kernels (norm, solve).

Like numba_helpers.py: stubs overloaded for Numba; a combination of types not covered is a
typing error (refused naming the user's line), never a different result. Lists hold floats or
arrays of one type (what Numba can type); axes other than the first (or a matrix's last) are refused.
"""
from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload

from ..runtime import helpers, kernels, kernels_norms
from . import numba_helpers as nh


def _stub(name):
    def stub(*args):
        raise NotImplementedError("%s is only called from code compiled by Numba" % name)
    stub.__name__ = stub.__qualname__ = name
    return stub


fan_out = _stub("fan_out")
unstack = _stub("unstack")
array_adjoint = _stub("array_adjoint")
own_list = _stub("own_list")
real_for = _stub("real_for")
norm_adjoint = _stub("norm_adjoint")
solve_adjoint_a = _stub("solve_adjoint_a")
written_part = _stub("written_part")

STANDS_FOR = {
    kernels.fan_out: fan_out, kernels.unstack: unstack, kernels.array_adjoint: array_adjoint,
    helpers.own_list: own_list, helpers.real_for: real_for, kernels_norms.norm_adjoint: norm_adjoint,
    kernels.solve_adjoint_a: solve_adjoint_a, helpers.written_part: written_part,
}
NAMES = frozenset(f.__name__ for f in STANDS_FOR)


def _real(t):
    return isinstance(t, (types.Float, types.Integer, types.Boolean))


def _real_array(t):
    return isinstance(t, types.Array) and _real(t.dtype)


def _sequence(t):
    """A list or a tuple of one item type (floats or real arrays)."""
    return isinstance(t, (types.List, types.UniTuple)) and (_real(t.dtype) or _real_array(t.dtype))


def _first_axis(axis):
    return isinstance(axis, types.Omitted) and axis.value == 0 or \
        isinstance(axis, types.IntegerLiteral) and axis.literal_value == 0


def _last_axis(axis):  # of a matrix
    return isinstance(axis, types.IntegerLiteral) and axis.literal_value in (1, -1)


@overload(fan_out)
def _fan_out(g, items):
    """``g`` summed down to the shape of each item (the adjoint of ``sum(items)``)."""
    if _sequence(items) and (_real(g) or _real_array(g)):
        return lambda g, items: [nh.unbroadcast(g, item) for item in items]


@overload(unstack)
def _unstack(g, axis=0):
    """One slice of ``g`` per stacked input (stacked along the first axis, or the last of a matrix)."""
    if _real_array(g) and g.ndim == 2 and _last_axis(axis):
        return lambda g, axis=0: [np.ascontiguousarray(g[:, i]) for i in range(g.shape[1])]
    if not (_real_array(g) and _first_axis(axis)):
        return None
    if g.ndim == 1:
        return lambda g, axis=0: [g[i] for i in range(g.shape[0])]
    return lambda g, axis=0: [g[i].copy() for i in range(g.shape[0])]


@overload(array_adjoint)
def _array_adjoint(g, obj):
    """The rows of ``g`` for ``np.array(list)``, or ``g`` itself for an array."""
    if _real_array(obj) and (_real_array(g) or _real(g)):
        return lambda g, obj: g
    if not (_sequence(obj) and _real_array(g)):
        return None
    if _real(obj.dtype) and g.ndim == 1:
        return lambda g, obj: [g[i] for i in range(len(obj))]
    if _real_array(obj.dtype) and g.ndim == obj.dtype.ndim + 1:
        return lambda g, obj: [g[i].copy() for i in range(len(obj))]


@overload(own_list)
def _own_list(g):
    """A list of its own: a copy of a list, or the rows of an array."""
    if isinstance(g, types.List) and (_real(g.dtype) or _real_array(g.dtype)):
        return lambda g: [v for v in g]
    if _real_array(g) and g.ndim == 1:
        return lambda g: [g[i] for i in range(g.shape[0])]
    if _real_array(g):
        return lambda g: [g[i].copy() for i in range(g.shape[0])]


@overload(real_for)
def _real_for(target, value):
    """``value`` (real values only: a complex one is refused)."""
    if (_real(value) or _real_array(value)) and (_real_array(target) or _real(target)):
        return lambda target, value: value


@overload(norm_adjoint)
def _norm_adjoint(g, x, y, ord=None, axis=None, keepdims=False):
    """The 2-norm (Frobenius for a matrix) of the whole array: ``g * x / y``, 0 where ``y`` is 0."""
    plain = (types.NoneType, types.Omitted)
    if not (_real(g) and _real_array(x) and _real(y) and isinstance(ord, plain) and isinstance(axis, plain)
            and (isinstance(keepdims, types.Omitted) or isinstance(keepdims, types.BooleanLiteral)
                 and not keepdims.literal_value)):
        return None
    return lambda g, x, y, ord=None, axis=None, keepdims=False: g * x / (y if y != 0 else 1.0)


@overload(solve_adjoint_a)
def _solve_adjoint_a(g, y):
    """The adjoint of ``np.linalg.solve(a, b)`` for ``a``, given g = solve(a^T, d_y)."""
    if not (_real_array(g) and _real_array(y) and g.ndim == y.ndim):
        return None
    if y.ndim == 1:
        return lambda g, y: -np.outer(g, y)
    if y.ndim == 2:
        return lambda g, y: -(g @ np.ascontiguousarray(y.T))


def _basic(index):
    kinds = (types.Integer, types.SliceType)
    return isinstance(index, kinds) or isinstance(index, types.BaseTuple) and all(isinstance(i, kinds) for i in index)


@overload(written_part)
def _written_part(g, index):
    """``g[index]`` for a basic index (a fancy one could repeat entries: refused)."""
    if not (_real_array(g) and _basic(index)):
        return None
    return lambda g, index: nh.snapshot(g[index])


@overload(nh.zeros_like)
def _zeros_like_items(x):
    """The zero adjoint of a tuple or list of numbers or real arrays of one type: a list (adjoints of
    containers are lists, so they can be added into). Mixed tuples have no Numba list: refused."""
    if not isinstance(x, (types.UniTuple, types.List)):
        return None
    if _real(x.dtype):
        return lambda x: [0.0 for _ in range(len(x))]
    if _real_array(x.dtype):
        return lambda x: [np.zeros(x[i].shape) for i in range(len(x))]


@overload(nh.add_at)
def _add_at_item(target, index, value):
    """``target[index] += value`` for one item of a list adjoint."""
    item = target.dtype if isinstance(target, types.List) else None
    if isinstance(index, types.Integer) and (_real(item) and _real(value) or
                                             _real_array(item) and (_real_array(value) or _real(value))):
        def impl(target, index, value):
            target[index] = target[index] + value
            return target
        return impl


@overload(nh.floating)
def _floating_items(g):
    """A list or tuple adjoint as it is (what the runtime's ``floating`` does with containers)."""
    if isinstance(g, types.List) and (_real(g.dtype) or _real_array(g.dtype)) or \
            isinstance(g, types.BaseTuple) and all(_real(t) or _real_array(t) for t in g):
        return lambda g: g


@overload(nh.owned)
def _owned_items(g):
    """A list or tuple adjoint as it is (the runtime's ``owned`` copies arrays only)."""
    if isinstance(g, types.List) and (_real(g.dtype) or _real_array(g.dtype)) or \
            isinstance(g, types.BaseTuple) and all(_real(t) or _real_array(t) for t in g):
        return lambda g: g
