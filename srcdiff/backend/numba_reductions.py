"""Numba versions of reductions over an axis or with ``keepdims`` (``np.max(x, axis=1, keepdims=True)``).

Numba's ``np.max``, ``np.mean``, ``np.std``... take no ``axis`` and none takes ``keepdims``, so
for the Numba target ``rewrite`` turns such calls in the generated code (the user's own and the
derivative's) into calls of the stubs below. Each is overloaded for arrays of up to 2 dimensions
(and ``sum`` for any) with an integer axis; other combinations are typing errors, which the
target refuses naming the user's line, never a different result.
"""
from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload

from .. import ir
from ..front import reader

_REDUCTIONS = ("sum", "prod", "max", "min", "amax", "amin", "mean", "std", "var")
_PARAMS = {"std": ("axis", "dtype", "out", "ddof", "keepdims"), "var": ("axis", "dtype", "out", "ddof", "keepdims")}


def _stub(name):
    def stub(x, axis=None, keepdims=False, ddof=0):
        raise NotImplementedError("%s is only called from code compiled by Numba" % name)
    stub.__name__ = stub.__qualname__ = name
    return stub


STUBS = {name: _stub("reduce_" + name) for name in _REDUCTIONS}


def _var(v, ddof):
    m = np.mean(v)
    return np.sum((v - m) * (v - m)) / (v.size - ddof)


def _kernels():
    import numba

    var = numba.njit(_var)
    std = numba.njit(lambda v, ddof: np.sqrt(var(v, ddof)))
    return {"sum": np.sum, "prod": np.prod, "max": np.max, "min": np.min, "amax": np.max, "amin": np.min,
            "mean": np.mean, "var": var, "std": std}


def _literal_bool(t):
    if isinstance(t, (types.Omitted, types.NoneType)) or t is None:
        return False
    if isinstance(t, types.BooleanLiteral):
        return t.literal_value
    if isinstance(t, types.IntegerLiteral):
        return bool(t.literal_value)
    return None  # not known when compiling: Numba retries with the literal type


def _overload(name, one):
    """The overload of ``reduce_<name>``: ``one`` reduces a 1-d array to a number. The kernels are
    compiled once per array type, whatever gradient calls them."""
    with_ddof = name in ("std", "var")
    flat = _jit((lambda v, d: one(v, d)) if with_ddof else (lambda v, d: one(v)))

    def rows(x, axis, ddof):  # the result keeps the array's dtype (float or, for max and min, any real)
        a = _axis_of(axis, 2)
        n = x.shape[1 - a]
        out = np.empty(n, x.dtype)
        for k in range(n):
            out[k] = flat(np.ascontiguousarray(x[:, k]) if a == 0 else x[k], ddof)
        return out
    rows = _jit(rows)

    def kept_rows(x, axis, ddof):
        out = rows(x, axis, ddof)
        return out.reshape((1, out.size)) if _axis_of(axis, 2) == 0 else out.reshape((out.size, 1))
    kept_rows = _jit(kept_rows)

    def reduce(x, axis=None, keepdims=False, ddof=0):
        keep = _literal_bool(keepdims)
        if keep is None or not isinstance(x, types.Array) or isinstance(x.dtype, types.Complex):
            return None
        if not isinstance(x.dtype, types.Float) and name not in ("max", "min", "amax", "amin"):
            return None  # integer sums and means: NumPy's result types are not worth repeating here
        if not isinstance(ddof, (types.Integer, types.Omitted)) and not (with_ddof and isinstance(ddof, types.Float)):
            return None
        ones = (1,) * x.ndim
        if isinstance(axis, (types.NoneType, types.Omitted)):
            if keep:
                return lambda x, axis=None, keepdims=False, ddof=0: np.full(ones, flat(x.ravel(), ddof))
            return lambda x, axis=None, keepdims=False, ddof=0: flat(x.ravel(), ddof)
        if not isinstance(axis, types.Integer):
            return None
        if x.ndim == 1:
            if keep:
                return lambda x, axis=None, keepdims=False, ddof=0: np.full(1, flat(_check_axis(x, axis), ddof))
            return lambda x, axis=None, keepdims=False, ddof=0: flat(_check_axis(x, axis), ddof)
        if x.ndim != 2 and name == "sum":  # Numba's own sum takes an axis
            if keep:
                return lambda x, axis=None, keepdims=False, ddof=0: np.expand_dims(np.sum(x, axis=axis),
                                                                                   _axis_of(axis, x.ndim))
            return lambda x, axis=None, keepdims=False, ddof=0: np.sum(x, axis=axis)
        if x.ndim != 2:
            return None
        if keep:
            return lambda x, axis=None, keepdims=False, ddof=0: kept_rows(x, axis, ddof)
        return lambda x, axis=None, keepdims=False, ddof=0: rows(x, axis, ddof)
    overload(STUBS[name])(reduce)


def _jit(fn):
    import numba
    return numba.njit(fn)


def _axis_of(axis, ndim):
    if axis < -ndim or axis >= ndim:
        raise ValueError("axis is out of bounds for the array")
    return axis % ndim


_axis_of = _jit(_axis_of)


def _check_axis(x, axis):
    _axis_of(axis, 1)
    return x


_check_axis = _jit(_check_axis)

for _name, _one in _kernels().items():
    _overload(_name, _one)


def _total_of(items):
    raise NotImplementedError("total_of is only called from code compiled by Numba")


_total_of.__name__ = _total_of.__qualname__ = "total_of"


@overload(_total_of)
def _total_of_items(items):
    """Builtin ``sum(items)`` of a list or tuple of numbers or arrays of one type (Numba's takes
    neither), or of an array's rows; anything else is Numba's own builtin ``sum``."""
    if isinstance(items, (types.List, types.UniTuple)) and isinstance(items.dtype, (types.Number, types.Array)) or \
            isinstance(items, types.Array) and items.ndim >= 1:
        def impl(items):
            if len(items) == 0:
                raise ValueError("sum() of an empty sequence compiled by Numba")
            total = items[0] + 0
            for k in range(1, len(items)):
                total = total + items[k]
            return total
        return impl
    return lambda items: sum(items)


def rewrite(functions, helpers, is_numpy, bind, is_builtin=lambda name, obj: False):
    """Calls of NumPy's reductions (and reduction methods) with ``axis`` or ``keepdims`` in
    ``functions`` call the stubs above instead, and so do calls of builtin ``sum`` of one
    argument; returns ``helpers`` with the stubs used added."""
    added = dict(helpers)
    for f in functions:
        builtin_sum = is_builtin("sum", sum) and "sum" not in reader.local_names(f)
        for node in ir.walk(f):
            if isinstance(node, ir.Call) and isinstance(node.func, ir.Name) and node.func.id == "sum" and \
                    len(node.args) == 1 and not node.keywords and builtin_sum:
                node.func = ir.Name(bind("total_of", _total_of))
                added[node.func.id] = _total_of
                continue
            if not (isinstance(node, ir.Call) and isinstance(node.func, ir.Attr) and node.func.attr in _REDUCTIONS):
                continue
            owner = node.func.value
            function = isinstance(owner, ir.Name) and is_numpy(owner.id)
            args = _arguments(node, [] if function else [owner], node.func.attr)
            if args is None:
                continue
            stub = STUBS[node.func.attr]
            name = bind(stub.__name__, stub)
            node.func, node.args, node.keywords = ir.Name(name), args, []
            added[name] = stub
    return added


def _arguments(call, receiver, name):
    """``[x, axis, keepdims, ddof]`` of a reduction call with an axis or kept dims, else None."""
    params = _PARAMS.get(name, ("axis", "out", "keepdims"))
    if not receiver:
        params = ("a",) + params
    if len(call.args) > len(params) or any(k.name is None for k in call.keywords):
        return None
    given = dict(zip(params, call.args))
    if receiver:
        given["a"] = receiver[0]
    for k in call.keywords:
        if k.name in given:
            return None
        given[k.name] = k.value
    if "a" not in given or set(given) - {"a", "axis", "keepdims", "ddof"}:
        return None
    keep = given.get("keepdims")
    kept = not (_is_none(keep) or isinstance(keep, ir.Const) and not keep.value)
    if not kept and (_is_none(given.get("axis")) or name == "sum"):  # Numba's own sum takes an axis
        return None
    none = ir.Const(None)
    return [given["a"], given.get("axis", none), given.get("keepdims", ir.Const(False)), given.get("ddof", ir.Const(0))]


def _is_none(node):
    return node is None or (isinstance(node, ir.Const) and node.value is None)
