"""More Numba versions of runtime helpers (reductions' adjoints, dot, cumsum, det, trace, add_at).

Like numba_helpers.py: stubs overloaded for Numba, chosen from the argument types when the
gradient is compiled; a combination not covered is a typing error (refused), never a different
result. Real values only, and arrays of at most 2 dimensions where an axis is involved.
"""
from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload

from ..runtime import helpers, kernels, kernels_math
from . import numba_helpers as nh
from .numba_reductions import STUBS as REDUCE

def _stub(name):
    def stub(*args):
        raise NotImplementedError("%s is only called from code compiled by Numba" % name)
    stub.__name__ = stub.__qualname__ = name
    return stub


extremum_weights = _stub("extremum_weights")
centered = _stub("centered")
dot_lhs = _stub("dot_lhs")
dot_rhs = _stub("dot_rhs")
cumsum_adjoint = _stub("cumsum_adjoint")
broadcast_count = _stub("broadcast_count")
add = _stub("add")
det_adjoint = _stub("det_adjoint")
trace_adjoint = _stub("trace_adjoint")
reduced_count = _stub("reduced_count")
safe_divisor = _stub("safe_divisor")

STANDS_FOR = {
    kernels.extremum_weights: extremum_weights, kernels.centered: centered, kernels.dot_lhs: dot_lhs,
    kernels.dot_rhs: dot_rhs, kernels.cumsum_adjoint: cumsum_adjoint, helpers.broadcast_count: broadcast_count,
    helpers.add: add, kernels.det_adjoint: det_adjoint, kernels.trace_adjoint: trace_adjoint,
    kernels.reduced_count: reduced_count, kernels_math.safe_divisor: safe_divisor,
}
NAMES = frozenset(f.__name__ for f in STANDS_FOR)


def _real_array(t, ndim=None):
    return isinstance(t, types.Array) and isinstance(t.dtype, (types.Float, types.Integer, types.Boolean)) \
        and (ndim is None or t.ndim <= ndim)


def _real(t):
    return isinstance(t, (types.Float, types.Integer, types.Boolean))


def _none(t):
    return isinstance(t, (types.NoneType, types.Omitted))


@overload(extremum_weights)
def _extremum_weights(a, y, axis=None, keepdims=False):
    """Where ``a`` attains its max/min ``y``, 1/(number of ties); elsewhere 0."""
    if not _real_array(a) or not (_real(y) or _real_array(y)):
        return None
    if _none(axis) or a.ndim == 1:
        def everywhere(a, y, axis=None, keepdims=False):
            hit = (a == y) * 1.0
            return hit / np.sum(hit)
        return everywhere
    if a.ndim != 2 or not isinstance(axis, types.Integer) or not _real_array(y):
        return None

    def matrix(a, y, axis=None, keepdims=False):
        ax = axis % 2
        hit = (a == lined_up(y, ax)) * 1.0
        return hit / lined_up(np.sum(hit, axis=ax), ax)
    return matrix


def _jit(fn):
    import numba
    return numba.njit(fn)


@_jit
def lined_up(v, ax):
    """A reduction's result over axis ``ax`` of a matrix, as a row (``ax`` 0) or a column."""
    v = np.ascontiguousarray(v)
    return v.reshape((1, v.size)) if ax == 0 else v.reshape((v.size, 1))


@overload(centered)
def _centered(a, axis=None):
    """``a`` minus its mean over ``axis`` (kept dims)."""
    if not _real_array(a) or not (_none(axis) or isinstance(axis, types.Integer)):
        return None
    mean = REDUCE["mean"]
    return lambda a, axis=None: a - mean(a, axis, True, 0)


@overload(dot_lhs)
def _dot_lhs(g, a, b):
    if _real(a) and _real_array(b):
        return lambda g, a, b: np.sum(g * b)
    if _real_array(a) and _real(b):
        return lambda g, a, b: nh.unbroadcast(g * b, a)
    if _real_array(a, 2) and _real_array(b, 2):
        return lambda g, a, b: nh.matmul_lhs(g, a, b)


@overload(dot_rhs)
def _dot_rhs(g, a, b):
    if _real_array(a) and _real(b):
        return lambda g, a, b: np.sum(g * a)
    if _real(a) and _real_array(b):
        return lambda g, a, b: nh.unbroadcast(g * a, b)
    if _real_array(a, 2) and _real_array(b, 2):
        return lambda g, a, b: nh.matmul_rhs(g, a, b)


@overload(cumsum_adjoint)
def _cumsum_adjoint(g, a, axis=None):
    """Reversed cumulative sum of ``g``, shaped like ``a`` (a flattened or 1-d cumsum only)."""
    if not _real_array(g) or not (_real_array(a) or _real(a)):
        return None
    if _none(axis):
        if _real(a):
            return lambda g, a, axis=None: np.flip(np.cumsum(np.flip(g.ravel())))[0]
        return lambda g, a, axis=None: np.ascontiguousarray(np.flip(np.cumsum(np.flip(g.ravel())))).reshape(a.shape)
    if isinstance(axis, types.Integer) and g.ndim == 1:
        def one(g, a, axis=None):
            if axis != 0 and axis != -1:
                raise ValueError("axis is out of bounds for the array")
            return np.ascontiguousarray(np.flip(np.cumsum(np.flip(g))))
        return one


@overload(broadcast_count)
def _broadcast_count(y, x):
    def size(t):
        return "a" if isinstance(t, types.Array) else ("n" if _real(t) or isinstance(t, types.Complex) else None)
    if size(y) is None or size(x) is None:
        return None
    if size(y) == "a" and size(x) == "a":
        return lambda y, x: float(y.size // x.size) if x.size else 0.0
    if size(y) == "a":
        return lambda y, x: float(y.size)
    if size(x) == "a":
        return lambda y, x: float(1 // x.size) if x.size else 0.0
    return lambda y, x: 1.0


@overload(reduced_count)
def _reduced_count(a, y):
    """How many entries of ``a`` went into each entry of the reduction ``y``."""
    if isinstance(a, types.Array) and isinstance(y, types.Array):
        return lambda a, y: a.size // max(y.size, 1)
    if isinstance(a, types.Array) and (_real(y) or isinstance(y, types.Complex)):
        return lambda a, y: a.size


@overload(safe_divisor)
def _safe_divisor(y):
    """``y`` with exact zeros replaced by inf (NaN stays NaN)."""
    if _real(y):
        return lambda y: np.inf if y == 0 else float(y)
    if _real_array(y):
        return lambda y: np.where(y == 0, np.inf, y * 1.0)


@overload(add)
def _add(a, b):
    """``a + b`` for numbers and arrays (the containers the NumPy version also adds are not typed)."""
    if (_real(a) or isinstance(a, (types.Complex, types.Array))) and \
            (_real(b) or isinstance(b, (types.Complex, types.Array))):
        return lambda a, b: a + b


@overload(det_adjoint)
def _det_adjoint(g, a, y):
    """g * det(a) * inv(a)^T for one square matrix."""
    if isinstance(a, types.Array) and a.ndim == 2 and isinstance(a.dtype, types.Float) and _real(g) and _real(y):
        return lambda g, a, y: (g * y) * np.ascontiguousarray(np.linalg.inv(a).T)


@overload(trace_adjoint)
def _trace_adjoint(g, a, offset=0, axis1=0, axis2=1):
    """``g`` placed on the chosen diagonal of a matrix shaped like ``a``."""
    if not (isinstance(a, types.Array) and a.ndim == 2 and _real(g)):
        return None

    def impl(g, a, offset=0, axis1=0, axis2=1):
        if (axis1 % 2, axis2 % 2) != (0, 1):
            raise ValueError("trace_adjoint: only the main axes of a matrix")
        out = np.zeros(a.shape)
        for i in range(a.shape[0]):
            if 0 <= i + offset < a.shape[1]:
                out[i, i + offset] = g
        return out
    return impl


@overload(nh.add_at)
def _add_at_points(target, index, value):
    """``target[i, j] += value`` for a tuple of equally long 1-d integer arrays: entry by entry, so
    repeated points add up (numba_helpers.add_at covers the other indices)."""
    if not (_real_array(target) and isinstance(index, types.BaseTuple) and len(index) == target.ndim == 2
            and all(isinstance(i, types.Array) and i.ndim == 1 and isinstance(i.dtype, types.Integer) for i in index)):
        return None
    if _real(value):
        def spread(target, index, value):
            rows, cols = index
            if rows.shape[0] != cols.shape[0]:
                raise ValueError("add_at: the index arrays do not have one length")
            for k in range(rows.shape[0]):
                target[rows[k], cols[k]] += value
            return target
        return spread
    if _real_array(value, 1):
        def points(target, index, value):
            rows, cols = index
            if rows.shape[0] != cols.shape[0] or value.shape[0] not in (1, rows.shape[0]):
                raise ValueError("add_at: the index arrays and the value do not have one length")
            step = 1 if value.shape[0] == rows.shape[0] else 0
            for k in range(rows.shape[0]):
                target[rows[k], cols[k]] += value[k * step]
            return target
        return points


@overload(nh.zeros_like)
def _zeros_like_list(x):
    """Zeros for each array of a list (a list of arrays' adjoint; numba_helpers covers arrays and numbers)."""
    if isinstance(x, types.List) and isinstance(x.dtype, types.Array) and isinstance(x.dtype.dtype, types.Float):
        return lambda x: [np.zeros(item.shape) for item in x]
    if isinstance(x, types.List) and isinstance(x.dtype, types.Float):
        return lambda x: [0.0 for item in x]


@overload(nh.add_at)
def _add_at_list(target, index, value):
    """``target[index] += value`` for one entry of a list of arrays or floats."""
    if isinstance(target, types.List) and isinstance(index, types.Integer) and \
            isinstance(target.dtype, (types.Array, types.Float)):
        def entry(target, index, value):
            target[index] = target[index] + value
            return target
        return entry


@overload(nh.owned)
def _owned_list(g):
    """A copy of a list of floats or arrays (numba_helpers covers arrays and numbers)."""
    if isinstance(g, types.List) and isinstance(g.dtype, types.Float):
        return lambda g: [v for v in g]
    if isinstance(g, types.List) and isinstance(g.dtype, types.Array):
        return lambda g: [v.copy() for v in g]


@overload(nh.add_at)
def _add_at_mask(target, index, value):
    """``target[mask] += value`` for a 1-d boolean mask of a 1-d array."""
    if not (_real_array(target, 1) and isinstance(index, types.Array) and index.ndim == 1
            and isinstance(index.dtype, types.Boolean)):
        return None
    if _real(value):
        value_at = _jit(lambda value, j: value)
    elif _real_array(value, 1):
        value_at = _jit(lambda value, j: value[j] if value.shape[0] != 1 else value[0])
    else:
        return None

    def masked(target, index, value):
        if index.shape[0] != target.shape[0]:
            raise IndexError("add_at: the boolean index does not match the array")
        j = 0
        for k in range(index.shape[0]):
            if index[k]:
                target[k] += value_at(value, j)
                j += 1
        return target
    return masked


@overload(nh.expand)
def _expand_over_axis(g, x, axis=None, keepdims=False):
    """``g`` spread over one axis of an array of 3 or more dimensions (numba_helpers covers matrices)."""
    if not (isinstance(x, types.Array) and x.ndim >= 3 and isinstance(g, types.Array)
            and isinstance(axis, types.Integer)):
        return None
    if g.ndim == x.ndim - 1 and isinstance(keepdims, (types.Omitted, types.BooleanLiteral)) \
            and not getattr(keepdims, "literal_value", False):
        return lambda g, x, axis=None, keepdims=False: np.ones(x.shape) * np.expand_dims(g, axis % x.ndim)
