"""Structure jumps: one ``return`` at the end, no ``continue``, ``break`` only where a loop body ends.

The reverse sweep replays branch decisions backwards, which needs every statement that runs
after an ``if`` to sit inside the branch it depends on. Before::

    for i in range(n):
        if x > 10:
            break
        x = x * w

After::

    for i in range(n):
        if x > 10:
            break
        else:
            x = x * w

``return`` inside branches becomes an assignment to one result variable; inside loops it also
sets a flag and breaks out. ``for``/``while`` ... ``else`` becomes a flag test after the loop.
"""
from __future__ import annotations

import copy

from .. import ir

class _Exit(ir.Stmt):
    """Marks a path that has already set the result: the rest of the function is skipped."""

    line = 0


class _Structurer:
    def __init__(self, ctx):
        self.ctx = ctx
        self.result = None  # name holding the return value
        self.returned = None  # flag set by a return inside a loop
        self.loop_depth = 0
        self.prelude = []  # flags initialised at the top of the function

    # exits of a block: a set drawn from {"fall", "break", "continue", "return"}
    def block(self, stmts):
        """(new statements, exits) for a block; statements after a jump are dropped."""
        out = []
        for i, s in enumerate(stmts):
            new, exits = self.stmt(s)
            out.extend(new)
            if exits == {"fall"}:
                continue
            rest = stmts[i + 1:]
            if "fall" not in exits or not rest:
                return out, exits
            # some paths fall through, some jump: the rest runs only on the paths that fall
            rest_block, rest_exits = self.block(rest)
            out[-1] = _push_into_fall_leaves(out[-1], rest_block)
            return out, (exits - {"fall"}) | rest_exits
        return out, {"fall"}

    def stmt(self, s):
        if isinstance(s, ir.If):
            body, b_exits = self.block(s.body)
            orelse, e_exits = self.block(s.orelse)
            return [ir.If(s.test, body, orelse, s.line)], b_exits | e_exits
        if isinstance(s, (ir.For, ir.While)):
            return self.loop(s)
        if isinstance(s, ir.Break):
            return [s], {"break"}
        if isinstance(s, ir.Continue):
            return [s], {"continue"}
        if isinstance(s, ir.Return):
            return self.return_(s)
        return [s], {"fall"}

    def return_(self, s):
        if self.result is None:
            self.result = self.ctx.namer.fresh("result")
        assign = ir.Assign([ir.Name(self.result)], s.value, s.line)
        if self.loop_depth:
            if self.returned is None:
                self.returned = self.ctx.namer.fresh("returned")
                self.prelude.append(ir.Assign([ir.Name(self.returned)], ir.Const(False), 0))
            flag = ir.Assign([ir.Name(self.returned)], ir.Const(True), s.line)
            return [assign, flag, ir.Break(s.line)], {"return"}
        return [assign, _Exit()], {"return"}

    def loop(self, s):
        self.loop_depth += 1
        body, exits = self.block(s.body)
        self.loop_depth -= 1
        body = _drop_continues(body)
        returns = "return" in exits
        breaks = "break" in exits or returns
        if isinstance(s, ir.For):
            loop = ir.For(s.target, s.iter, body, [], s.line)
        else:
            loop = ir.While(s.test, body, [], s.line)
        out, exits_after = [], {"fall"}
        if s.orelse and breaks:
            broke = self.ctx.namer.fresh("broke")
            out.append(ir.Assign([ir.Name(broke)], ir.Const(False), s.line))
            loop.body = ir.flag_breaks(loop.body, broke)
            out.append(loop)
            else_block, else_exits = self.block(s.orelse)
            out.append(ir.If(ir.UnaryOp("not", ir.Name(broke)), else_block, [], s.line))
            exits_after = {"fall"} | else_exits
        else:
            out.append(loop)
            if s.orelse:
                else_block, exits_after = self.block(s.orelse)
                out.extend(else_block)
        if returns:
            # leave the enclosing loop too (it then sees a return), or skip the rest of the function
            jump = [ir.Break(s.line)] if self.loop_depth else [_Exit()]
            out.append(ir.If(ir.Name(self.returned), jump, [], s.line))
            exits_after = exits_after | ({"break", "return"} if self.loop_depth else {"return"})
        return out, exits_after


def _drop_continues(block):
    """A ``continue`` at the end of a loop body's last branch does nothing."""
    out = []
    for s in block:
        if isinstance(s, ir.Continue):
            continue
        if isinstance(s, ir.If):
            s = ir.If(s.test, _drop_continues(s.body), _drop_continues(s.orelse), s.line)
        out.append(s)
    return out


def _all_fall(block):
    """No jump at any leaf of ``block`` (loops inside own their jumps)."""
    for s in block:
        if isinstance(s, (ir.Break, ir.Continue, ir.Return, _Exit)):
            return False
        if isinstance(s, ir.If) and (not _all_fall(s.body) or not _all_fall(s.orelse)):
            return False
    return True


def _push_into_fall_leaves(s, rest):
    return ir.If(s.test, _push_block(s.body, rest), _push_block(s.orelse, rest), s.line)


def _push_block(block, rest):
    """``block`` followed by ``rest`` on every path that falls off its end."""
    if not block:
        return _clone_block(rest)
    last = block[-1]
    if isinstance(last, (ir.Break, ir.Continue, ir.Return, _Exit)):
        return block
    if isinstance(last, ir.If) and not _all_fall([last]):
        return block[:-1] + [_push_into_fall_leaves(last, rest)]
    return block + _clone_block(rest)


def _clone_block(block):
    return [copy.deepcopy(s) for s in block]


def structure(fn_def, ctx):
    """A new function whose jumps follow the rules in this module's docstring."""
    body = fn_def.body
    only_final_return = all(not isinstance(s, ir.Return) for s in _all_stmts(body[:-1])) and \
        body and isinstance(body[-1], ir.Return) and \
        not any(isinstance(s, ir.Return) for b in ir.blocks(body[-1]) for s in b)
    st = _Structurer(ctx)
    if only_final_return and not _has_jumps(body):
        return fn_def
    if only_final_return:
        head, _ = st.block(body[:-1])
        new_body = head + [body[-1]]
    else:
        new_body, exits = st.block(body)
        if st.result is not None:
            if "fall" in exits:
                new_body = _push_block(new_body, [ir.Assign([ir.Name(st.result)], ir.Const(None), 0)]) \
                    if new_body else [ir.Assign([ir.Name(st.result)], ir.Const(None), 0)]
            new_body = new_body + [ir.Return(ir.Name(st.result), fn_def.line)]
        else:
            new_body = new_body + [ir.Return(ir.Const(None), fn_def.line)]
    return ir.FunctionDef(fn_def.name, fn_def.params, _strip_exits(st.prelude + new_body), fn_def.line)


def _strip_exits(block):
    out = []
    for s in block:
        if isinstance(s, _Exit):
            continue
        if isinstance(s, ir.If):
            s = ir.If(s.test, _strip_exits(s.body), _strip_exits(s.orelse), s.line)
        elif isinstance(s, ir.For):
            s = ir.For(s.target, s.iter, _strip_exits(s.body), s.orelse, s.line)
        elif isinstance(s, ir.While):
            s = ir.While(s.test, _strip_exits(s.body), s.orelse, s.line)
        out.append(s)
    return out


def _has_jumps(body):
    return any(isinstance(s, (ir.Break, ir.Continue)) or (isinstance(s, (ir.For, ir.While)) and s.orelse)
               for s in _all_stmts(body))


def _all_stmts(body):
    for s in body:
        yield s
        for b in ir.blocks(s):
            yield from _all_stmts(b)
