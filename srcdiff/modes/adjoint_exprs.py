"""Adjoint values and the expressions that make them: the ``Adj`` record the reverse walk keeps per
name, and helpers over contribution expressions (structural equality, names read, what an array
may be a view of, contributions of one rule combined, symbolic zeros made concrete)."""
from __future__ import annotations

import copy
from dataclasses import dataclass

from .. import ir
from ..analysis.aliases import VIEW_FUNCTIONS, VIEW_METHODS, viewed_operands
from ..rules.template import Contribution, Zero, fold


@dataclass
class Adj:
    """The current value of one adjoint: an expression (usually its variable) and ownership.

    When ``like`` is set the adjoint is *lazy*: ``expr`` is a scalar standing for an array of
    ``like``'s shape filled with it (the adjoint of ``sum``), broadcast only where needed.
    """

    expr: ir.Expr
    owned: bool = False
    like: ir.Expr = None
    negated: bool = False  # the adjoint is ``-expr`` (a negation folded into whoever reads it)
    listed: bool = False  # certainly a list (the adjoint of a list that is appended to must be one)


def same_expr(a, b):
    if isinstance(a, ir.Name) and isinstance(b, ir.Name):
        return a.id == b.id
    if isinstance(a, ir.Const) and isinstance(b, ir.Const):
        return a.value == b.value and type(a.value) is type(b.value)
    return False


def copy_expr(e):
    return copy.deepcopy(e)


def state_items(state):
    return sorted((state or {}).items(), key=lambda kv: kv[0])


def expr_names(expr):
    return {n.id for n in ir.walk(expr) if isinstance(n, ir.Name)}


def mentions(expr, name):
    return any(isinstance(n, ir.Name) and n.id == name for n in ir.walk(expr))


# calls whose result may be (a view of) their first argument
_VIEWS = VIEW_METHODS | VIEW_FUNCTIONS | {"unbroadcast"}


def view_base(value):
    """The name whose array ``value`` may be (or be a view of), else None."""
    while True:
        if isinstance(value, ir.Name):
            return value.id
        if isinstance(value, ir.Subscript) or (isinstance(value, ir.Attr) and value.attr in _VIEWS):
            value = value.value
        elif isinstance(value, ir.Call) and isinstance(value.func, ir.Attr) and value.func.attr in _VIEWS \
                and not (isinstance(value.func.value, ir.Name) and value.func.value.id in ("np", "numpy")):
            value = value.func.value
        elif isinstance(value, ir.Call) and _called_name(value.func) in _VIEWS:
            operands = viewed_operands(_called_name(value.func), value)  # the rule alias analysis uses
            if not operands:
                return None
            value = operands[0]
        else:
            return None


def _called_name(func):
    return func.attr if isinstance(func, ir.Attr) else getattr(func, "id", "")


def fresh_array(value):
    """Is ``value`` certainly a fresh array (safe to update in place)?"""
    return isinstance(value, ir.BinOp) or (isinstance(value, ir.UnaryOp) and value.op == "-")


def combine_contributions(items):
    """Contributions of one rule to the same name are added first (``x * x``: ``2 * d * x``)."""
    out, seen = [], {}
    for item in items:
        if isinstance(item, Contribution) and isinstance(item.target, ir.Name):
            key = item.target.id
            if key in seen:
                first = seen[key]
                if _equal(first.value, item.value):
                    first.value = fold(ir.BinOp("*", ir.Const(2), first.value))
                else:
                    first.value = fold(ir.BinOp("+", first.value, item.value))
                continue
            item = Contribution(item.target, item.value, item.param, item.line)
            seen[key] = item
        out.append(item)
    return out


def _equal(a, b):
    """Structural equality of two expressions."""
    if type(a) is not type(b):
        return False
    if isinstance(a, ir.Name):
        return a.id == b.id
    if isinstance(a, ir.Const):
        return type(a.value) is type(b.value) and a.value == b.value
    fa, fb = getattr(a, "__dataclass_fields__", None), getattr(b, "__dataclass_fields__", None)
    if fa is None or fb is None:
        return a == b
    for name in fa:
        va, vb = getattr(a, name), getattr(b, name)
        if isinstance(va, list):
            if not isinstance(vb, list) or len(va) != len(vb) or not all(_equal(x, y) for x, y in zip(va, vb)):
                return False
        elif isinstance(va, ir.Node):
            if not _equal(va, vb):
                return False
        elif va != vb:
            return False
    return True


def drop_dead_locals(items):
    """Drop template temporaries that no kept contribution or statement uses."""
    needed = set()
    out = []
    for item in reversed(items):
        if isinstance(item, ir.Assign) and isinstance(item.targets[0], ir.Name) \
                and item.targets[0].id not in needed and not isinstance(item, Contribution):
            continue
        out.append(item)
        for n in ir.walk(item.value if isinstance(item, Contribution) else item):
            if isinstance(n, ir.Name):
                needed.add(n.id)
    return list(reversed(out))


def materialize_zeros(expr, mode):
    """Replace symbolic zeros left inside an expression by ``zeros_like`` of their primal."""
    if isinstance(expr, Zero):
        return expr
    for node in ir.walk(expr):
        for fname in getattr(node, "__dataclass_fields__", {}):
            value = getattr(node, fname)
            if isinstance(value, Zero):
                setattr(node, fname, mode.zeros(value.like) if value.like is not None else ir.Const(0.0))
            elif isinstance(value, list):
                for i, v in enumerate(value):
                    if isinstance(v, Zero):
                        value[i] = mode.zeros(v.like) if v.like is not None else ir.Const(0.0)
    return expr


def rename_names(expr, names, new):
    expr = copy.deepcopy(expr)
    for n in ir.walk(expr):
        if isinstance(n, ir.Name) and n.id in names:
            n.id = new
    return expr
