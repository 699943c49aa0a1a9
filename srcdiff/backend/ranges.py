"""Explicit descending ranges for targets without ``reversed(range(...))`` (Numba has none).

``reversed(range(a, b, s)[:count])`` visits ``a + k*s`` for ``k = count-1, ..., 0``; written out::

    range(n)           ->  range(n - 1, -1, -1)
    range(a, b)        ->  range(b - 1, a - 1, -1)
    range(a, b, s)     ->  range(a + (b - a - 1) // s * s, a - 1, -s)    (s > 0; s a constant)
    range(a, b, s)     ->  range(a - (a - b - 1) // -s * -s, a + 1, -s)  (s < 0)
    range(...)[:count] ->  range(a + (count - 1) * s, a - s, -s)

Each is empty exactly when the forward range is (``range(n - 1, -1, -1)`` for ``n <= 0`` too).
"""
from __future__ import annotations

from .. import ir
from .targets import BackendSyntaxError
from ..errors import located


def _int(e):
    return e.value if isinstance(e, ir.Const) and type(e.value) is int else None


def _add(a, b):
    """``a + b`` of expressions or ints, folded where both are numbers and where one is 0."""
    a = ir.Const(a) if isinstance(a, int) else a
    b = ir.Const(b) if isinstance(b, int) else b
    if _int(a) is not None and _int(b) is not None:
        return ir.Const(a.value + b.value)
    if _int(b) == 0:
        return a
    if _int(a) == 0:
        return b
    if _int(b) is not None and isinstance(a, ir.BinOp) and a.op in "+-" and _int(a.right) is not None:
        return _add(a.left, (a.right.value if a.op == "+" else -a.right.value) + b.value)  # ``n - 2 - 1``: ``n - 3``
    if _int(b) is not None and b.value < 0:
        return ir.BinOp("-", a, ir.Const(-b.value))
    return ir.BinOp("+", a, b)


def _sub(a, b):
    if isinstance(b, int) or _int(b) is not None:
        return _add(a, -(b if isinstance(b, int) else b.value))
    if _int(a) is not None and _int(b) is not None:
        return ir.Const(a.value - b.value)
    return ir.BinOp("-", a, b)


def _mul(a, k):
    if k == 1:
        return a
    if _int(a) is not None:
        return ir.Const(a.value * k)
    return ir.BinOp("*", a, ir.Const(k))


def descending(rng, count, ctx, line):
    """The ``range`` call visiting ``rng``'s first ``count`` (a name, or None: all) values backwards."""
    if not (isinstance(rng, ir.Call) and isinstance(rng.func, ir.Name) and rng.func.id == "range"
            and 1 <= len(rng.args) <= 3 and not rng.keywords):
        raise _refused(ctx, line, "a loop over something other than range()")
    args = list(rng.args)
    start, stop = (ir.Const(0), args[0]) if len(args) == 1 else (args[0], args[1])
    step = _int(args[2]) if len(args) == 3 else 1
    if step is None or step == 0:
        raise _refused(ctx, line, "a range() whose step is not a constant")
    if count is not None:
        last = _add(start, _mul(_sub(ir.Name(count), 1), step))
        low = _sub(start, step)
    elif step == 1:
        last, low = _sub(stop, 1), _sub(start, 1)
    elif step > 0:
        last = _add(start, ir.BinOp("*", ir.BinOp("//", _sub(_sub(stop, start), 1), ir.Const(step)), ir.Const(step)))
        low = _sub(start, 1)
    else:
        last = _sub(start, ir.BinOp("*", ir.BinOp("//", _sub(_sub(start, stop), 1), ir.Const(-step)),
                                    ir.Const(-step)))
        low = _add(start, 1)
    return ir.Call(ir.Name("range"), [last, low, ir.Const(-step)], [])


def _refused(ctx, line, what):
    return BackendSyntaxError(located(
        ctx.filename, line, ctx.origin_text.get(line, ""),
        "the %r backend replays loops with explicit descending ranges, and cannot write one for %s"
        % (ctx.target.name, what),
        "Loop over range(start, stop, step) with a constant step, or use backend='numpy'."))
