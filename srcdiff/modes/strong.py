"""Strong products in one adjoint contribution: ``dy * p`` becomes ``strong_mul(dy, p)`` and
``dy / q`` becomes ``strong_div(dy, q)``, so an entry where the incoming adjoint ``dy`` is 0 (a
selection did not use it, ``analysis.masked``) stays 0 even where ``p`` is NaN or inf data."""
from __future__ import annotations

import dataclasses

from .. import ir

_LINEAR_CALLS = ("real", "conj", "conjugate")  # 0 in, 0 out, entry by entry


def _equal(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if dataclasses.is_dataclass(a):
        return all(_equal(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)
                   if f.name != "line")
    return a == b


def _finite_const(e, nonzero=False):
    if isinstance(e, ir.UnaryOp) and e.op in ("-", "+"):
        return _finite_const(e.operand, nonzero)
    return isinstance(e, ir.Const) and type(e.value) in (int, float, bool) and abs(e.value) < float("inf") \
        and (e.value != 0 or not nonzero)


class Strengthen:
    """Rewrites contributions made from the incoming adjoint ``dy``; ``strong`` is the pair of
    names generated code binds to ``strong_mul`` and ``strong_div``."""

    def __init__(self, dy, strong):
        self.dy = dy
        self.mul, self.div = strong

    def carries(self, e):
        """``e`` is 0 wherever ``dy`` is (``dy`` times or over something, negated, conjugated)."""
        if _equal(e, self.dy):
            return True
        if isinstance(e, ir.BinOp) and e.op == "*":
            return self.carries(e.left) or self.carries(e.right)
        if isinstance(e, ir.BinOp) and e.op == "/":
            return self.carries(e.left)
        if isinstance(e, ir.UnaryOp) and e.op in ("-", "+"):
            return self.carries(e.operand)
        if isinstance(e, ir.Call) and e.args and not e.keywords:
            func = e.func.attr if isinstance(e.func, ir.Attr) else getattr(e.func, "id", None)
            return (func in _LINEAR_CALLS or func in (self.mul, self.div)) and self.carries(e.args[0])
        return False

    def __call__(self, e):
        if isinstance(e, ir.BinOp) and e.op in ("*", "/"):
            left, right = self.carries(e.left), self.carries(e.right)
            a, b = self(e.left), self(e.right)
            if e.op == "*" and left != right and not _finite_const(b if left else a):
                return ir.Call(ir.Name(self.mul), [a, b] if left else [b, a])
            if e.op == "/" and left and not right and not _finite_const(b, nonzero=True):
                return ir.Call(ir.Name(self.div), [a, b])
            return ir.BinOp(e.op, a, b)
        if isinstance(e, (ir.Name, ir.Const)) or not dataclasses.is_dataclass(e):
            return e
        changes = {}
        for f in dataclasses.fields(e):
            value = getattr(e, f.name)
            if isinstance(value, ir.Expr):
                changes[f.name] = self(value)
            elif isinstance(value, list):
                changes[f.name] = [self(v) if isinstance(v, ir.Expr) else v for v in value]
        return dataclasses.replace(e, **changes) if changes else e
