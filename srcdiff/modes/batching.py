"""Batch a reverse loop's per-step adjoint accumulations into one operation after the loop.

Before::

    d_W = zeros_like(W)
    for t in reversed(range(n)):
        ...
        d_W = d_W + matmul_lhs(d_t3, W, h)

After::

    d_W_g = []
    d_W_x = []
    for t in reversed(range(n)):
        ...
        d_W_g.append(d_t3)
        d_W_x.append(h)
    d_W = matmul_lhs_sum(d_W_g, W, d_W_x)

Each step's outer product becomes one matrix product over all steps (what a hand-written RNN
backward pass does). Only done where it cannot change a value: the accumulator is touched nowhere
else in the loop, the fixed matrix is not reassigned in it, and nothing in the loop writes into an
array in place (the gathered arrays are read after the loop, so they must not change meanwhile).
"""
from __future__ import annotations

from ..optimize import cleanup
from .. import ir
from ..rules import fact, helper_is, lookup
from ..runtime.helpers import zeros_like


_PURE_BUILTINS = (range, reversed, len, zip, enumerate)


def batch_products(stmts, ctx):
    """``stmts`` with every reverse-sweep loop's matmul accumulations batched (inner loops first)."""
    out = []
    for s in stmts:
        if isinstance(s, ir.If):
            s = ir.If(s.test, batch_products(s.body, ctx), batch_products(s.orelse, ctx), s.line)
        elif isinstance(s, ir.While):
            s = ir.While(s.test, batch_products(s.body, ctx), s.orelse, s.line)
        elif isinstance(s, ir.For):
            s = ir.For(s.target, s.iter, batch_products(s.body, ctx), s.orelse, s.line)
            if cleanup.is_replay(s) and not s.orelse and _pops_tape(s.body) and \
                    _writes_nothing_in_place(s.body, ctx):
                before, s, after = _batch_loop(s, ctx)
                if after:
                    sums = [_without_zero_start(out, acc, fixed, summed, op, ctx) for acc, fixed, summed, op in after]
                    note = "%s: the terms of every step summed at once" % ", ".join(a[0] for a in after)
                    after = [ir.Comment(note)] + sums
                out.extend(before)
                out.append(s)
                out.extend(after)
                continue
        out.append(s)
    return out


def _pops_tape(body):
    """Only loops that replay a tape are batched: reverse mode over generated code refuses those
    anyway, while a loop without a tape stays valid input for it (its lists would not be)."""
    return any(isinstance(n, ir.Call) and isinstance(n.func, ir.Attr) and n.func.attr == "pop"
               for s in body for n in ir.walk(s))


def _batch_loop(loop, ctx):
    """(list initialisations, the loop with appends, [(accumulator, fixed matrix, sum, sign)])."""
    assigned = set(ir.target_names(loop.target)) | ir.assigned_names(loop.body)
    counts = {}
    for n in ir.walk(ir.For(loop.target, loop.iter, loop.body, [], loop.line)):
        if isinstance(n, ir.Name):
            counts[n.id] = counts.get(n.id, 0) + 1
    before, body, after = [], [], []
    for s in loop.body:
        match = _accumulation(s, ctx)
        if match is None:
            body.append(s)
            continue
        acc, op, kernel, args = match
        total, fixed, stems = fact(kernel, "batched")  # declared with the kernel's rules (runtime_rules)
        fixed_arg = args[fixed]
        # the accumulator appears only here (target and operand); the fixed matrix never changes
        if counts.get(acc, 0) != 2 or not isinstance(fixed_arg, ir.Name) or fixed_arg.id in assigned:
            body.append(s)
            continue
        gathered = [a for i, a in enumerate(args) if i != fixed]
        lists = [ctx.namer.fresh("%s_%s" % (acc, stem)) for stem in stems]
        for name, value in zip(lists, gathered):
            before.append(ir.Assign([ir.Name(name)], ir.List([]), 0))
            body.append(ir.ExprStmt(ir.Call(ir.Attr(ir.Name(name), "append"), [value], []), s.line))
        names = iter(lists)
        call_args = [ir.Name(fixed_arg.id) if i == fixed else ir.Name(next(names)) for i in range(len(args))]
        summed = ir.Call(ir.Name(ctx.bind(total.__name__, total)), call_args, [])
        after.append((acc, fixed_arg.id, summed, op))
    return before, ir.For(loop.target, loop.iter, body, [], loop.line), after


def _accumulation(s, ctx):
    """``acc = acc + kernel(a, b, c)`` (or ``-``) with a batchable kernel: (acc, op, kernel, args)."""
    if not (isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ir.Name)):
        return None
    value, acc = s.value, s.targets[0].id
    if not (isinstance(value, ir.BinOp) and value.op in ("+", "-") and isinstance(value.left, ir.Name)
            and value.left.id == acc and isinstance(value.right, ir.Call) and not value.right.keywords
            and isinstance(value.right.func, ir.Name)):
        return None
    bound = ctx.helpers.get(value.right.func.id)
    batched = fact(bound, "batched") if bound is not None else None
    if batched is None or len(value.right.args) != len(batched[2]) + 1:
        return None
    if not ctx.target.has_helper(batched[0].__name__):  # the target lacks the sum: step by step
        return None
    return acc, value.op, bound, value.right.args


def _without_zero_start(out, acc, fixed, summed, op, ctx):
    """The statement after the loop: ``acc = acc + sum``, or just ``acc = sum`` when ``out`` (the
    code before the loop) last set ``acc = zeros_like(fixed)`` and nothing read it since; that
    statement is then dropped (the sum is zeros shaped like ``fixed`` when the loop runs no step)."""
    kept = ir.Assign([ir.Name(acc)], ir.BinOp(op, ir.Name(acc), summed), 0)
    for k in range(len(out) - 1, -1, -1):
        s = out[k]
        if isinstance(s, ir.Comment):
            continue
        if isinstance(s, ir.Assign) and [ir.target_names(t) for t in s.targets] == [[acc]]:
            v = s.value
            if isinstance(v, ir.Call) and isinstance(v.func, ir.Name) and ctx.helpers.get(v.func.id) is zeros_like \
                    and len(v.args) == 1 and isinstance(v.args[0], ir.Name) and v.args[0].id == fixed:
                del out[k]
                return ir.Assign([ir.Name(acc)], summed if op == "+" else ir.UnaryOp("-", summed), 0)
            return kept
        if acc in ir.names_read(s):
            return kept
    return kept


def _writes_nothing_in_place(body, ctx):
    """No statement of ``body`` can change an array in place: plain assignments to names of values
    from pure calls, list appends and tape pops, and blocks of those."""
    for s in body:
        if isinstance(s, (ir.Comment, ir.Pass, ir.Break, ir.Continue)):
            continue
        if isinstance(s, ir.If):
            if not (_pure_expr(s.test, ctx) and _writes_nothing_in_place(s.body, ctx)
                    and _writes_nothing_in_place(s.orelse, ctx)):
                return False
        elif isinstance(s, ir.For):
            if s.orelse or not _pure_expr(s.iter, ctx) or not _writes_nothing_in_place(s.body, ctx):
                return False
        elif isinstance(s, ir.Assign):
            if not all(isinstance(t, (ir.Name, ir.Tuple)) and _names_only(t) for t in s.targets) \
                    or not _pure_expr(s.value, ctx):
                return False
        elif isinstance(s, ir.ExprStmt):
            call = s.value
            if not (isinstance(call, ir.Call) and isinstance(call.func, ir.Attr) and call.func.attr == "append"
                    and isinstance(call.func.value, ir.Name) and all(_pure_expr(a, ctx) for a in call.args)):
                return False
        else:
            return False
    return True


def _names_only(target):
    return isinstance(target, ir.Name) or all(_names_only(e) for e in target.elts)


def _pure_expr(expr, ctx):
    return all(_writes_no_array(n, ctx) for n in ir.walk(expr) if isinstance(n, ir.Call))


def _writes_no_array(call, ctx):
    """A call that writes into no array: a pure runtime helper, a NumPy function or kernel with a
    derivative rule (called without ``out=``), or popping the tape."""
    func = call.func
    if isinstance(func, ir.Attr) and func.attr == "pop" and not call.args and isinstance(func.value, ir.Name):
        return True
    if any(k.name == "out" for k in call.keywords):
        return False
    if isinstance(func, ir.Name) and func.id in ctx.helpers:
        if helper_is("pure", ctx.helpers[func.id]):
            return True
        obj = ctx.helpers[func.id]
    elif isinstance(func, (ir.Name, ir.Attr)):
        obj = ctx.resolve(func)
    else:
        return False
    if any(obj is b for b in _PURE_BUILTINS):
        return True
    rule = lookup(obj)
    return rule is not None and (rule.adjoint is not None or rule.tangent is not None)
