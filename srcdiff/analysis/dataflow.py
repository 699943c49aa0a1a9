"""Forward and backward dataflow over structured IR (if, for, while, break, continue, return).

An analysis supplies ``transfer(stmt, state)`` for simple statements and ``join``; loops are
iterated to a fixpoint. States are immutable values (frozensets, tuples); ``None`` means
unreachable. Results are side tables keyed by statement: the state before and after each one.
"""
from __future__ import annotations

from .. import ir


def _join(join, a, b):
    if a is None:
        return b
    if b is None:
        return a
    return join(a, b)


class Forward:
    """A forward analysis. Subclass hooks: ``transfer``, ``join``, ``loop_target``, ``test``."""

    def __init__(self):
        self.before = {}
        self.after = {}
        self._loops = []  # stack of [break_states, continue_states]
        self.returns = None

    # hooks -------------------------------------------------------------
    def transfer(self, stmt, state):
        return state

    def join(self, a, b):
        raise NotImplementedError

    def loop_target(self, loop, state):
        """State at the top of a loop body after the loop binds its target."""
        return state

    def test(self, stmt, state):
        """State after evaluating an ``if``/``while`` test (usually unchanged)."""
        return state

    # driver ------------------------------------------------------------
    def run(self, body, state):
        for s in body:
            state = self.stmt(s, state)
        return state

    def stmt(self, s, state):
        self.before[s] = state
        if state is None:
            self.after[s] = None
            return None
        if isinstance(s, ir.If):
            state = self.test(s, state)
            out = _join(self.join, self.run(s.body, state), self.run(s.orelse, state))
        elif isinstance(s, (ir.For, ir.While)):
            out = self.loop(s, state)
        elif isinstance(s, ir.Break):
            self._loops[-1][0].append(state)
            out = None
        elif isinstance(s, ir.Continue):
            self._loops[-1][1].append(state)
            out = None
        elif isinstance(s, ir.Return):
            state = self.transfer(s, state)
            self.returns = _join(self.join, self.returns, state)
            out = None
        else:
            out = self.transfer(s, state)
        self.after[s] = out
        return out

    def loop(self, s, entry):
        head = entry
        while True:
            self._loops.append([[], []])
            body_in = self.loop_target(s, self.test(s, head))
            end = self.run(s.body, body_in)
            breaks, continues = self._loops.pop()
            new_head = entry
            for extra in [end] + continues:
                new_head = _join(self.join, new_head, extra)
            if new_head == head:
                break
            head = new_head
        exits = None if isinstance(s, ir.While) and _always_true(s.test) else self.test(s, head)
        if s.orelse:
            exits = self.run(s.orelse, exits)
        for b in breaks:
            exits = _join(self.join, exits, b)
        return exits


class Backward:
    """A backward analysis. Hooks: ``transfer`` (state after -> state before), ``join``,
    ``loop_target`` (undo the loop's binding of its target), ``test`` (reads of a test)."""

    def __init__(self):
        self.before = {}
        self.after = {}
        self._loops = []  # stack of (state after the loop, state at the loop head)
        self.exit_state = None
        self.head = {}  # loop -> state at its head (before the test / target binding)

    def transfer(self, stmt, state):
        return state

    def join(self, a, b):
        raise NotImplementedError

    def loop_target(self, loop, state):
        return state

    def test(self, stmt, state):
        return state

    def run(self, body, state):
        for s in reversed(body):
            state = self.stmt(s, state)
        return state

    def stmt(self, s, state):
        if isinstance(s, ir.Break):
            state = self._loops[-1][0]
        elif isinstance(s, ir.Continue):
            state = self._loops[-1][1]
        elif isinstance(s, ir.Return):
            state = self.exit_state
        self.after[s] = state
        if isinstance(s, ir.If):
            before = self.test(s, _join(self.join, self.run(s.body, state), self.run(s.orelse, state)))
        elif isinstance(s, (ir.For, ir.While)):
            before = self.loop(s, state)
        elif isinstance(s, (ir.Break, ir.Continue)):
            before = state
        else:
            before = self.transfer(s, state)
        self.before[s] = before
        return before

    def loop(self, s, after):
        exit_state = self.run(s.orelse, after) if s.orelse else after
        head = exit_state if not (isinstance(s, ir.While) and _always_true(s.test)) else frozenset()
        while True:
            self._loops.append((after, head))
            body_in = self.run(s.body, head)
            self._loops.pop()
            new_head = self.loop_target(s, body_in)
            if not (isinstance(s, ir.While) and _always_true(s.test)):
                new_head = _join(self.join, new_head, exit_state)
            new_head = self.test(s, new_head)
            if new_head == head:
                break
            head = new_head
        self.head[s] = head
        return head


def _always_true(test):
    return isinstance(test, ir.Const) and bool(test.value)


def simple_statements(body):
    """Every non-compound statement, in source order, at any depth."""
    for s in body:
        if isinstance(s, (ir.If, ir.For, ir.While)):
            yield s
            for block in ir.blocks(s):
                yield from simple_statements(block)
        else:
            yield s
