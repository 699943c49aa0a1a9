"""Concrete shape arithmetic for the shape analysis: products, reductions, subscripts, reshapes.

Each function takes known shapes (tuples) and constant arguments and returns the result's shape,
or None when it cannot tell (an argument is not a constant, or the call would fail at run time).
"""
from __future__ import annotations

import numpy

from .. import ir

UNKNOWN = object()  # a constant argument whose value is not known


def known(cls):
    """The shape a class stands for, when it is one concrete shape, else None."""
    if cls is not None and len(cls) == 1:
        (token,) = cls
        if token[0] == "shape":
            return token[1]
    return None


def broadcast_known(tokens, fresh):
    """An elementwise result's class: its operands' tokens, the concrete shapes broadcast into one."""
    shapes = [t[1] for t in tokens if t[0] == "shape"]
    if not shapes:
        return frozenset(tokens)
    try:
        shape = tuple(numpy.broadcast_shapes(*shapes))
    except ValueError:  # the operation fails at run time
        return fresh
    rest = {t for t in tokens if t[0] != "shape"}
    if rest and shape == ():  # broadcasting with a 0-d value changes no shape
        return frozenset(rest)
    return frozenset(rest | {("shape", shape)})


def constant(e):
    """The value of a constant argument (None when absent), else UNKNOWN."""
    if e is None:
        return None
    if isinstance(e, ir.Const):
        return e.value
    if isinstance(e, ir.UnaryOp) and e.op == "-" and isinstance(e.operand, ir.Const) and \
            isinstance(e.operand.value, int):
        return -e.operand.value
    if isinstance(e, ir.Tuple):
        values = [constant(x) for x in e.elts]
        return UNKNOWN if any(v is UNKNOWN or v is None for v in values) else tuple(values)
    return UNKNOWN


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def matmul_shape(a, b):
    """``a @ b`` (and ``numpy.dot``) for operands of rank 1 or 2."""
    if a is None or b is None or not (1 <= len(a) <= 2 and 1 <= len(b) <= 2) or a[-1] != b[0]:
        return None
    return tuple(a[:-1]) + tuple(b[1:])


def reduced_shape(shape, axis, keepdims):
    """A reduction of ``shape`` over ``axis`` (None, an int or a tuple of ints)."""
    n = len(shape)
    if axis is None:
        axes = set(range(n))
    else:
        axes_list = [axis] if _is_int(axis) else list(axis) if isinstance(axis, tuple) else None
        if axes_list is None or not all(_is_int(a) and -n <= a < n for a in axes_list):
            return None
        axes = {a % n for a in axes_list}
    if keepdims:
        return tuple(1 if i in axes else m for i, m in enumerate(shape))
    return tuple(m for i, m in enumerate(shape) if i not in axes)


def permuted(shape, axes):
    if not isinstance(axes, tuple) or sorted(a % max(len(shape), 1) for a in axes) != list(range(len(shape))):
        return None
    return tuple(shape[a] for a in axes)


def reshaped(shape, new):
    """``reshape(new)`` of an array of ``shape``, with one ``-1`` allowed."""
    new = (new,) if _is_int(new) else new
    if not isinstance(new, tuple) or not all(_is_int(m) and m >= -1 for m in new) or list(new).count(-1) > 1:
        return None
    size = int(numpy.prod(shape))
    rest = int(numpy.prod([m for m in new if m != -1]))
    if -1 in new:
        if rest == 0 or size % rest:
            return None
        new = tuple(size // rest if m == -1 else m for m in new)
    return new if int(numpy.prod(new)) == size else None


def indexed_shape(shape, index, int_names):
    """``x[index]`` for basic indices: constants, slices with constant bounds, and names known to
    hold integers (whose value does not change the result's shape)."""
    key = _index_value(index, int_names)
    if key is UNKNOWN:
        return None
    try:
        return numpy.broadcast_to(numpy.zeros(()), shape)[key].shape  # a view: nothing is copied
    except (IndexError, TypeError, ValueError):
        return None


def _index_value(e, int_names):
    if isinstance(e, ir.Tuple):
        parts = [_index_value(x, int_names) for x in e.elts]
        return UNKNOWN if any(p is UNKNOWN for p in parts) else tuple(parts)
    if isinstance(e, ir.Slice):
        parts = [constant(p) for p in (e.lower, e.upper, e.step)]
        return UNKNOWN if any(p is UNKNOWN or not (p is None or _is_int(p)) for p in parts) else slice(*parts)
    if isinstance(e, ir.Name) and e.id in int_names:
        return 0  # any integer in range gives the same shape
    value = constant(e)
    if value is None or value is Ellipsis or _is_int(value):
        return value
    return UNKNOWN


def range_targets(fn_def, classify):
    """Names bound only by ``for name in range(...)`` loops: they always hold integers."""
    ranged, other = set(), {p.name for p in fn_def.params}
    for s in ir.walk(fn_def):
        if isinstance(s, ir.For):
            it = s.iter
            is_range = isinstance(it, ir.Call) and isinstance(it.func, ir.Name) and it.func.id == "range"
            (ranged if is_range else other).update(ir.target_names(s.target))
        elif isinstance(s, ir.Stmt) and not isinstance(s, (ir.If, ir.While, ir.FunctionDef)):
            op = classify(s)
            other.update(op.defines())
    return frozenset(ranged - other)
