"""Numba versions of the runtime helpers generated code calls (imported only with Numba installed).

Each is a stub overloaded for Numba (``numba.extending.overload``): the implementation is chosen
from the argument types when the gradient is compiled, and a combination it does not cover is a
typing error (which the target turns into a ``SrcdiffError``), never a different result.
"""
from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload

from ..errors import ArgumentError
from ..runtime import helpers, kernels, kernels_batched
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

# the runtime helper each stands for (what generated code is bound to for the NumPy target)
STANDS_FOR = {
    helpers.floating: floating, helpers.zeros_like: zeros_like, helpers.owned: owned,
    helpers.unbroadcast: unbroadcast, kernels.matmul_lhs: matmul_lhs, kernels.matmul_rhs: matmul_rhs,
    kernels_batched.matmul_lhs_sum: matmul_lhs_sum, kernels_batched.matmul_rhs_sum: matmul_rhs_sum,
    kernels_batched.unbroadcast_sum: unbroadcast_sum, guards.wrong_shapes: wrong_shapes,
    helpers.expand: expand, helpers.total: total,
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


@overload(matmul_lhs)
def _matmul_lhs(g, a, b):
    if not (isinstance(a, types.Array) and isinstance(b, types.Array)):
        return None
    if a.ndim == 2 and b.ndim == 2:
        return lambda g, a, b: g @ np.ascontiguousarray(b.T)
    if a.ndim == 2 and b.ndim == 1:
        return lambda g, a, b: np.outer(g, b)
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
        return lambda g, a, b: np.outer(a, g)
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
