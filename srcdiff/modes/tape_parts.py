"""Pieces of tape code both tape layouts use: which statements push, the capacity a tape needs, steps."""
from __future__ import annotations

from .. import ir


def is_push(s, tape):
    return isinstance(s, ir.ExprStmt) and isinstance(s.value, ir.Call) and is_method(s.value, tape, "append")

def is_method(call, tape, method):
    f = call.func
    return isinstance(f, ir.Attr) and f.attr == method and isinstance(f.value, ir.Name) and f.value.id == tape

def step_by(top, delta):
    return ir.Assign([ir.Name(top)], ir.BinOp("+" if delta > 0 else "-", ir.Name(top), ir.Const(1)))

def nested(s, block):
    if isinstance(s, ir.If):
        return ir.If(s.test, block(s.body), block(s.orelse), s.line)
    if isinstance(s, ir.For):
        return ir.For(s.target, s.iter, block(s.body), s.orelse, s.line)
    if isinstance(s, ir.While):
        return ir.While(s.test, block(s.body), s.orelse, s.line)
    return s

def capacity(stmts, tape, known):
    """The number of pushes, as an expression over names in ``known``; None when not computable."""
    terms = []
    for s in stmts:
        if is_push(s, tape):
            terms.append(ir.Const(1))
        elif isinstance(s, ir.If):
            body, orelse = capacity(s.body, tape, known), capacity(s.orelse, tape, known)
            if body is None or orelse is None:
                return None
            if body != 0 or orelse != 0:  # an upper bound: both branches' pushes
                terms += [t for t in (body, orelse) if t != 0]
        elif isinstance(s, (ir.For, ir.While)):
            inner = capacity(s.body, tape, known)
            if inner is None:
                return None
            if inner == 0:
                continue
            count = trip_count(s, known)
            if count is None:
                return None
            terms.append(count if isinstance(inner, ir.Const) and inner.value == 1 else ir.BinOp("*", count, inner))
    if not terms:
        return 0
    consts = sum(t.value for t in terms if isinstance(t, ir.Const))
    out = [t for t in terms if not isinstance(t, ir.Const)] + ([ir.Const(consts)] if consts else [])
    total = out[-1] if isinstance(out[-1], ir.Const) else out[0]
    rest = [t for t in out if t is not total]
    for t in rest:
        total = ir.BinOp("+", total, t)
    return total

def trip_count(loop, known):
    """``len(range(...))`` of a ``for`` loop over a range whose arguments are known at the start."""
    it = getattr(loop, "iter", None)
    if not isinstance(loop, ir.For) or not (isinstance(it, ir.Call) and isinstance(it.func, ir.Name) and
                                             it.func.id == "range" and not it.keywords):
        return None
    for a in it.args:
        if not (isinstance(a, ir.Const) and type(a.value) is int) and not (isinstance(a, ir.Name) and a.id in known):
            return None
    args = [ir.Const(a.value) if isinstance(a, ir.Const) else ir.Name(a.id) for a in it.args]
    if all(isinstance(a, ir.Const) for a in args):
        return ir.Const(len(range(*[a.value for a in args])))
    return ir.Call(ir.Name("len"), [ir.Call(ir.Name("range"), args, [])], [])


def stacks(fn, classify):
    """Local lists used only as stacks: bound to ``[]`` and otherwise only appended to and popped
    (the tapes of generated code). Reverse mode differentiates their pops: a pop's adjoint is pushed
    on the list's adjoint, which the matching append's adjoint pops (it starts empty: an item on the
    stack where the adjoint is first needed is never popped after)."""
    uses, popped = {}, set()
    for s in ir.walk(fn):
        if not isinstance(s, (ir.Assign, ir.ExprStmt)):
            continue
        op = classify(s)
        if op.kind == "pop" and isinstance(op.source, ir.Name):
            popped.add(op.source.id)
            uses.setdefault(op.source.id, []).append(1)
        elif op.kind == "append" and isinstance(op.source, ir.Name) and isinstance(op.value, (ir.Name, ir.Const)):
            uses.setdefault(op.source.id, []).append(1)
        elif op.kind == "build" and isinstance(op.target, ir.Name) and isinstance(op.source, ir.List) \
                and not op.source.elts:
            uses.setdefault(op.target.id, []).append(1)
    counts = {}
    for n in ir.walk(fn):
        if isinstance(n, ir.Name):
            counts[n.id] = counts.get(n.id, 0) + 1
    params = {p.name for p in fn.params}
    # every occurrence of the name is one of those statements (each names it once)
    return frozenset(n for n in popped if n not in params and counts.get(n, 0) == len(uses[n]))
