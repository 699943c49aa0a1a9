"""The tape as its target stores it: a Python list (appends and pops), or indexed slots.

The sweeps are assembled with list operations (``tape.append(v)``, ``tape.pop()``); for a target
whose ``tape`` is "indexed" they are rewritten here into slots of a list preallocated before the
forward sweep, with a counter::

    tape = [None] * (1 + len(range(n)) * 2)      tape[top] = s          top = top - 1
    top = 0                                      top = top + 1          s = tape[top]

The size is the number of pushes when every loop around a push is a ``for`` over a ``range`` whose
bounds are known when the function starts (parameters it never rebinds, constants); otherwise the
list starts empty and each push checks its capacity (``while`` loops, ranges computed inside).
"""
from __future__ import annotations

from .. import ir


def arrange(forward_code, reverse_code, tape_name, params, mode, ctx):
    """(forward sweep, reverse sweep, statements creating the tape) with the tape in the form of
    ``ctx.target``; ``mode.tape_top`` names the counter of an indexed tape (a residual in split mode)."""
    mode.tape_top = None
    if tape_name is None:
        return forward_code, reverse_code, []
    if ctx.target.tape == "list":
        return forward_code, reverse_code, [ir.Assign([ir.Name(tape_name)], ir.List([]))]
    if ctx.target.tape == "typed":  # one array or list per recorded variable (compiled targets)
        from . import typed_tapes
        return typed_tapes.arrange(forward_code, reverse_code, tape_name, params, mode, ctx)
    top = mode.tape_top = ctx.namer.fresh("top")
    size = _capacity(forward_code, tape_name, set(params) - _assigned(forward_code))
    empty = ir.List([]) if size is None or size == 0 else ir.BinOp("*", ir.List([ir.Const(None)]), size)
    init = [ir.Assign([ir.Name(tape_name)], empty), ir.Assign([ir.Name(top)], ir.Const(0))]
    return _pushes(forward_code, tape_name, top, size is None), _pops(reverse_code, tape_name, top), init


def _is_push(s, tape):
    return isinstance(s, ir.ExprStmt) and isinstance(s.value, ir.Call) and _is_method(s.value, tape, "append")


def _is_method(call, tape, method):
    f = call.func
    return isinstance(f, ir.Attr) and f.attr == method and isinstance(f.value, ir.Name) and f.value.id == tape


def _step(top, delta):
    return ir.Assign([ir.Name(top)], ir.BinOp("+" if delta > 0 else "-", ir.Name(top), ir.Const(1)))


def _pushes(stmts, tape, top, growable):
    out = []
    for s in stmts:
        if _is_push(s, tape):
            if growable:  # one capacity check per push: double the list when it is full
                full = ir.Compare(ir.Name(top), ["=="], [ir.Call(ir.Name("len"), [ir.Name(tape)], [])])
                more = ir.BinOp("*", ir.List([ir.Const(None)]), ir.BinOp("+", ir.Name(top), ir.Const(1)))
                out.append(ir.If(full, [ir.Assign([ir.Name(tape)], ir.BinOp("+", ir.Name(tape), more), s.line)], [],
                                 s.line))
            out.append(ir.Assign([ir.Subscript(ir.Name(tape), ir.Name(top))], s.value.args[0], s.line))
            step = _step(top, 1)
            step.line = s.line
            out.append(step)
            continue
        out.append(_nested(s, lambda body: _pushes(body, tape, top, growable)))
    return out


def _pops(stmts, tape, top):
    out = []
    for s in stmts:
        calls = [n for n in ir.walk(s) if isinstance(n, ir.Call) and _is_method(n, tape, "pop")] \
            if not isinstance(s, (ir.If, ir.For, ir.While)) else []
        if calls:
            step = _step(top, -1)
            step.line = s.line
            out.append(step)
            for call in calls:  # one per statement: the generated code pops one value at a time
                _become(call, ir.Subscript(ir.Name(tape), ir.Name(top)))
            out.append(s)
            continue
        out.append(_nested(s, lambda body: _pops(body, tape, top)))
    return out


def _become(node, other):
    """Turn ``node`` (an IR node inside a statement) into ``other`` in place."""
    node.__class__ = other.__class__
    node.__dict__.clear()
    node.__dict__.update(other.__dict__)


def _nested(s, block):
    if isinstance(s, ir.If):
        return ir.If(s.test, block(s.body), block(s.orelse), s.line)
    if isinstance(s, ir.For):
        return ir.For(s.target, s.iter, block(s.body), s.orelse, s.line)
    if isinstance(s, ir.While):
        return ir.While(s.test, block(s.body), s.orelse, s.line)
    return s


def _assigned(stmts):
    names = set()
    for s in stmts:
        for n in ir.walk(s):
            if isinstance(n, ir.Assign):
                for t in n.targets:
                    names |= set(ir.target_names(t))
            elif isinstance(n, ir.For):
                names |= set(ir.target_names(n.target))
    return names


def _capacity(stmts, tape, known):
    """The number of pushes, as an expression over names in ``known``; None when not computable."""
    terms = []
    for s in stmts:
        if _is_push(s, tape):
            terms.append(ir.Const(1))
        elif isinstance(s, ir.If):
            body, orelse = _capacity(s.body, tape, known), _capacity(s.orelse, tape, known)
            if body is None or orelse is None:
                return None
            if body != 0 or orelse != 0:  # an upper bound: both branches' pushes
                terms += [t for t in (body, orelse) if t != 0]
        elif isinstance(s, (ir.For, ir.While)):
            inner = _capacity(s.body, tape, known)
            if inner is None:
                return None
            if inner == 0:
                continue
            count = _trip_count(s, known)
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


def _trip_count(loop, known):
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
