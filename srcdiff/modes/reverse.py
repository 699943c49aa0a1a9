"""Reverse mode: the adjoint of every active statement, in reverse order, from the rule templates.

The walk goes backwards through the primal program carrying the state of each adjoint
(symbolically zero, or held in a variable or expression). The first contribution to an adjoint
is a plain assignment, later ones add to it; a branch or loop whose paths disagree gets explicit
zeros. Every primal value the adjoint code reads is recorded with its position so the
to-be-recorded analysis can decide what the forward sweep must tape.
"""
from __future__ import annotations

import copy
import inspect
import numbers
import types
from dataclasses import dataclass

from .. import calls, frontend, ir
from ..analysis.activity import Activity
from ..analysis.shapes import Shapes
from ..analysis.tbr import analyse as analyse_tbr
from ..analysis.tbr import plan_loops
from ..errors import MissingRuleError, NonDifferentiableError, located
from ..ops import atom_names
from ..rules.registry import shape_kind
from ..rules import kernels
from ..runtime import (add, add_at, as_sequence, broadcast_count, expand, owned, snapshot, unbroadcast,
                       written_part, zeros_like)

# functions whose result may be a list or tuple (their adjoints add with ``runtime.add``)
_CONTAINER_RESULTS = {as_sequence, kernels.dict_values, kernels.dict_items, kernels.dict_keys, list, tuple,
                      kernels.unstack, kernels.split_like}

# helpers whose result is always a new object
_FRESH_HELPERS = {zeros_like, add, snapshot, kernels.unstack, kernels.split_like, kernels.matmul_lhs,
                  kernels.matmul_rhs, kernels.trace_adjoint, kernels.cumsum_adjoint, kernels.diff_adjoint}
from ..template import Contribution, Filler, Zero, fold, negate


@dataclass
class CallInfo:
    """How to differentiate one call of a user function."""

    backward: str  # name bound to the callee's generated backward function
    forward: str
    residuals: str  # the variable holding what the callee's forward returned for its backward
    active: list  # call-site atoms of the parameters differentiated, in the callee's order
    target: object
    checkpoint: bool
    args: list
    keywords: list


@dataclass
class Adj:
    """The current value of one adjoint: an expression (usually its variable) and ownership.

    When ``like`` is set the adjoint is *lazy*: ``expr`` is a scalar standing for an array of
    ``like``'s shape filled with it (the adjoint of ``sum``), broadcast only where needed.
    """

    expr: ir.Expr
    owned: bool = False
    like: ir.Expr = None
    negated: bool = False  # the adjoint is ``-expr`` (a negation folded into whoever reads it)


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


def _same(a, b):
    if isinstance(a, ir.Name) and isinstance(b, ir.Name):
        return a.id == b.id
    if isinstance(a, ir.Const) and isinstance(b, ir.Const):
        return a.value == b.value and type(a.value) is type(b.value)
    return False


def _copy_expr(e):
    return copy.deepcopy(e)


class ReverseMode:
    """Builds the forward sweep (primal + pushes) and reverse sweep (adjoints + pops)."""

    def __init__(self, ctx, fn_def, classify, wrt, seed, scalars=frozenset(), containers=frozenset(),
                 seed_names=None):
        self.ctx = ctx
        self.fn = fn_def
        self.classify = classify
        self.wrt = list(wrt)
        self.seed = seed  # expression of the output's adjoint: Const(1.0) or the cotangent name
        self.adj_names = {}
        self.reads_before = {}
        self.reads_after = {}
        self.reads_head = {}
        self.primal_names = {p.name for p in fn_def.params} | ctx.locals
        self.trip_counters = {}  # loop -> name counting its iterations
        self.scalars = frozenset(scalars)  # parameters known to be Python numbers in this specialization
        self.container_params = frozenset(containers)  # parameters that are lists, tuples or dicts
        self.containers = set()
        self.call_info = {}  # statement calling a callee's forward function -> CallInfo
        self.seed_names = seed_names  # names whose adjoint is seeded (default: the returned value)
        self._updated_in_place = set()  # adjoints written in place (their loops copy them once, before)
        self._state_view = {}
        self._comment_line = None

    # ------------------------------------------------------------------ names
    def adj(self, name):
        if name not in self.adj_names:
            self.adj_names[name] = self.ctx.namer.fresh("d_" + name)
        return self.adj_names[name]

    def neg_adj(self, name):
        """The variable holding *minus* the adjoint of ``name`` (a negation not yet applied)."""
        key = ("neg", name)
        if key not in self.adj_names:
            self.adj_names[key] = self.ctx.namer.fresh("neg_d_" + name)
        return self.adj_names[key]

    def helper(self, name, obj):
        return ir.Name(self.ctx.bind(name, obj))

    def fail_rule(self, s, op):
        text = self.ctx.origin_text.get(s.line, "")
        raise MissingRuleError(located(self.ctx.filename, s.line, text, op.error or
                                       "cannot differentiate %s" % op.name,
                                       op.fix or "Register a rule with @srcdiff.adjoint."))

    # --------------------------------------------------------------- prepare
    def prepare(self):
        """Add iteration counters and split self-overwrites; then compute activity."""
        self.fn = ir.FunctionDef(self.fn.name, self.fn.params, self._count_trips(self.fn.body), self.fn.line)
        self.ctx.locals |= set(self.trip_counters.values())
        self.primal_names |= set(self.trip_counters.values())
        self.activity = self._activity()
        self.shapes = Shapes(self.fn, self.classify, self.ctx, self.scalars, shape_kind)
        self.containers = maybe_containers(self.fn.body, self.classify, self.container_params)
        rewritten = self._rewrite_calls(self.fn.body)
        if rewritten is not None:
            self.fn = ir.FunctionDef(self.fn.name, self.fn.params, rewritten, self.fn.line)
            self.ctx.locals |= {info.residuals for info in self.call_info.values()}
            self.primal_names |= self.ctx.locals
            self.activity = self._activity()
            self.shapes = Shapes(self.fn, self.classify, self.ctx, self.scalars, shape_kind)
        self._refuse_effect_calls()
        self._shape_alias = {}
        body = self._split_self_overwrites(self.fn.body, in_loop=False)
        if body is not None:
            self.fn = ir.FunctionDef(self.fn.name, self.fn.params, body, self.fn.line)
            self.activity = self._activity()
            self.containers = maybe_containers(self.fn.body, self.classify, self.container_params)
        self.shapes = Shapes(self.fn, self.classify, self.ctx, self.scalars, shape_kind)
        self.plan = plan_loops(self.fn, self.classify,
                               lambda loop: isinstance(loop, ir.For) and loop in self.trip_counters)

    def _activity(self):
        seeds = (lambda op: atom_names(op.source)) if self.seed_names is None else (lambda op: self.seed_names)
        return Activity(self.fn, self.classify, self.wrt, seeds)

    def _count_trips(self, body):
        out = []
        for s in body:
            if isinstance(s, (ir.For, ir.While)):
                inner = self._count_trips(s.body)
                if isinstance(s, ir.While) or _breaks(inner):
                    count = self.ctx.namer.fresh("count")
                    self.trip_counters_by_name = getattr(self, "trip_counters_by_name", {})
                    out.append(ir.Assign([ir.Name(count)], ir.Const(0), s.line))
                    inner = [ir.Assign([ir.Name(count)], ir.BinOp("+", ir.Name(count), ir.Const(1)), s.line)] + inner
                    loop = ir.For(s.target, s.iter, inner, [], s.line) if isinstance(s, ir.For) else \
                        ir.While(s.test, inner, [], s.line)
                    self.trip_counters[loop] = count
                    out.append(loop)
                else:
                    out.append(ir.For(s.target, s.iter, inner, [], s.line))
            elif isinstance(s, ir.If):
                out.append(ir.If(s.test, self._count_trips(s.body), self._count_trips(s.orelse), s.line))
            else:
                out.append(s)
        return out

    def _split_self_overwrites(self, body, in_loop):
        """``x = f(x)`` whose adjoint needs the old ``x`` becomes ``x2 = f(x); x = x2``."""
        changed = False
        out = []
        for s in body:
            if isinstance(s, (ir.For, ir.While, ir.If)):
                blocks = [self._split_self_overwrites(b, in_loop or not isinstance(s, ir.If)) for b in ir.blocks(s)]
                if any(b is not None for b in blocks):
                    changed = True
                    new = [b if b is not None else old for b, old in zip(blocks, ir.blocks(s))]
                    if isinstance(s, ir.If):
                        s = ir.If(s.test, new[0], new[1], s.line)
                    elif isinstance(s, ir.For):
                        s = ir.For(s.target, s.iter, new[0], s.orelse, s.line)
                        self._move_counter(s, body, out)
                    else:
                        s = ir.While(s.test, new[0], s.orelse, s.line)
                        self._move_counter(s, body, out)
                out.append(s)
                continue
            op = self.classify(s)
            overlap = set(op.defines()) & set(op.diff_inputs())
            if overlap and self.activity.active(s) and self._reads_old_value(s, op, overlap):
                changed = True
                renames = {}
                for name in sorted(overlap):
                    renames[name] = self.ctx.namer.fresh(name)
                    self.ctx.locals.add(renames[name])
                    self.primal_names.add(renames[name])
                target = _rename_target(op.target, renames)
                first = ir.Assign([target], s.value, s.line)
                if s in self.call_info:
                    self.call_info[first] = self.call_info.pop(s)
                    info_target = self.call_info[first].target
                    self.call_info[first].target = _rename_target(info_target, renames)
                out.append(first)
                for name in sorted(overlap):
                    out.append(ir.Assign([ir.Name(name)], ir.Name(renames[name]), s.line))
                continue
            out.append(s)
        return out if changed else None

    def _rewrite_calls(self, body):
        """Active calls of user functions call the callee's generated forward function instead."""
        changed = False
        out = []
        for s in body:
            if isinstance(s, (ir.If, ir.For, ir.While)):
                blocks = [self._rewrite_calls(b) for b in ir.blocks(s)]
                if any(b is not None for b in blocks):
                    changed = True
                    new = [b if b is not None else old for b, old in zip(blocks, ir.blocks(s))]
                    if isinstance(s, ir.If):
                        s = ir.If(s.test, new[0], new[1], s.line)
                    elif isinstance(s, ir.For):
                        loop = ir.For(s.target, s.iter, new[0], s.orelse, s.line)
                        self._retarget_counter(s, loop)
                        s = loop
                    else:
                        loop = ir.While(s.test, new[0], s.orelse, s.line)
                        self._retarget_counter(s, loop)
                        s = loop
                out.append(s)
                continue
            op = self.classify(s)
            if op.kind == "call" and self.activity.active(s):
                out.extend(self._call_statements(s, op))
                changed = True
                continue
            out.append(s)
        return out if changed else None

    def _refuse_effect_calls(self):
        """A call whose result is dropped may change a differentiated value in place: refuse it."""
        for s in ir.walk(self.fn):
            if not isinstance(s, ir.ExprStmt):
                continue
            op = self.classify(s)
            if op.kind in ("call", "opaque") and set(op.diff_inputs()) & set(self.activity.varied_before.get(s) or ()):
                raise NonDifferentiableError(located(
                    self.ctx.filename, s.line, self.ctx.origin_text.get(s.line, ""),
                    "the result of this call of %s is not used, so it can only matter by changing a "
                    "differentiated value in place, which srcdiff cannot follow" % op.name,
                    "Make the function return the new value and assign it, e.g. `y = %s(...)`."
                    % op.name.strip("`")))

    def _retarget_counter(self, old, new):
        if old in self.trip_counters:
            self.trip_counters[new] = self.trip_counters.pop(old)

    def _call_statements(self, s, op):
        callee = op.callee
        text = self.ctx.origin_text.get(s.line, "")
        if not calls.is_plain_function(callee) or not isinstance(op.target, (ir.Name, ir.Tuple)):
            raise NonDifferentiableError(located(
                self.ctx.filename, s.line, text,
                "srcdiff differentiates calls of plain functions, not of %s (methods of user classes "
                "and callable objects are not supported)" % type(callee).__name__,
                "Call a module-level function and pass the object's arrays to it as arguments."))
        if any(isinstance(a, ir.Starred) for a in op.args):
            raise NonDifferentiableError(located(self.ctx.filename, s.line, text,
                                                 "srcdiff cannot differentiate a call with *args",
                                                 "Pass the arguments one by one."))
        try:
            binding = calls.bind_arguments(callee, op.args, op.keywords)
        except TypeError as exc:
            raise NonDifferentiableError(located(self.ctx.filename, s.line, text,
                                                 "the call does not match %s's signature: %s" % (op.name, exc),
                                                 "Fix the call's arguments.")) from None
        varied = set(self.activity.varied_before.get(s) or ())
        params = list(inspect.signature(callee).parameters)
        active = [p for p in params if p in binding and set(atom_names(binding[p])) & varied]
        scalars = {p for p, a in binding.items() if self.shapes.of(a, s) == frozenset()}
        for p, default in zip(reversed(params), reversed(callee.__defaults__ or ())):
            if p not in binding and isinstance(default, (int, float)):
                scalars.add(p)
        containers = {p for p, a in binding.items() if set(atom_names(a)) & self.containers}
        statics = calls.static_arguments(callee, binding, self.ctx)
        split_functions = calls.split_functions
        split_functions.last_guards = []
        fwd, bwd, pending = split_functions(callee, active, frozenset(scalars), frozenset(containers), statics)
        self.ctx.guard(op.stmt.value.func, callee)
        self.ctx.guards.extend(split_functions.last_guards)
        stem = callee.__name__
        if pending is not None and pending.ctx is self.ctx:  # recursion: call ourselves by name
            fwd_name, bwd_name = pending.names["forward"], pending.names["backward"]
            self.ctx.helpers[fwd_name], self.ctx.helpers[bwd_name] = fwd, bwd
        else:
            fwd_name = self.ctx.bind(stem + "_forward", fwd)
            bwd_name = self.ctx.bind(stem + "_backward", bwd)
        residuals = self.ctx.namer.fresh(stem + "_saved")
        info = CallInfo(bwd_name, fwd_name, residuals, [binding[p] for p in active], op.target,
                        calls.is_checkpointed(callee), list(op.args), list(op.keywords))
        if info.checkpoint:
            self.call_info[s] = info
            return [s]
        value = op.target if isinstance(op.target, ir.Name) else ir.Name(self.ctx.namer.fresh(stem + "_value"))
        call = ir.Call(ir.Name(fwd_name), [_copy_expr(a) for a in op.args],
                       [ir.Keyword(k, _copy_expr(v)) for k, v in op.keywords])
        new = ir.Assign([ir.Tuple([ir.Name(value.id), ir.Name(residuals)])], call, s.line)
        info.target = ir.Name(value.id)
        self.call_info[new] = info
        out = [new]
        if not isinstance(op.target, ir.Name):
            out.append(ir.Assign([op.target], ir.Name(value.id), s.line))
            self.ctx.locals.add(value.id)
        return out

    def emit_call(self, s, info, state, varied, code):
        """The adjoint of a call: the callee's backward function applied to the output's adjoint."""
        dy = self.lookup(state)(info.target)
        for n in ir.target_names(info.target) + [info.residuals]:
            state.pop(n, None)
        if isinstance(dy, Zero) or not info.active:
            return set()
        ct = _materialize_zeros(dy, self)
        if isinstance(ct, Zero):
            ct = self.zeros(info.target)
        if info.checkpoint:
            call = ir.Call(ir.Name(info.forward), [_copy_expr(a) for a in info.args],
                           [ir.Keyword(k, _copy_expr(v)) for k, v in info.keywords])
            unused = self.ctx.namer.fresh("_")
            code.append(ir.Assign([ir.Tuple([ir.Name(unused), ir.Name(info.residuals)])], call))
        grads = [ir.Name(self.ctx.namer.fresh("g_" + (atom.id if isinstance(atom, ir.Name) else "arg")))
                 for atom in info.active]
        target = grads[0] if len(grads) == 1 else ir.Tuple(grads)
        code.append(ir.Assign([target], ir.Call(ir.Name(info.backward), [ir.Name(info.residuals), ct], [])))
        for atom, g in zip(info.active, grads):
            self.contribute(atom, ir.Name(g.id), state, varied, code)
        reads = set()
        for c in code:
            reads |= self.primal_reads(c)
        return reads

    def _move_counter(self, new_loop, body, out):
        for old, name in list(self.trip_counters.items()):
            if old in body:
                self.trip_counters[new_loop] = name

    def _reads_old_value(self, s, op, overlap):
        """Would the adjoint of ``s`` read a name ``s`` overwrites (as an input)?"""
        if s in self.call_info:  # only a recomputed (checkpointed) call reads its arguments again
            return self.call_info[s].checkpoint
        if not isinstance(op.target, ir.Name):
            return True
        sentinel = "__srcdiff_old__"
        self._probe_original = {sentinel: sorted(overlap)[0]} if len(overlap) == 1 else {}
        renamed = ir.Assign([ir.Name(op.target.id)], _rename_names(s.value, overlap, sentinel), s.line)
        probe_op = self.classify.classify(renamed)
        self._shape_alias[renamed] = s
        snapshot = (set(self.ctx.namer.taken), dict(self.ctx.namer.counters), dict(self.ctx.helpers),
                    dict(self.adj_names))
        varied = set(self.activity.varied_before.get(s) or ()) | {sentinel}
        state = {op.target.id: Adj(ir.Name("__srcdiff_dy__"))}
        code = []
        try:
            self.emit_adjoint(renamed, probe_op, state, varied, code)
        finally:
            self.ctx.namer.taken, self.ctx.namer.counters, self.ctx.helpers, self.adj_names = snapshot
        return any(isinstance(n, ir.Name) and n.id == sentinel for c in code for n in ir.walk(c))

    # ------------------------------------------------------------ the walk
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
        if self.activity.active(s):
            result_adj = [n for n in op.defines() + op.mutates() if n in state]
            if result_adj:
                block = []
                reads = self.emit_adjoint(s, op, state, set(self.activity.varied_before.get(s) or ()), block)
                if block:
                    self.comment(s, code)
                    code.extend(block)
                self.reads_after[s] = frozenset(reads)
        else:
            for n in op.defines():
                state.pop(n, None)
        code.append(Restore(s, s.line))
        return state

    def rev_return(self, s, state):
        state = dict(state)
        for n in atom_names(s.value) if self.seed_names is None else self.seed_names:
            if self.activity.is_varied(n, s):
                state[n] = Adj(_copy_expr(self.seed), owned=False)
        return state

    # ------------------------------------------------------------ adjoints
    def lookup(self, state, lazy_ok=False):
        def find(atom):
            if isinstance(atom, ir.Name) and atom.id in state:
                a = state[atom.id]
                if a.like is not None and not lazy_ok:
                    return self.expanded(a)
                return self.signed(a)
            if isinstance(atom, (ir.Tuple, ir.List)):
                return ir.Tuple([find(e) for e in atom.elts])
            return Zero(atom)
        return find

    def emit_adjoint(self, s, op, state, varied, code):
        """Append the adjoint of one simple statement to ``code``; return primal names read."""
        kind = op.kind
        if s in self.call_info:
            return self.emit_call(s, self.call_info[s], state, varied, code)
        if kind in ("opaque", "call"):
            if any(n in varied for n in op.diff_inputs()):
                if kind == "call":
                    raise NonDifferentiableError(located(
                        self.ctx.filename, s.line, self.ctx.origin_text.get(s.line, ""),
                        "a call of %s whose result is not assigned to a name cannot be differentiated "
                        "(it may change its arguments in place)" % op.name,
                        "Return the new values from the function and assign them."))
                self.fail_rule(s, op)
            for n in op.defines():
                state.pop(n, None)
            return set()
        if kind in ("nondiff", "empty"):
            for n in op.defines():
                state.pop(n, None)
            return set()
        if kind in ("pop", "scatter"):
            raise NonDifferentiableError(located(
                self.ctx.filename, s.line, self.ctx.origin_text.get(s.line, ""),
                "reverse mode over generated code that keeps a tape is not supported",
                "Use srcdiff.hessian or srcdiff.hvp (forward mode over the gradient) for second derivatives."))
        lazy_ok = (kind == "rule" and op.rule.elementwise) or (kind == "copy" and isinstance(op.target, ir.Name)) \
            or kind == "index"
        lazy = isinstance(op.target, ir.Name) and op.target.id in state and state[op.target.id].like is not None \
            and lazy_ok
        dy = self.lookup(state, lazy_ok)(op.target if op.target is not None else ir.Const(None))
        full_dy = self.lookup(state)(op.target) if lazy else dy
        if kind in ("store", "append"):
            return self.emit_mutation(s, op, state, varied, code)
        for n in op.defines():
            state.pop(n, None)
        items = []
        if kind == "rule":
            if op.rule.adjoint is None:
                raise MissingRuleError(located(self.ctx.filename, s.line, self.ctx.origin_text.get(s.line, ""),
                                               "%s has no reverse-mode rule" % op.rule.name,
                                               "Register one with @srcdiff.adjoint(%s)." % op.rule.name))
            active_params = {p for p, atom in op.binding.items()
                             if any(n in varied for n in atom_names(atom))}
            if op.rule.check is not None:  # arguments known now that the rule cannot honour
                problem = op.rule.check(op.binding)
                if problem:
                    raise NonDifferentiableError(located(self.ctx.filename, s.line,
                                                         self.ctx.origin_text.get(s.line, ""), *problem))
            def instantiate(incoming):
                filler = Filler(op.rule.adjoint, op.binding, op.target,
                                adjoint=lambda a: incoming if a is op.target else self.lookup(state)(a),
                                namer=self.ctx.namer, bind_global=self.ctx.bind, line=s.line)
                return [i for i in filler.run() if not isinstance(i, Contribution) or i.param in active_params]
            items = instantiate(dy)
            if lazy and any(self.coverage(i, s, _names(dy))[0] == "ambiguous"
                            for i in items if isinstance(i, Contribution)):
                lazy = False  # some operand was broadcast: work with the full-shaped adjoint
                items = instantiate(full_dy)
            if not lazy:  # a lazy (scalar) adjoint is checked contribution by contribution below
                items = self.wrap_broadcast(op, items)
        elif kind in ("copy", "unpack"):
            items = [Contribution(op.source, dy, "source", s.line)] if isinstance(op.target, ir.Name) else \
                [Contribution(op.source, self.tuple_adjoint(op.target, dy), "source", s.line)]
        elif kind == "index":
            return self.emit_index(s, op, state, varied, code, dy)
        elif kind == "build":
            items = self.build_items(op, dy, s.line)
        items = _combine_contributions(_drop_dead_locals(items))
        self._state_view = state
        items = self.hold_incoming(items, dy, code)
        reads = set()
        for item in items:
            if isinstance(item, Contribution):
                like = None
                if lazy:
                    _, like, value = self.coverage(item, s, _names(dy))
                    item = Contribution(item.target, value, item.param, item.line)
                self.contribute(item.target, item.value, state, varied, code, like=like)
            else:
                code.append(item)
        for c in code:
            reads |= self.primal_reads(c)
        return reads

    def hold_incoming(self, items, dy, code):
        """Keep the incoming adjoint in its own variable when an input's adjoint is about to be
        written into the variable it lives in while a later contribution still reads it."""
        if not isinstance(dy, ir.Name) or dy.id in self.primal_names:
            return items
        contributions = [i for i in items if isinstance(i, Contribution)]
        readers = [c for c in contributions if dy.id in _names(c.value)]
        # variables the contributions may write: the targets' adjoints, and those of adjoints
        # aliasing them (they get their own variable first)
        written = set()
        for c in contributions:
            if isinstance(c.target, ir.Name) and not (isinstance(c.value, ir.Name) and c.value.id == dy.id):
                written |= {self.adj(c.target.id), self.neg_adj(c.target.id)}
        grown = True
        while grown:
            grown = False
            for name, a in state_items(self._state_view):
                if isinstance(a.expr, ir.Name) and a.expr.id in written and self.adj(name) not in written:
                    written.add(self.adj(name))
                    grown = True
        if dy.id in written and (len(readers) > 1 or any(
                isinstance(c.target, ir.Name) and dy.id not in (self.adj(c.target.id), self.neg_adj(c.target.id))
                for c in readers)):
            held = ir.Name(self.ctx.namer.fresh(dy.id + "_out"))
            code.append(ir.Assign([held], _copy_expr(dy)))
            return [Contribution(i.target, _rename_names(i.value, {dy.id}, held.id), i.param, i.line)
                    if isinstance(i, Contribution) else i for i in items]
        return items

    def tuple_adjoint(self, target, dy):
        """The adjoint of a tuple target as a tuple (zeros for components nothing reached)."""
        elts = dy.elts if isinstance(dy, ir.Tuple) else [Zero(e) for e in target.elts]
        out = []
        for e, d in zip(target.elts, elts):
            out.append(self.zeros(e) if isinstance(d, Zero) else d)
        return ir.Tuple(out)

    def build_items(self, op, dy, line):
        lit = op.source
        items = []
        if isinstance(dy, ir.Const):  # a scalar seed on a container output: refused at run time
            return items
        if isinstance(lit, ir.Dict):
            for k, v in zip(lit.keys, lit.values):
                items.append(Contribution(v, fold(ir.Subscript(_copy_expr(dy), _copy_expr(k))), "source", line))
        else:
            for i, e in enumerate(lit.elts):
                if isinstance(e, ir.Starred):
                    continue
                items.append(Contribution(e, fold(ir.Subscript(_copy_expr(dy), ir.Const(i))), "source", line))
        return items

    def wrap_broadcast(self, op, items):
        """Sum contributions back over broadcast axes where an elementwise rule can broadcast."""
        if not op.rule.elementwise:
            return items
        arrays = [a for a in op.binding.values() if not isinstance(a, ir.Const)]
        if len(arrays) < 2:
            return items
        stmt = self._shape_alias.get(op.stmt, op.stmt)
        result = self.shapes.of(op.target, stmt, after=True)
        out = []
        for item in items:
            if isinstance(item, Contribution) and not isinstance(item.target, ir.Const) and \
                    not self.shapes.same(self._input_class(item.target, stmt), result):
                item = Contribution(item.target, self.unbroadcast(item.value, item.target), item.param, item.line)
            out.append(item)
        return out

    def unbroadcast(self, value, target):
        """``unbroadcast(value, target)``, with a sign pulled outside (it is linear)."""
        value = fold(value)
        inner, negated = (value.operand, True) if isinstance(value, ir.UnaryOp) and value.op == "-" else (value, False)
        call = ir.Call(self.helper("unbroadcast", unbroadcast), [inner, _copy_expr(target)], [])
        return ir.UnaryOp("-", call) if negated else call

    def _input_class(self, atom, stmt):
        if isinstance(atom, ir.Name) and atom.id == "__srcdiff_old__":
            original = getattr(self, "_probe_original", {}).get(atom.id)
            return self.shapes.of(ir.Name(original), stmt) if original else None
        return self.shapes.of(atom, stmt)

    def zeros(self, atom, stmt=None, after=False):
        """A zero adjoint for ``atom``: ``0.0`` when the shape analysis knows it is a scalar."""
        if stmt is not None and self.shapes.of(atom, stmt, after=after) == frozenset():
            return ir.Const(0.0)
        return ir.Call(self.helper("zeros_like", zeros_like), [_copy_expr(atom)], [])

    def coverage(self, item, s, scalar_names=frozenset()):
        """For a contribution computed from a lazy (scalar) adjoint: (status, like, value).

        status "lazy": the value is still a scalar standing for an array shaped like ``like``;
        "full": the value has the target's shape (after ``unbroadcast`` when needed);
        "ambiguous": broadcasting may have happened, so the rule must see the full adjoint.
        """
        value, target = item.value, item.target
        if self._is_call_of(value, (unbroadcast, expand)):
            return "full", None, value
        stmt = self._shape_alias.get(s, s)
        classes = set()
        for n in ir.walk(value):
            if not isinstance(n, ir.Name) or n.id in scalar_names:
                continue
            if n.id in self.primal_names:
                c = self.shapes.of(n, stmt)
                if c is None:
                    c = self.shapes.of(n, stmt, after=True)
                if c is None:
                    return "ambiguous", None, value
                classes |= c
            elif not self._is_code(n):  # a global or closure value: its shape is unknown
                return "ambiguous", None, value
        target_class = self.shapes.of(target, stmt)
        result_class = self.shapes.of(self.classify(stmt).target, stmt, after=True) \
            if isinstance(self.classify(stmt).target, ir.Name) else None
        if not classes:
            if target_class is not None and target_class == result_class:
                return "lazy", _copy_expr(target), value
            result = self.classify(stmt).target
            if isinstance(result, ir.Name):  # each entry of the operand reached this many of the result
                count = ir.Call(self.helper("broadcast_count", broadcast_count), [_copy_expr(result),
                                                                                 _copy_expr(target)], [])
                return "lazy", _copy_expr(target), fold(ir.BinOp("*", value, count))
            return "ambiguous", None, value
        if frozenset(classes) == target_class:
            return "full", None, value
        if result_class is not None and frozenset(classes) == result_class:
            return "full", None, self.unbroadcast(value, target)  # shaped like the result: sum it down
        return "ambiguous", None, value

    def _is_code(self, name):
        """Does ``name`` refer to a module, function or class (not to data)?"""
        if name.id in self.ctx.helpers:
            obj = self.ctx.helpers[name.id]
        else:
            obj = self.ctx.env.lookup(name.id)
        if frontend.is_missing(obj):
            return False
        if isinstance(obj, numbers.Number) and not isinstance(obj, bool):
            return True  # a number broadcasts like a scalar
        return isinstance(obj, types.ModuleType) or callable(obj)

    def _is_call_of(self, expr, functions):
        return isinstance(expr, ir.Call) and isinstance(expr.func, ir.Name) and \
            any(self.ctx.helpers.get(expr.func.id) is f for f in functions)

    def expanded(self, a):
        """A lazy adjoint broadcast to its full shape."""
        return ir.Call(self.helper("expand", expand), [self.signed(a), _copy_expr(a.like)], [])

    @staticmethod
    def signed(a):
        """The adjoint's value with its pending negation applied."""
        return negate(_copy_expr(a.expr)) if a.negated else _copy_expr(a.expr)

    def full(self, a):
        """The adjoint's value, negated and broadcast as needed."""
        return self.expanded(a) if a.like is not None else self.signed(a)

    @staticmethod
    def is_plain(a, var):
        """Is the adjoint exactly the variable ``var`` (no pending negation or broadcast)?"""
        return isinstance(a.expr, ir.Name) and a.expr.id == var and a.like is None and not a.negated

    def contribute(self, target, value, state, varied, code, like=None):
        """Add ``value`` to the adjoint of every varied local name in ``target``."""
        if isinstance(target, (ir.Tuple, ir.List)):
            if isinstance(value, (ir.Tuple, ir.List)) and len(value.elts) == len(target.elts):
                parts = value.elts
            else:
                parts = [fold(ir.Subscript(_copy_expr(value), ir.Const(i))) for i in range(len(target.elts))]
            for t, v in zip(target.elts, parts):
                self.contribute(t, v, state, varied, code)
            return
        if not isinstance(target, ir.Name) or target.id not in varied:
            return
        value = _materialize_zeros(fold(value), self)
        if isinstance(value, Zero):
            return
        if like is None and self._is_call_of(value, (expand,)) and len(value.args) == 2 \
                and isinstance(value.args[1], ir.Name) and value.args[1].id == target.id:
            like, value = value.args[1], value.args[0]  # the adjoint of a full sum: keep it a scalar
        name = target.id
        var = self.adj(name)
        current = state.get(name)
        if current is None:
            negated = isinstance(value, ir.UnaryOp) and value.op == "-" and name not in self.containers
            if negated:
                value = value.operand
            if isinstance(value, ir.Const) or (isinstance(value, ir.Name) and value.id not in self.primal_names):
                state[name] = Adj(value, owned=False, like=like, negated=negated)  # an alias: no statement
                return
            if negated:  # the variable holds minus the adjoint, and says so in its name
                var = self.neg_adj(name)
            self.release(var, state, code, keep=name)
            code.append(ir.Assign([ir.Name(var)], value))
            owned = like is None and self.allocates(value) and not _mentions(value, var)
            state[name] = Adj(ir.Name(var), owned=owned, like=like, negated=negated)
            return
        self.release(var, state, code, keep=name)
        if name in self.containers:
            total = ir.Call(self.helper("add", add), [self.full(current), value], [])
            like = None
        else:
            total = fold(ir.BinOp("+", self.signed(current), value))
            like = current.like if (like is not None and current.like is not None) else None
        negated = isinstance(total, ir.UnaryOp) and total.op == "-"
        if negated:
            total = total.operand
            var = self.neg_adj(name)
            self.release(var, state, code, keep=name)
        code.append(ir.Assign([ir.Name(var)], total))
        state[name] = Adj(ir.Name(var), owned=like is None and not negated, like=like, negated=negated)

    def release(self, var, state, code, keep=None):
        """Before ``var`` is reassigned, give every other adjoint aliasing it its own variable."""
        for name in sorted(state):
            if name == keep:
                continue
            a = state[name]
            if isinstance(a.expr, ir.Name) and a.expr.id == var:
                own = self.adj(name)
                if own == var:
                    continue
                self.release(own, state, code, keep=name)  # whatever lives in ``own`` moves first
                code.append(ir.Assign([ir.Name(own)], ir.Name(var)))
                state[name] = Adj(ir.Name(own), owned=False, like=a.like, negated=a.negated)

    def materialize(self, name, state, code):
        """Make ``name``'s adjoint live, full-shaped, in its own variable (for merges and loops)."""
        a = state[name]
        var = self.adj(name)
        if self.is_plain(a, var):
            return
        self.release(var, state, code, keep=name)
        code.append(ir.Assign([ir.Name(var)], self.full(a)))
        state[name] = Adj(ir.Name(var), owned=(a.owned and a.like is None) or a.negated)

    def ensure_owned(self, name, state, code):
        self.materialize(name, state, code)
        a = state[name]
        self._updated_in_place.add(name)
        if a.owned:
            return
        var = self.adj(name)
        self.release(var, state, code, keep=name)
        code.append(ir.Assign([ir.Name(var)], ir.Call(ir.Attr(_copy_expr(a.expr), "copy"), [], [])))
        state[name] = Adj(ir.Name(var), owned=True)

    def emit_index(self, s, op, state, varied, code, dy):
        """``v = a[idx]``: scatter the adjoint of v into a's adjoint (adding repeated indices)."""
        base = op.source
        dy = _materialize_zeros(dy, self)
        if isinstance(dy, Zero) or not isinstance(base, ir.Name) or base.id not in varied:
            return set()
        name = base.id
        var = self.adj(name)
        stmt = self._shape_alias.get(s, s)
        direct = name not in self.containers and self.static_index(op.index, stmt)
        if name not in state:
            self.release(var, state, code, keep=name)
            code.append(ir.Assign([ir.Name(var)], self.zeros(base)))
            state[name] = Adj(ir.Name(var), owned=True)
            if direct:  # the first write into fresh zeros: a plain assignment
                code.append(ir.Assign([ir.Subscript(ir.Name(var), _copy_expr(op.index))], dy))
                return self._reads(code)
        else:
            self.materialize(name, state, code)
            self.ensure_owned(name, state, code)
        if direct:
            dy, sign = (dy.operand, "-") if isinstance(dy, ir.UnaryOp) and dy.op == "-" else (dy, "+")
            code.append(ir.AugAssign(ir.Subscript(ir.Name(var), _copy_expr(op.index)), sign, dy))
        else:
            code.append(ir.ExprStmt(ir.Call(self.helper("add_at", add_at),
                                            [ir.Name(var), index_value(op.index), dy], [])))
        return self._reads(code)

    def _reads(self, code):
        reads = set()
        for c in code:
            reads |= self.primal_reads(c)
        return reads

    def static_index(self, index, stmt):
        """An index certainly made of integers and slices (no fancy indexing, no repeats)."""
        if isinstance(index, ir.Tuple):
            return all(self.static_index(e, stmt) for e in index.elts)
        if isinstance(index, ir.Slice):
            return all(p is None or self.static_index(p, stmt) for p in (index.lower, index.upper, index.step))
        if isinstance(index, ir.Const):
            return index.value is None or index.value is Ellipsis or \
                (isinstance(index.value, int) and not isinstance(index.value, bool))
        if isinstance(index, ir.Name):
            return self.shapes.of(index, stmt) == frozenset()  # a scalar used as an index is an int
        return False

    def emit_mutation(self, s, op, state, varied, code):
        """``y[idx] = v`` and ``L.append(v)``: pass the written part's adjoint on to ``v``."""
        name = op.mutates()[0]
        if name not in state:
            return set()
        self.materialize(name, state, code)
        self.ensure_owned(name, state, code)
        var = ir.Name(self.adj(name))
        value = op.value
        if op.kind == "append":
            taken = ir.Call(ir.Attr(_copy_expr(var), "pop"), [], [])
            if isinstance(value, ir.Name) and value.id in varied:
                tmp = ir.Name(self.ctx.namer.fresh("d_item"))
                code.append(ir.Assign([_copy_expr(tmp)], taken))
                self.contribute(value, tmp, state, varied, code)
            else:
                code.append(ir.ExprStmt(taken))
        else:
            index = _copy_expr(op.index)
            part = ir.Subscript(_copy_expr(var), index)
            if isinstance(value, ir.Name) and value.id in varied:
                if self.static_index(op.index, self._shape_alias.get(op.stmt, op.stmt)):
                    picked = ir.Call(self.helper("snapshot", snapshot), [part], [])
                else:  # an index array may repeat an entry: only its last write counts
                    picked = ir.Call(self.helper("written_part", written_part),
                                     [_copy_expr(var), index_value(op.index)], [])
                stmt = self._shape_alias.get(op.stmt, op.stmt)
                if not self.shapes.same(self.shapes.of(value, stmt), frozenset()):
                    picked = ir.Call(self.helper("unbroadcast", unbroadcast), [picked, _copy_expr(value)], [])
                tmp = ir.Name(self.ctx.namer.fresh("d_" + value.id + "_part"))
                code.append(ir.Assign([_copy_expr(tmp)], picked))
                self.contribute(value, tmp, state, varied, code)
            code.append(ir.Assign([ir.Subscript(_copy_expr(var), _copy_expr(op.index))], ir.Const(0.0)))
        reads = set()
        for c in code:
            reads |= self.primal_reads(c)
        return reads

    def allocates(self, value):
        """Is ``value`` certainly a new object (safe to update in place)?"""
        if _allocates(value):
            return True
        if isinstance(value, ir.Call) and isinstance(value.func, ir.Name):
            return self.ctx.helpers.get(value.func.id) in _FRESH_HELPERS
        return False

    def primal_reads(self, stmt):
        return {n.id for n in ir.walk(stmt) if isinstance(n, ir.Name) and n.id in self.primal_names}

    # ------------------------------------------------------------ branches
    def rev_if(self, s, state, code):
        then_code, then_state = self.rev_block(s.body, dict(state))
        else_code, else_state = self.rev_block(s.orelse, dict(state))
        merged = {}
        zero_reads = set()
        for name in sorted(set(then_state) | set(else_state)):
            a, b = then_state.get(name), else_state.get(name)
            if a is not None and b is not None and _same(a.expr, b.expr) and a.negated == b.negated and \
                    ((a.like is None and b.like is None) or (a.like is not None and b.like is not None
                                                              and _same(a.like, b.like))):
                merged[name] = Adj(a.expr, a.owned and b.owned, a.like, a.negated)
                continue
            var = self.adj(name)
            for branch_code, branch_state in ((then_code, then_state), (else_code, else_state)):
                if name not in branch_state:
                    self.release(var, branch_state, branch_code, keep=name)
                    branch_code.append(ir.Assign([ir.Name(var)], self.zeros(ir.Name(name), s)))
                    branch_state[name] = Adj(ir.Name(var), owned=True)
                    zero_reads.add(name)
                else:
                    self.materialize(name, branch_state, branch_code)
            merged[name] = Adj(ir.Name(var), then_state[name].owned and else_state[name].owned)
        self.reads_before[s] = frozenset(zero_reads)
        self.reads_after[s] = frozenset(n.id for n in ir.walk(s.test) if isinstance(n, ir.Name))
        if then_code or else_code:
            if _has_work(then_code) or _has_work(else_code):
                self.comment(s, code)
            code.append(ir.If(_copy_expr(s.test), then_code, else_code, s.line))
        return merged

    # --------------------------------------------------------------- loops
    def rev_loop(self, s, state, code):
        state = dict(state)
        pre = []
        for name in sorted(state):  # loop-carried adjoints live in their own variables
            self.materialize(name, state, pre)
        head = dict(state)
        init_reads = set()
        outer_updates = set(self._updated_in_place)
        for _ in range(6):
            snapshot = (set(self.ctx.namer.taken), dict(self.ctx.namer.counters), dict(self.adj_names),
                        dict(self.reads_after), dict(self.reads_before), dict(self.reads_head))
            self._updated_in_place = set()
            body_code, end = self.rev_block(s.body, dict(head))
            missing = [n for n in sorted(end) if n not in head]
            owned_lost = [n for n in sorted(head) if head[n].owned and n in end and not end[n].owned]
            # an adjoint updated in place inside the loop is copied once before it, not every iteration
            copy_first = [n for n in sorted(self._updated_in_place) if n in head and not head[n].owned
                          and n in end and end[n].owned]
            if not missing and not owned_lost and not copy_first:
                break
            (self.ctx.namer.taken, self.ctx.namer.counters, self.adj_names,
             self.reads_after, self.reads_before, self.reads_head) = snapshot
            for n in missing:
                var = self.adj(n)
                self.release(var, head, pre, keep=n)
                pre.append(ir.Assign([ir.Name(var)], self.zeros(ir.Name(n), s, after=True)))
                head[n] = Adj(ir.Name(var), owned=True)
                init_reads.add(n)
            for n in owned_lost:
                head[n] = Adj(head[n].expr, owned=False, like=head[n].like, negated=head[n].negated)
            for n in copy_first:
                self.ensure_owned(n, head, pre)
        self._updated_in_place |= outer_updates
        # bring the end-of-iteration state back to the loop-head state
        tail = []
        head_reads = set()
        for n in sorted(head):
            var = self.adj(n)
            if n not in end:
                self.release(var, end, tail, keep=n)
                tail.append(ir.Assign([ir.Name(var)], self.zeros(ir.Name(n))))
                head_reads.add(n)
            elif not self.is_plain(end[n], var):
                self.release(var, end, tail, keep=n)
                tail.append(ir.Assign([ir.Name(var)], self.full(end[n])))
        self.reads_head[s] = frozenset(head_reads)
        loop_reads = set(init_reads)
        body_reads = set()
        for c in body_code + tail:
            body_reads |= self.primal_reads(c)
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
        rng = _copy_expr(s.iter)
        if count is not None:
            rng = ir.Subscript(rng, ir.Slice(None, ir.Name(count), None))
        return _copy_expr(s.target), ir.Call(ir.Name("reversed"), [rng], [])

    # -------------------------------------------------------------- driver
    def run(self):
        """Walk the function; returns (forward statements, reverse statements, final state)."""
        code, state = self.rev_block(self.fn.body, {})
        views = view_bases(self.fn, self.classify)
        if views:  # reading a view of an array written in place reads that array
            for table in (self.reads_before, self.reads_after, self.reads_head):
                for key, names in list(table.items()):
                    table[key] = frozenset(names) | {b for n in names for b in views.get(n, ())}
        push_before, predefine, saves, end_push = analyse_tbr(self.fn, self.classify, self.reads_before,
                                                              self.reads_after, self.reads_head, self.plan)
        self.push_before = push_before
        self.predefine = predefine
        self.saves = saves
        self.end_push = end_push
        return code, state


def view_bases(fn_def, classify):
    """name -> arrays written in place that it may be a view of (``t = y[:2]`` then ``y[0] = v``)."""
    from ..analysis.aliases import _sharing_sources
    written = {n for s in ir.walk(fn_def) if isinstance(s, (ir.Assign, ir.ExprStmt))
               for n in classify(s).mutates()}
    if not written:
        return {}
    bases = {}
    changed = True
    while changed:
        changed = False
        for s in ir.walk(fn_def):
            if not isinstance(s, ir.Assign):
                continue
            op = classify(s)
            for src in _sharing_sources(op):
                found = ({src} & written) | bases.get(src, set())
                for t in op.defines():
                    if found - bases.get(t, set()):
                        bases.setdefault(t, set()).update(found)
                        changed = True
    return bases


def maybe_containers(body, classify, params):
    """Names that may hold lists, tuples or dicts (their adjoints add with ``runtime.add``)."""
    names = set(params)
    stmts = [s for s in ir.walk(ir.FunctionDef("", [], body)) if isinstance(s, ir.Assign)]
    changed = True
    while changed:
        changed = False
        for s in stmts:
            op = classify(s)
            flows = False
            if op.kind == "build":
                flows = True
            elif op.kind in ("copy", "unpack", "index"):
                flows = bool(set(atom_names(op.source)) & names)
            elif op.kind == "rule" and op.rule.obj in _CONTAINER_RESULTS:
                flows = True
            elif op.kind in ("call", "opaque"):
                flows = True
            new = set(op.defines()) - names if flows else set()
            if new:
                names |= new
                changed = True
    return names


def _rename_target(target, renames):
    if isinstance(target, ir.Name):
        return ir.Name(renames.get(target.id, target.id))
    if isinstance(target, (ir.Tuple, ir.List)):
        return type(target)([_rename_target(e, renames) for e in target.elts])
    return target


def index_value(index):
    """An index as an ordinary expression: slices become ``slice(...)`` calls."""
    if isinstance(index, ir.Slice):
        parts = [index.lower, index.upper, index.step]
        while parts[-1] is None and len(parts) > 2:
            parts.pop()
        return ir.Call(ir.Name("slice"), [_copy_expr(p) if p is not None else ir.Const(None) for p in parts], [])
    if isinstance(index, ir.Tuple):
        return ir.Tuple([index_value(e) for e in index.elts])
    return _copy_expr(index)


def _rename_names(expr, names, new):
    expr = copy.deepcopy(expr)
    for n in ir.walk(expr):
        if isinstance(n, ir.Name) and n.id in names:
            n.id = new
    return expr


def _breaks(body):
    """Does a ``break`` in ``body`` leave this loop (not an inner one)?"""
    for s in body:
        if isinstance(s, ir.Break):
            return True
        if isinstance(s, ir.If) and (_breaks(s.body) or _breaks(s.orelse)):
            return True
    return False


def _has_work(code):
    return any(not isinstance(c, (Restore, ir.Comment)) for c in code)


def _negate(test):
    if isinstance(test, ir.UnaryOp) and test.op == "not":
        return test.operand
    return ir.UnaryOp("not", test)


def _mentions(expr, name):
    return any(isinstance(n, ir.Name) and n.id == name for n in ir.walk(expr))


def _allocates(value):
    """Is ``value`` certainly a fresh array (safe to update in place)?"""
    return isinstance(value, ir.BinOp) or (isinstance(value, ir.UnaryOp) and value.op == "-")


def state_items(state):
    return sorted((state or {}).items(), key=lambda kv: kv[0])


def _names(expr):
    return {n.id for n in ir.walk(expr) if isinstance(n, ir.Name)}


def _combine_contributions(items):
    """Contributions of one rule to the same name are added first (``x * x``: ``2 * d * x``)."""
    out, seen = [], {}
    for item in items:
        if isinstance(item, Contribution) and isinstance(item.target, ir.Name):
            key = item.target.id
            if key in seen:
                first = seen[key]
                if _equal(first.value, item.value):
                    first.value = fold(ir.BinOp("*", ir.Const(2), first.value))
                else:
                    first.value = fold(ir.BinOp("+", first.value, item.value))
                continue
            item = Contribution(item.target, item.value, item.param, item.line)
            seen[key] = item
        out.append(item)
    return out


def _equal(a, b):
    """Structural equality of two expressions."""
    if type(a) is not type(b):
        return False
    if isinstance(a, ir.Name):
        return a.id == b.id
    if isinstance(a, ir.Const):
        return type(a.value) is type(b.value) and a.value == b.value
    fa, fb = getattr(a, "__dataclass_fields__", None), getattr(b, "__dataclass_fields__", None)
    if fa is None or fb is None:
        return a == b
    for name in fa:
        va, vb = getattr(a, name), getattr(b, name)
        if isinstance(va, list):
            if not isinstance(vb, list) or len(va) != len(vb) or not all(_equal(x, y) for x, y in zip(va, vb)):
                return False
        elif isinstance(va, ir.Node):
            if not _equal(va, vb):
                return False
        elif va != vb:
            return False
    return True


def _drop_dead_locals(items):
    """Drop template temporaries that no kept contribution or statement uses."""
    needed = set()
    out = []
    for item in reversed(items):
        if isinstance(item, ir.Assign) and isinstance(item.targets[0], ir.Name) \
                and item.targets[0].id not in needed and not isinstance(item, Contribution):
            continue
        out.append(item)
        for n in ir.walk(item.value if isinstance(item, Contribution) else item):
            if isinstance(n, ir.Name):
                needed.add(n.id)
    return list(reversed(out))


def _materialize_zeros(expr, mode):
    """Replace symbolic zeros left inside an expression by ``zeros_like`` of their primal."""
    if isinstance(expr, Zero):
        return expr
    for node in ir.walk(expr):
        for fname in getattr(node, "__dataclass_fields__", {}):
            value = getattr(node, fname)
            if isinstance(value, Zero):
                setattr(node, fname, mode.zeros(value.like) if value.like is not None else ir.Const(0.0))
            elif isinstance(value, list):
                for i, v in enumerate(value):
                    if isinstance(v, Zero):
                        value[i] = mode.zeros(v.like) if v.like is not None else ir.Const(0.0)
    return expr


__all__ = ["ReverseMode", "Restore", "Adj", "owned"]
