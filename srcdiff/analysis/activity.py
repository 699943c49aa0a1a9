"""Activity: which values vary with the inputs we differentiate and are useful for the output.

A statement needs a derivative only where an input it reads is *varied* (depends on a ``wrt``
argument through differentiable operations) and a name it defines is *useful* (influences the
differentiated output). Returns side tables keyed by statement.
"""
from __future__ import annotations

from .. import ir
from .dataflow import Backward, Forward
from .facts import changed
from .invariance import zero_gradient_statements


class _Varied(Forward):
    def __init__(self, classify, constants):
        super().__init__()
        self.classify = classify
        self.constants = constants  # ids of statements whose derivative is exactly zero (invariance.py)

    def join(self, a, b):
        return a | b

    def transfer(self, s, state):
        op = self.classify(s)
        defined = op.defines()
        varied = any(n in state for n in op.diff_inputs()) and id(s) not in self.constants
        if varied:
            return changed(state, add=list(defined) + list(op.mutates()))
        return changed(state, remove=defined)

    def loop_target(self, loop, state):
        if isinstance(loop, ir.For):
            return changed(state, remove=ir.target_names(loop.target))
        return state


class _Useful(Backward):
    def __init__(self, classify, seeds):
        super().__init__()
        self.classify = classify
        self.seeds = seeds

    def join(self, a, b):
        return a | b

    def transfer(self, s, state):
        op = self.classify(s)
        if op.kind == "return":
            return frozenset(state | set(self.seeds(op)))
        defined = set(op.defines())
        mutated = set(op.mutates())
        if (defined | mutated) & state:
            state = (state - defined) | set(op.diff_inputs())
        return frozenset(state)

    def loop_target(self, loop, state):
        if isinstance(loop, ir.For):
            return frozenset(state - set(ir.target_names(loop.target)))
        return state


class Activity:
    """Side tables: varied names before/after each statement, useful names after each."""

    def __init__(self, fn_def, classify, wrt, seeds, arg_ndims=None):
        self.zero_gradient = zero_gradient_statements(fn_def, classify, arg_ndims)
        varied = _Varied(classify, self.zero_gradient)
        varied.run(fn_def.body, frozenset(wrt))
        useful = _Useful(classify, seeds)
        useful.exit_state = frozenset()
        useful.run(fn_def.body, frozenset())
        self.varied_before = varied.before
        self.varied_after = varied.after
        self.useful_after = useful.after
        self.useful_before = useful.before
        self.classify = classify

    def constant(self, s):
        """Is ``s`` a statement whose value the output does not depend on (a shift that cancels)?"""
        return id(s) in self.zero_gradient

    def is_varied(self, name, before_stmt):
        return name in (self.varied_before.get(before_stmt) or ())

    def active(self, s):
        """Does statement ``s`` need an adjoint (it defines or mutates a varied, useful name)?"""
        op = self.classify(s)
        names = set(op.defines()) | set(op.mutates())
        after_varied = self.varied_after.get(s) or frozenset()
        after_useful = self.useful_after.get(s) or frozenset()
        return bool(names & after_varied & after_useful)

    def active_name(self, name, after_stmt):
        return name in (self.varied_after.get(after_stmt) or ()) and name in (self.useful_after.get(after_stmt) or ())


def arg_ndims(ctx):
    """Parameter -> number of dimensions, where the code is specialized to the arguments' shapes."""
    return {name: len(shape) for name, shape in (getattr(ctx, "arg_shapes", None) or {}).items()}
