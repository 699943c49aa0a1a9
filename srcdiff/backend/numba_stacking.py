"""``np.stack`` of a list under Numba (whose ``np.stack`` takes only a tuple).

``rewrite`` turns ``np.stack(items)`` and ``np.stack(items, axis=k)`` in the generated code into
calls of ``stack_items``: a tuple goes to Numba's own ``np.stack``; a list of arrays of one type
is copied into a new array along the first axis, or along the last for vectors (``axis=1`` or
``-1``); a list of floats makes a vector. Other axes are typing errors (refused naming the
user's line), never a different result.
"""
from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload

from .. import ir


def stack_items(items, axis=0):
    raise NotImplementedError("stack_items is only called from code compiled by Numba")


def _axis(axis):
    """The literal axis, or None when it is not known when compiling."""
    if isinstance(axis, int):  # not given: the default
        return axis
    if isinstance(axis, types.Omitted):
        return axis.value
    if isinstance(axis, types.IntegerLiteral):
        return axis.literal_value
    return None


@overload(stack_items)
def _stack_items(items, axis=0):
    if isinstance(items, types.BaseTuple):
        return lambda items, axis=0: np.stack(items, axis)
    if not isinstance(items, types.List):
        return None
    k = _axis(axis)
    item = items.dtype
    if isinstance(item, (types.Float, types.Integer)) and k in (0, -1):
        return lambda items, axis=0: np.array([float(v) for v in items])
    if not (isinstance(item, types.Array) and isinstance(item.dtype, (types.Float, types.Integer))):
        return None
    last = item.ndim == 1 and k in (1, -1)
    if k != 0 and not last:
        return None
    dtype = item.dtype

    def impl(items, axis=0):
        if len(items) == 0:
            raise ValueError("need at least one array to stack")
        shape = items[0].shape
        out = np.empty((len(items),) + shape, dtype)
        for i in range(len(items)):
            if items[i].shape != shape:
                raise ValueError("all input arrays must have the same shape")
            out[i] = items[i]
        return np.ascontiguousarray(out.T) if last else out
    return impl


def rewrite(functions, helpers, is_numpy, bind):
    """Calls ``np.stack(items[, axis])`` in ``functions`` call ``stack_items`` instead; returns
    ``helpers`` with it added when used."""
    added = dict(helpers)
    for f in functions:
        for node in ir.walk(f):
            if not (isinstance(node, ir.Call) and isinstance(node.func, ir.Attr) and node.func.attr == "stack" and
                    isinstance(node.func.value, ir.Name) and is_numpy(node.func.value.id)):
                continue
            args = list(node.args)
            if len(args) > 2 or any(isinstance(a, ir.Starred) for a in args) or \
                    any(k.name != "axis" for k in node.keywords) or (len(args) == 2 and node.keywords):
                continue  # out=, dtype=, ...: left to Numba (which refuses them)
            if node.keywords:
                args.append(node.keywords[0].value)
            if isinstance(args[0], ir.List):
                args[0] = ir.Tuple(args[0].elts)  # a display: Numba's own np.stack, as a tuple
            name = bind(stack_items.__name__, stack_items)
            node.func, node.args, node.keywords = ir.Name(name), args, []
            added[name] = stack_items
    return added
