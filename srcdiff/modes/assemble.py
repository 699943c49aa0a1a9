"""Assemble the two sweeps: tape pushes in the forward sweep, pops and in-place restores in the
reverse sweep, the values the backward function needs, and the gradients returned."""
from __future__ import annotations

import copy

from .. import ir
from ..arguments import qualified_name
from ..analysis.liveness import live_in
from .reverse import LoopStart, Restore, index_value
from ..runtime.helpers import owned, require_float, restore_at, saved_at, snapshot, zeros_like


def forward_sweep(body, mode, ctx):
    """The primal statements with a tape push in front of each overwrite the reverse sweep undoes."""
    out = []
    for s in body:
        for name in mode.push_before.get(s, []):
            out.append(_push(ir.Name(name), s.line))
        if s in mode.saves and mode.classify(s).kind == "store":
            op = mode.classify(s)
            base = op.target.value.id
            if base in mode.containers:  # a dict may not have the key yet
                saved = ir.Call(mode.helper("saved_at", saved_at), [ir.Name(base), index_value(op.index)], [])
            else:
                saved = ir.Call(mode.helper("snapshot", snapshot),
                                [ir.Subscript(ir.Name(base), copy.deepcopy(op.index))], [])
            out.append(_push(saved, s.line))
        if isinstance(s, ir.If):
            s = ir.If(s.test, forward_sweep(s.body, mode, ctx), forward_sweep(s.orelse, mode, ctx), s.line)
        elif isinstance(s, (ir.For, ir.While)):
            body = forward_sweep(s.body, mode, ctx)
            body += [_push(ir.Name(n), s.line) for n in mode.end_push.get(s, [])]  # this iteration's values
            s = ir.For(s.target, s.iter, body, s.orelse, s.line) if isinstance(s, ir.For) else \
                ir.While(s.test, body, s.orelse, s.line)
        if s not in mode.put_back:  # the very object it read: storing it back changes nothing
            out.append(s)
    return out


def _push(value, line):
    return ir.ExprStmt(ir.Call(ir.Attr(ir.Name("__tape__"), "append"), [value], []), line)


def name_tape(stmts, tape_name):
    for s in stmts:
        for n in ir.walk(s):
            if isinstance(n, ir.Name) and n.id == "__tape__":
                n.id = tape_name


def fill_pops(code, mode, tape_name):
    """Replace each ``Restore`` marker by the pops (and in-place restores) it stands for."""
    out = []
    for s in code:
        if isinstance(s, LoopStart):
            for name in reversed(mode.end_push.get(s.loop, [])):
                out.append(ir.Assign([ir.Name(name)], _pop(tape_name), s.line))
            continue
        if isinstance(s, Restore):
            stmt = s.stmt
            if stmt in mode.saves:
                op = mode.classify(stmt)
                if op.kind == "store" and op.target.value.id in mode.containers:
                    restore = ir.Call(mode.helper("restore_at", restore_at),
                                      [ir.Name(op.target.value.id), index_value(op.index), _pop(tape_name)], [])
                    out.append(ir.ExprStmt(restore, s.line))
                elif op.kind == "store":
                    target = ir.Subscript(ir.Name(op.target.value.id), copy.deepcopy(op.index))
                    out.append(ir.Assign([target], _pop(tape_name), s.line))
                else:  # append: take the appended item off the list again
                    out.append(ir.ExprStmt(ir.Call(ir.Attr(ir.Name(op.source.id), "pop"), [], []), s.line))
            for name in reversed(mode.push_before.get(stmt, [])):
                out.append(ir.Assign([ir.Name(name)], _pop(tape_name), s.line))
            continue
        if isinstance(s, ir.If):
            s = ir.If(s.test, fill_pops(s.body, mode, tape_name), fill_pops(s.orelse, mode, tape_name), s.line)
        elif isinstance(s, ir.For):
            s = ir.For(s.target, s.iter, fill_pops(s.body, mode, tape_name), s.orelse, s.line)
        out.append(s)
    return out


def _pop(tape_name):
    return ir.Call(ir.Attr(ir.Name(tape_name), "pop"), [], [])


def final_gradient(name, state, mode):
    """The expression returned as the gradient of parameter ``name``."""
    adj = state.get(name)
    if adj is None:
        if name in mode.scalars:
            return ir.Const(0.0)
        return ir.Call(mode.helper("zeros_like", zeros_like), [ir.Name(name)], [])
    if name in mode.scalars:
        return mode.full(adj)
    if adj.owned and adj.like is None and not adj.negated:
        return adj.expr
    value = mode.full(adj)
    if adj.like is None and isinstance(value, ir.UnaryOp):
        return value  # a negation makes a new array
    return ir.Call(mode.helper("owned", owned), [value], [])


def residual_names(reverse_code, mode, tape_name):
    """Names the backward function needs from the forward one, in first-use order."""
    needed = live_in(reverse_code)
    tapes = (tape_name, getattr(mode, "tape_top", None), *getattr(mode, "typed_tapes", ()))  # the order kept
    seen = []
    for s in reverse_code:
        for n in ir.walk(s):
            if isinstance(n, ir.Name) and n.id in needed and n.id not in seen and \
                    (n.id in mode.primal_names or n.id in tapes):
                seen.append(n.id)
    for name in reversed(tapes):  # the tape first (pullbacks.VJP reads it there)
        if name in seen:
            seen.remove(name)
            seen.insert(0, name)
    return seen


def argument_checks(wrt, fn, ctx):
    """``require_float(k, 'k', 'energy2')`` per parameter differentiated: code differentiated again
    (a gradient called inside a differentiated function) refuses an int argument as ``grad`` does."""
    check, label = ir.Name(ctx.bind("require_float", require_float)), ir.Const(qualified_name(fn))
    return [ir.ExprStmt(ir.Call(check, [ir.Name(name), ir.Const(name), label], [])) for name in wrt]
