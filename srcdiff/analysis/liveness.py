"""Liveness: which names a block reads before (re)assigning them."""
from __future__ import annotations

from .. import ir
from .dataflow import Backward


def _reads(expr):
    return {n.id for n in ir.walk(expr) if isinstance(n, ir.Name)} if expr is not None else set()


class Live(Backward):
    def join(self, a, b):
        return a | b

    def transfer(self, s, state):
        if isinstance(s, ir.Assign):
            defined = set()
            reads = _reads(s.value)
            for t in s.targets:
                if isinstance(t, ir.Subscript):
                    reads |= _reads(t)
                else:
                    defined |= set(ir.target_names(t))
            return frozenset((state - defined) | reads)
        if isinstance(s, ir.AugAssign):
            return frozenset(state | _reads(s.value) | _reads(s.target))
        if isinstance(s, (ir.ExprStmt, ir.Return)):
            return frozenset(state | _reads(s.value))
        return state

    def test(self, s, state):
        head = s.iter if isinstance(s, ir.For) else s.test
        return frozenset(state | _reads(head))

    def loop_target(self, loop, state):
        if isinstance(loop, ir.For):
            return frozenset(state - set(ir.target_names(loop.target)))
        return state


def live_in(stmts, live_out=frozenset()):
    """Names read by ``stmts`` before being assigned in them (given ``live_out`` after them)."""
    live = Live()
    live.exit_state = frozenset(live_out)
    return live.run(stmts, frozenset(live_out)) or frozenset()
