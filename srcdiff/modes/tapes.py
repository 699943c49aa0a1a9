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
from . import typed_tapes
from .tape_parts import capacity, is_method, is_push, nested, step_by  # noqa: F401


def arrange(forward_code, reverse_code, tape_name, params, mode, ctx):
    """(forward sweep, reverse sweep, statements creating the tape) with the tape in the form of
    ``ctx.target``; ``mode.tape_top`` names the counter of an indexed tape (a residual in split mode)."""
    mode.tape_top = None
    if tape_name is None:
        return forward_code, reverse_code, []
    if ctx.target.tape == "list":
        return forward_code, reverse_code, [ir.Assign([ir.Name(tape_name)], ir.List([]))]
    if ctx.target.tape == "typed":  # one array or list per recorded variable (compiled targets)
        return typed_tapes.arrange(forward_code, reverse_code, tape_name, params, mode, ctx)
    top = mode.tape_top = ctx.namer.fresh("top")
    size = capacity(forward_code, tape_name, set(params) - ir.assigned_names(forward_code))
    empty = ir.List([]) if size is None or size == 0 else ir.BinOp("*", ir.List([ir.Const(None)]), size)
    init = [ir.Assign([ir.Name(tape_name)], empty), ir.Assign([ir.Name(top)], ir.Const(0))]
    return _pushes(forward_code, tape_name, top, size is None), _pops(reverse_code, tape_name, top), init


def _pushes(stmts, tape, top, growable):
    out = []
    for s in stmts:
        if is_push(s, tape):
            if growable:  # one capacity check per push: double the list when it is full
                full = ir.Compare(ir.Name(top), ["=="], [ir.Call(ir.Name("len"), [ir.Name(tape)], [])])
                more = ir.BinOp("*", ir.List([ir.Const(None)]), ir.BinOp("+", ir.Name(top), ir.Const(1)))
                out.append(ir.If(full, [ir.Assign([ir.Name(tape)], ir.BinOp("+", ir.Name(tape), more), s.line)], [],
                                 s.line))
            out.append(ir.Assign([ir.Subscript(ir.Name(tape), ir.Name(top))], s.value.args[0], s.line))
            step = step_by(top, 1)
            step.line = s.line
            out.append(step)
            continue
        out.append(nested(s, lambda body: _pushes(body, tape, top, growable)))
    return out


def _pops(stmts, tape, top):
    out = []
    for s in stmts:
        calls = [n for n in ir.walk(s) if isinstance(n, ir.Call) and is_method(n, tape, "pop")] \
            if not isinstance(s, (ir.If, ir.For, ir.While)) else []
        if calls:
            step = step_by(top, -1)
            step.line = s.line
            out.append(step)
            for call in calls:  # one per statement: the generated code pops one value at a time
                _become(call, ir.Subscript(ir.Name(tape), ir.Name(top)))
            out.append(s)
            continue
        out.append(nested(s, lambda body: _pops(body, tape, top)))
    return out


def _become(node, other):
    """Turn ``node`` (an IR node inside a statement) into ``other`` in place."""
    node.__class__ = other.__class__
    node.__dict__.clear()
    node.__dict__.update(other.__dict__)
