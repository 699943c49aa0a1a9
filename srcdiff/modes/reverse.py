"""Reverse mode: the adjoint of every active statement, in reverse order, from the rule templates.

The walk goes backwards through the primal program carrying the state of each adjoint
(symbolically zero, or held in a variable or expression). The first contribution to an adjoint
is a plain assignment, later ones add to it; a branch or loop whose paths disagree gets explicit
zeros. Every primal value the adjoint code reads is recorded with its position so the
to-be-recorded analysis can decide what the forward sweep must tape.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from .. import ir
from ..analysis.aliases import written_arrays
from ..analysis.tbr import analyse as analyse_tbr
from ..backend.ranges import descending
from ..errors import MissingRuleError, located
from ..lower.ops import atom_names
from ..runtime.helpers import owned
from .adjoint_exprs import Adj, copy_expr, expr_names, same_expr
from .adjoints import Accumulator
from . import reverse_facts
from .reverse_facts import FactsView
from .reverse_prep import PrepareMixin, view_bases
from .statements import StatementMixin, index_value


@dataclass(eq=False)
class LoopStart(ir.Stmt):
    """Placeholder at the top of a reverse loop body: pops of the values saved per iteration."""

    loop: object
    line: int = 0


@dataclass(eq=False)
class Restore(ir.Stmt):
    """Placeholder where the reverse sweep pops values pushed before ``stmt``."""

    stmt: object
    line: int = 0


class ReverseMode(FactsView, PrepareMixin, StatementMixin):
    """Builds the forward sweep (primal + pushes) and reverse sweep (adjoints + pops)."""

    def __init__(self, ctx, fn_def, classify, wrt, seed, scalars=frozenset(), containers=frozenset(),
                 seed_names=None):
        self.ctx = ctx
        # the reverse sweep restores these in place, so an adjoint must not be one of them (``d_b = a``)
        self.facts = reverse_facts.draft(fn_def, {p.name for p in fn_def.params} | ctx.locals,
                                         written_arrays(fn_def, classify))
        self.classify = classify
        self.wrt = list(wrt)
        self.seed = seed  # expression of the output's adjoint: Const(1.0) or the cotangent name
        self.acc = Accumulator(ctx, self)
        self.reads_before = {}
        self.reads_after = {}
        self.reads_head = {}
        self.scalars = frozenset(scalars)  # parameters known to be Python numbers in this specialization
        self.container_params = frozenset(containers)  # parameters that are lists, tuples or dicts
        self.seed_names = seed_names  # names whose adjoint is seeded (default: the returned value)
        self._comment_line = None
        self._analysed = None  # the tree the activity, shapes and containers are of
        self._shape_alias = {}  # a probe statement of split_self_overwrites -> the statement it stands for

    # ------------------------------------------------------------------ names

    @property
    def adj_names(self):
        """primal name -> the variable holding its adjoint (``Accumulator.adj_names``)."""
        return self.acc.adj_names

    def helper(self, name, obj):  # for the assembly of the sweeps
        return self.acc.helper(name, obj)

    def zeros(self, atom, stmt=None, after=False):
        return self.acc.zeros(atom, stmt, after)

    def full(self, a):
        return self.acc.full(a)

    def fail_rule(self, s, op):
        text = self.ctx.origin_text.get(s.line, "")
        raise MissingRuleError(located(self.ctx.filename, s.line, text, op.error or
                                       "cannot differentiate %s" % op.name,
                                       op.fix or "Register a rule with @srcdiff.adjoint."))

    # --------------------------------------------------------------- prepare

    def rev_block(self, stmts, state):
        code = []
        saved_line = self._comment_line
        self._comment_line = None
        for s in reversed(stmts):
            state = self.rev_stmt(s, state, code)
        self._comment_line = saved_line
        return code, state

    def comment(self, s, code):
        text = self.ctx.origin_text.get(s.line)
        if text and s.line != self._comment_line:
            code.append(ir.Comment(text, s.line))
            self._comment_line = s.line

    def rev_stmt(self, s, state, code):
        if isinstance(s, ir.If):
            return self.rev_if(s, state, code)
        if isinstance(s, (ir.For, ir.While)):
            return self.rev_loop(s, state, code)
        if isinstance(s, (ir.Break, ir.Continue, ir.Pass)):
            return state
        if isinstance(s, ir.Return):
            return self.rev_return(s, state)
        op = self.classify(s)
        state = dict(state)
        if self.activity.active(s) or self.stack_pop(s, op):
            result_adj = [n for n in op.defines() + op.mutates() if n in state]
            if result_adj or self.stack_pop(s, op):
                block = []
                reads = self.emit_adjoint(s, op, state, self.activity.varied_before.get(s) or frozenset(), block)
                if block:
                    self.comment(s, code)
                    code.extend(block)
                self.reads_after[s] = frozenset(reads)
        else:
            for n in op.defines():
                state.pop(n, None)
        code.append(Restore(s, s.line))
        return state

    def stack_pop(self, s, op):
        """A pop of a varied stack: its adjoint is pushed even when zero, for the appends to match."""
        return op.kind == "pop" and op.source.id in self.stacks and \
            op.source.id in (self.activity.varied_before.get(s) or ())

    def rev_return(self, s, state):
        state = dict(state)
        for n in atom_names(s.value) if self.seed_names is None else self.seed_names:
            if self.activity.is_varied(n, s):
                state[n] = Adj(copy_expr(self.seed), owned=False)
        return state

    # ------------------------------------------------------------ adjoints

    def rev_if(self, s, state, code):
        then_code, then_state = self.rev_block(s.body, dict(state))
        else_code, else_state = self.rev_block(s.orelse, dict(state))
        merged = {}
        zero_reads = set()
        for name in sorted(set(then_state) | set(else_state)):
            a, b = then_state.get(name), else_state.get(name)
            if a is not None and b is not None and same_expr(a.expr, b.expr) and a.negated == b.negated and \
                    ((a.like is None and b.like is None) or (a.like is not None and b.like is not None
                                                              and same_expr(a.like, b.like))):
                merged[name] = Adj(a.expr, a.owned and b.owned, a.like, a.negated, a.listed and b.listed)
                continue
            var = self.acc.adj(name)
            for branch_code, branch_state in ((then_code, then_state), (else_code, else_state)):
                if name not in branch_state:
                    self.acc.release(var, branch_state, branch_code, keep=name)
                    branch_code.append(ir.Assign([ir.Name(var)], self.acc.zeros(ir.Name(name), s)))
                    branch_state[name] = Adj(ir.Name(var), owned=True)
                    zero_reads |= self.acc.primal_reads(branch_code[-1])  # none for a scalar's 0.0
                else:
                    self.acc.materialize(name, branch_state, branch_code)
            merged[name] = Adj(ir.Name(var), then_state[name].owned and else_state[name].owned,
                               listed=then_state[name].listed and else_state[name].listed)
        self.reads_before[s] = frozenset(zero_reads)
        self.reads_after[s] = frozenset(n.id for n in ir.walk(s.test) if isinstance(n, ir.Name))
        if then_code or else_code:
            if _has_work(then_code) or _has_work(else_code):
                self.comment(s, code)
            code.append(ir.If(copy_expr(s.test), then_code, else_code, s.line))
        return merged

    # --------------------------------------------------------------- loops

    def rev_loop(self, s, state, code):
        state = dict(state)
        pre = []
        for name in sorted(state):  # loop-carried adjoints live in their own variables
            self.acc.materialize(name, state, pre)
        head = dict(state)
        init_reads = set()
        outer_updates = set(self.acc.updated_in_place)
        for _ in range(6):
            snapshot = (set(self.ctx.namer.taken), dict(self.ctx.namer.counters), dict(self.acc.adj_names),
                        dict(self.reads_after), dict(self.reads_before), dict(self.reads_head))
            self.acc.updated_in_place = set()
            body_code, end = self.rev_block(s.body, dict(head))
            missing = [n for n in sorted(end) if n not in head]
            owned_lost = [n for n in sorted(head) if head[n].owned and n in end and not end[n].owned]
            # an adjoint updated in place inside the loop is copied once before it, not every iteration
            copy_first = [n for n in sorted(self.acc.updated_in_place) if n in head and self.acc.unowned(n, head[n])
                          and n in end and not self.acc.unowned(n, end[n])]
            if not missing and not owned_lost and not copy_first:
                break
            (self.ctx.namer.taken, self.ctx.namer.counters, self.acc.adj_names,
             self.reads_after, self.reads_before, self.reads_head) = snapshot
            for n in missing:
                var = self.acc.adj(n)
                self.acc.release(var, head, pre, keep=n)
                pre.append(ir.Assign([ir.Name(var)], self.acc.zeros(ir.Name(n), s, after=True)))
                head[n] = Adj(ir.Name(var), owned=True)
                init_reads |= self.acc.primal_reads(pre[-1])
            for n in owned_lost:
                head[n] = Adj(head[n].expr, owned=False, like=head[n].like, negated=head[n].negated,
                              listed=head[n].listed)
            for n in copy_first:
                self.acc.ensure_owned(n, head, pre)
        self.acc.updated_in_place |= outer_updates
        # bring the end-of-iteration state back to the loop-head state
        tail = []
        head_reads = set()
        for n in sorted(head):
            var = self.acc.adj(n)
            if n not in end:
                self.acc.release(var, end, tail, keep=n)
                tail.append(ir.Assign([ir.Name(var)], self.acc.zeros(ir.Name(n))))
                head_reads |= self.acc.primal_reads(tail[-1])
            elif not self.acc.is_plain(end[n], var):
                self.acc.release(var, end, tail, keep=n)
                tail.append(ir.Assign([ir.Name(var)], self.acc.full(end[n])))
        self.reads_head[s] = frozenset(head_reads)
        loop_reads = set(init_reads)
        body_reads = set()
        for c in body_code + tail:
            body_reads |= self.acc.primal_reads(c)
        again = [copy.deepcopy(r) for r in self.plan.recompute.get(s, [])
                 if r.targets[0].id in body_reads]
        for r in again:
            loop_reads |= {n for n in self.classify(r).reads() if n not in ir.target_names(s.target)}
        body_code = [LoopStart(s, s.line)] + again + body_code
        header = self.reverse_header(s)
        loop_reads |= {n.id for n in ir.walk(header[1]) if isinstance(n, ir.Name) and n.id in self.primal_names}
        self.reads_after[s] = frozenset(loop_reads)
        if _has_work(body_code) or tail:
            self.comment(s, code)
        code.extend(pre)
        if body_code or tail:
            code.append(ir.For(header[0], header[1], body_code + tail, [], s.line))
        code.append(Restore(s, s.line))
        return head

    def reverse_header(self, s):
        """(target, iterable) of the loop that replays ``s``'s iterations backwards."""
        count = self.trip_counters.get(s)
        if isinstance(s, ir.While):
            return ir.Name(self.ctx.namer.fresh("_")), ir.Call(ir.Name("range"), [ir.Name(count)], [])
        rng = copy_expr(s.iter)
        if not self.ctx.target.reversed_ranges:
            return copy_expr(s.target), descending(rng, count, self.ctx, s.line)
        if count is not None:
            rng = ir.Subscript(rng, ir.Slice(None, ir.Name(count), None))
        return copy_expr(s.target), ir.Call(ir.Name("reversed"), [rng], [])

    # -------------------------------------------------------------- driver

    def run(self):
        """Walk the function; returns (forward statements, reverse statements, final state)."""
        self.freeze()
        code, state = self.rev_block(self.fn.body, {})
        views = view_bases(self.fn, self.classify)
        if views:  # reading a view of an array written in place reads that array
            for table in (self.reads_before, self.reads_after, self.reads_head):
                for key, names in list(table.items()):
                    table[key] = frozenset(names) | {b for n in names for b in views.get(n, ())}
        pinned = {s: frozenset(ir.target_names(info.target)) | {a.id for a in info.args if isinstance(a, ir.Name)}
                  for s, info in self.call_info.items() if not info.checkpoint}
        push_before, predefine, saves, end_push = analyse_tbr(self.fn, self.classify, self.reads_before,
                                                              self.reads_after, self.reads_head, self.plan,
                                                              pinned)
        self.push_before = push_before
        self.predefine = predefine
        # a stack's primal list is never read in the reverse sweep: its pushes and pops need no undoing
        self.saves = {k: v for k, v in saves.items() if k not in self.put_back and v not in self.stacks}
        self.end_push = end_push
        return code, state


def _has_work(code):
    return any(not isinstance(c, (Restore, ir.Comment)) for c in code)


def _negate(test):
    if isinstance(test, ir.UnaryOp) and test.op == "not":
        return test.operand
    return ir.UnaryOp("not", test)


__all__ = ["ReverseMode", "Restore", "LoopStart", "Adj", "owned", "index_value", "expr_names"]
