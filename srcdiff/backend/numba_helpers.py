"""Numba versions of the runtime helpers generated code calls (imported only with Numba installed).

Each is a stub overloaded for Numba (``numba.extending.overload``): the implementation is chosen
from the argument types when the gradient is compiled, and a combination it does not cover is a
typing error (which the target turns into a ``SrcdiffError``), never a different result.
"""
from __future__ import annotations

import math

import numpy as np
from numba import types
from numba.extending import overload
from numba.np.numpy_support import as_dtype

from ..errors import ArgumentError
from ..runtime import helpers, kernels, kernels_batched, kernels_math
from . import guards


def _stub(name):
    def stub(*args):
        raise NotImplementedError("%s is only called from code compiled by Numba" % name)
    stub.__name__ = stub.__qualname__ = name
    return stub


floating = _stub("floating")
zeros_like = _stub("zeros_like")
owned = _stub("owned")
unbroadcast = _stub("unbroadcast")
matmul_lhs = _stub("matmul_lhs")
matmul_rhs = _stub("matmul_rhs")
matmul_lhs_sum = _stub("matmul_lhs_sum")
matmul_rhs_sum = _stub("matmul_rhs_sum")
unbroadcast_sum = _stub("unbroadcast_sum")
wrong_shapes = _stub("wrong_shapes")
expand = _stub("expand")
total = _stub("total")
require_scalar = _stub("require_scalar")
strong_div = _stub("strong_div")
abs_adjoint = _stub("abs_adjoint")
add_at = _stub("add_at")
snapshot = _stub("snapshot")
strong_mul = _stub("strong_mul")
pick_weight = _stub("pick_weight")
power_partial = _stub("power_partial")
as_sequence = _stub("as_sequence")

# the runtime helper each stands for (what generated code is bound to for the NumPy target)
STANDS_FOR = {
    helpers.floating: floating, helpers.zeros_like: zeros_like, helpers.owned: owned,
    helpers.unbroadcast: unbroadcast, kernels.matmul_lhs: matmul_lhs, kernels.matmul_rhs: matmul_rhs,
    kernels_batched.matmul_lhs_sum: matmul_lhs_sum, kernels_batched.matmul_rhs_sum: matmul_rhs_sum,
    kernels_batched.unbroadcast_sum: unbroadcast_sum, guards.wrong_shapes: wrong_shapes,
    helpers.expand: expand, helpers.total: total, helpers.require_scalar: require_scalar,
    kernels_math.strong_div: strong_div, kernels_math.abs_adjoint: abs_adjoint, helpers.add_at: add_at,
    helpers.snapshot: snapshot, kernels_math.strong_mul: strong_mul, kernels_math.pick_weight: pick_weight,
    kernels_math.power_partial: power_partial, helpers.as_sequence: as_sequence,
}
NAMES = frozenset(f.__name__ for f in STANDS_FOR)


def _real(t):
    return isinstance(t, (types.Float, types.Complex))


def _number(t):
    return isinstance(t, (types.Number, types.Boolean))


@overload(floating)
def _floating(g):
    if isinstance(g, types.Array):
        if _real(g.dtype):
            return lambda g: g
        return lambda g: g.astype(np.float64)
    if _real(g):
        return lambda g: g
    if _number(g):
        return lambda g: float(g)


@overload(zeros_like)
def _zeros_like(x):
    if isinstance(x, types.Array):
        if isinstance(x.dtype, types.Complex):
            return lambda x: np.zeros(x.shape, np.complex128)
        return lambda x: np.zeros(x.shape)
    if isinstance(x, types.Complex):
        return lambda x: 0j
    if _number(x):
        return lambda x: 0.0


@overload(owned)
def _owned(g):
    if isinstance(g, types.Array):
        return lambda g: g.copy()  # not always needed, but never aliasing the caller's arrays
    if _number(g):
        return lambda g: g


@overload(unbroadcast)
def _unbroadcast(g, x):
    """The adjoint of broadcasting for ranks up to 2: the sums over leading and length-1 axes."""
    if _number(x):
        if isinstance(g, types.Array):
            return lambda g, x: np.sum(g)
        return lambda g, x: g
    if not isinstance(x, types.Array) or x.ndim > 2:
        return None
    if _number(g):
        return lambda g, x: np.full(x.shape, g)
    if not isinstance(g, types.Array) or g.ndim > 2:
        return None
    if x.ndim == 1 and g.ndim == 1:
        def one(g, x):
            if g.shape[0] == x.shape[0]:
                return g
            if x.shape[0] == 1:
                return np.full(1, np.sum(g))
            return np.full(x.shape[0], g[0])
        return one
    if x.ndim == 1 and g.ndim == 2:
        def rows(g, x):
            s = np.sum(g, axis=0)
            if s.shape[0] == x.shape[0]:
                return s
            if x.shape[0] == 1:
                return np.full(1, np.sum(s))
            return np.full(x.shape[0], s[0])
        return rows
    if x.ndim == 2 and g.ndim == 2:
        def matrix(g, x):
            if g.shape[0] != x.shape[0]:
                g = np.sum(g, axis=0).reshape((1, g.shape[1])) if x.shape[0] == 1 else np.ones(x.shape) * g
            if g.shape[1] != x.shape[1]:
                g = np.sum(g, axis=1).reshape((g.shape[0], 1)) if x.shape[1] == 1 else np.ones(x.shape) * g
            return g
        return matrix


@overload(expand)
def _expand(g, x, axis=None, keepdims=False):
    """The adjoint of a sum: ``g`` spread over ``x``'s shape (for one axis, over a matrix's rows or columns)."""
    if _number(x):
        return lambda g, x, axis=None, keepdims=False: g
    if not isinstance(x, types.Array):
        return None
    if _number(g):
        return lambda g, x, axis=None, keepdims=False: np.full(x.shape, g)
    if isinstance(g, types.Array) and x.ndim == 2 and g.ndim == 1 and isinstance(axis, types.Integer) \
            and isinstance(keepdims, (types.Omitted, types.NoneType, types.BooleanLiteral)) \
            and not getattr(keepdims, "literal_value", False):
        def rows_or_columns(g, x, axis=None, keepdims=False):
            if axis % 2 == 0:
                return np.ones(x.shape) * g.reshape((1, g.shape[0]))
            return np.ones(x.shape) * g.reshape((g.shape[0], 1))
        return rows_or_columns
    if isinstance(g, types.Array) and g.ndim == x.ndim:  # kept dimensions
        return lambda g, x, axis=None, keepdims=False: np.ones(x.shape) * g


@overload(total)
def _total(g):
    if isinstance(g, types.Array):
        return lambda g: np.sum(g)
    if _number(g):
        return lambda g: g


def outer(a, b):
    """``np.outer`` of two vectors (typed by the overload below)."""
    return np.outer(a, b)


@overload(outer)
def _outer(a, b):
    # as loops: compiles in a fraction of the time Numba's np.outer takes (a third of the RNN's compile time)
    scalar = np.result_type(as_dtype(a.dtype), as_dtype(b.dtype)).type

    def impl(a, b):
        out = np.empty((a.shape[0], b.shape[0]), scalar)
        for i in range(a.shape[0]):
            for j in range(b.shape[0]):
                out[i, j] = a[i] * b[j]
        return out
    return impl


@overload(matmul_lhs)
def _matmul_lhs(g, a, b):
    if not (isinstance(a, types.Array) and isinstance(b, types.Array)):
        return None
    if a.ndim == 2 and b.ndim == 2:
        return lambda g, a, b: g @ np.ascontiguousarray(b.T)
    if a.ndim == 2 and b.ndim == 1:
        return lambda g, a, b: outer(g, b)
    if a.ndim == 1 and b.ndim == 2:
        return lambda g, a, b: b @ g
    if a.ndim == 1 and b.ndim == 1:
        return lambda g, a, b: g * b


@overload(matmul_rhs)
def _matmul_rhs(g, a, b):
    if not (isinstance(a, types.Array) and isinstance(b, types.Array)):
        return None
    if a.ndim == 2 and b.ndim == 2:
        return lambda g, a, b: np.ascontiguousarray(a.T) @ g
    if a.ndim == 2 and b.ndim == 1:
        return lambda g, a, b: g @ a
    if a.ndim == 1 and b.ndim == 2:
        return lambda g, a, b: outer(a, g)
    if a.ndim == 1 and b.ndim == 1:
        return lambda g, a, b: g * a


@overload(matmul_lhs_sum)
def _matmul_lhs_sum(gs, a, bs):
    def impl(gs, a, bs):
        total = np.zeros(a.shape)
        for k in range(len(gs)):
            total += matmul_lhs(gs[k], a, bs[k])
        return total
    return impl


@overload(matmul_rhs_sum)
def _matmul_rhs_sum(gs, as_, b):
    def impl(gs, as_, b):
        total = np.zeros(b.shape)
        for k in range(len(gs)):
            total += matmul_rhs(gs[k], as_[k], b)
        return total
    return impl


@overload(unbroadcast_sum)
def _unbroadcast_sum(gs, x):
    if _number(x):
        def scalar(gs, x):
            total = 0.0
            for k in range(len(gs)):
                total += unbroadcast(gs[k], x)
            return total
        return scalar

    def impl(gs, x):
        total = np.zeros(x.shape)
        for k in range(len(gs)):
            total += unbroadcast(gs[k], x)
        return total
    return impl


@overload(wrong_shapes)
def _wrong_shapes(function, names, actual, expected):
    def impl(function, names, actual, expected):
        raise ArgumentError("a generated function compiled by Numba was called with arguments of other shapes "
                            "than it was specialized to; call the srcdiff object (srcdiff.grad(f)(...)) instead")
    return impl


@overload(require_scalar)
def _require_scalar(value, name):
    """A number or a 0-d array passes; anything else is not typed (refused: the NumPy backend says why)."""
    if _number(value) or (isinstance(value, types.Array) and value.ndim == 0):
        return lambda value, name: None


def _real_scalar(t):
    return isinstance(t, (types.Float, types.Integer, types.Boolean))


def _real_operands(*ts):
    return all(_real_scalar(t) or (isinstance(t, types.Array) and _real_scalar(t.dtype)) for t in ts)


@overload(strong_div)
def _strong_div(g, q, positive=False):
    """``g / q``, exactly 0 where ``g`` is 0, NaN where ``q < 0`` for ``positive`` (real values only)."""
    real = _real_scalar
    if real(g) and real(q):
        def scalar(g, q, positive=False):
            if g == 0:
                return 0.0
            if positive and q < 0:
                return np.nan
            if q == 0:  # Numba's Python error model raises where NumPy gives the IEEE quotient
                return math.copysign(np.inf, g) * math.copysign(1.0, q)
            return g / q
        return scalar
    if not _real_operands(g, q):
        return None

    def array(g, q, positive=False):
        r = g / q
        out = r.reshape(r.size)
        gs = (np.ones(r.shape) * g).reshape(r.size)
        qs = (np.ones(r.shape) * q).reshape(r.size)
        for k in range(r.size):
            if gs[k] == 0:
                out[k] = 0.0
            elif positive and qs[k] < 0:
                out[k] = np.nan
        return r
    return array


@overload(abs_adjoint)
def _abs_adjoint(g, x):
    if isinstance(x, types.Array) and isinstance(x.dtype, types.Complex) or isinstance(x, types.Complex):
        return None
    return lambda g, x: g * np.sign(x)


def _basic(index):
    kinds = (types.Integer, types.SliceType, types.EllipsisType)
    if isinstance(index, kinds):
        return True
    return isinstance(index, types.BaseTuple) and all(isinstance(i, kinds) for i in index)


@overload(add_at)
def _add_at(target, index, value):
    """``target[index] += value`` in place; a 1-d integer array index adds repeated entries up."""
    if not isinstance(target, types.Array) or isinstance(target.dtype, types.Complex):
        return None
    if _basic(index):
        def basic(target, index, value):
            target[index] += value
            return target
        return basic
    if isinstance(index, types.Array) and isinstance(index.dtype, types.Integer) and index.ndim == 1:
        if _number(value):
            def spread(target, index, value):
                for k in range(index.shape[0]):
                    target[index[k]] += value
                return target
            return spread
        if isinstance(value, types.Array) and value.ndim == target.ndim:
            def rows(target, index, value):
                if value.shape[0] != index.shape[0] and value.shape[0] != 1:
                    raise ValueError("add_at: the value does not broadcast to the index")
                step = 1 if value.shape[0] == index.shape[0] else 0
                for k in range(index.shape[0]):
                    target[index[k]] += value[k * step]
                return target
            return rows


@overload(snapshot)
def _snapshot(value):
    if isinstance(value, types.Array):
        return lambda value: value.copy()
    if _number(value):
        return lambda value: value


@overload(strong_mul)
def _strong_mul(g, p):
    """``g * p``, exactly 0 where ``g`` is 0 (even where ``p`` is inf or NaN); real values only."""
    if _real_scalar(g) and _real_scalar(p):
        return lambda g, p: 0.0 if g == 0 else g * p
    if not _real_operands(g, p):
        return None

    def array(g, p):
        r = g * p
        out = r.reshape(r.size)
        gs = (np.ones(r.shape) * g).reshape(r.size)
        for k in range(r.size):
            if gs[k] == 0:
                out[k] = 0.0
        return r
    return array


@overload(pick_weight)
def _pick_weight(a, b):
    """1 where ``a > b``, 0.5 at a tie, 0 where ``a < b``, NaN where either is NaN (real values only)."""
    if _real_scalar(a) and _real_scalar(b):
        def scalar(a, b):
            if np.isnan(a) or np.isnan(b):
                return np.nan
            return 1.0 if a > b else (0.5 if a == b else 0.0)
        return scalar
    if not _real_operands(a, b):
        return None

    def array(a, b):
        r = (a > b) + 0.5 * (a == b)
        out = r.reshape(r.size)
        aa = (np.ones(r.shape) * a).reshape(r.size)
        bb = (np.ones(r.shape) * b).reshape(r.size)
        for k in range(r.size):
            if np.isnan(aa[k]) or np.isnan(bb[k]):
                out[k] = np.nan
        return r
    return array


@overload(power_partial)
def _power_partial(x1, x2):
    """x2 * x1 ** (x2 - 1), exactly 0 where x2 == 0 (real values only)."""
    if not _real_operands(x1, x2):
        return None
    if _real_scalar(x2):
        return lambda x1, x2: x2 * np.power(x1, 1.0 if x2 == 0 else x2 - 1.0)

    def array(x1, x2):
        e = x2 - 1.0
        flat = e.reshape(e.size)
        x2s = np.ascontiguousarray(x2).reshape(e.size)
        for k in range(e.size):
            if x2s[k] == 0:
                flat[k] = 1.0
        return x2 * np.power(x1, e)
    return array


@overload(as_sequence)
def _as_sequence(x):
    if isinstance(x, (types.Array, types.BaseTuple, types.RangeType, types.List)):
        return lambda x: x


# ---------------------------------------------------------------- for recorded writes into arrays

detached = _stub("detached")


@overload(detached)
def _detached(value):
    """A returned array the reverse sweep restores in place, copied first (tuples are not handled)."""
    if isinstance(value, types.Array):
        return lambda value: value.copy()
    if _number(value):
        return lambda value: value


STANDS_FOR[helpers.detached] = detached
NAMES = frozenset(f.__name__ for f in STANDS_FOR)
