"""Prepare a function for the reverse walk: iteration counters, calls of user functions (their
generated forward functions), and ``x = f(x)`` statements whose adjoint needs the old ``x``."""
from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass

from . import callees as calls
from . import tape_parts
from .. import ir
from ..analysis.activity import Activity, arg_ndims
from ..analysis.effects import refuse_hidden_writes
from ..analysis.complexity import made_complex, takes_complex_parts
from ..analysis.masked import masked_names
from ..analysis.appends import write_backs
from ..analysis.shapes import Shapes
from ..analysis.tbr import plan_loops
from ..errors import NonDifferentiableError, SrcdiffError, at_call_site, located
from ..lower.ops import atom_names
from ..rules.registry import shape_kind
from .adjoint_exprs import Adj, copy_expr, rename_names
from .adjoints import CONTAINER_RESULTS
from .reverse_facts import ReverseFacts, frozen


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


class PrepareMixin:
    """The steps before the reverse walk (mixed into ``ReverseMode``)."""

    masked_output = False  # the output's adjoint may hold a selection's zeros (``analysis.masked``)

    # The preparation passes (passes.REVERSE lists them): each takes the tree and returns it
    # rewritten; ``analyse`` gives one the analyses of its input; ``freeze`` makes the facts of the
    # reverse walk once, after the last one.

    def keep_branch_decisions(self, tree):
        """``c = done; if c: ...`` where the branch reassigns its condition ``done``."""
        self.fn = ir.FunctionDef(tree.name, tree.params, self._keep_branch_decisions(tree.body), tree.line)
        return self.fn

    def count_trips(self, tree):
        """A counter for each ``while`` loop and each ``for`` loop that may ``break``."""
        self.fn = ir.FunctionDef(tree.name, tree.params, self._count_trips(tree.body), tree.line)
        self.ctx.locals |= set(self.trip_counters.values())
        self.primal_names |= set(self.trip_counters.values())
        return self.fn

    def call_forward_functions(self, tree):
        """Active calls of user functions call the callee's generated forward function instead."""
        self.analyse(tree)
        # complex values made inside (before calls become calls of generated code) or met as arguments
        # (parts taken): an adjoint array written in place takes the real part where it is real
        self.complex_inside = made_complex(self.fn, self.ctx.resolve, self.ctx.env.globals) != frozenset() or \
            takes_complex_parts(self.fn, self.ctx.resolve)
        # before calls become calls of generated code, which never writes into its arguments
        refuse_hidden_writes(self.fn, self.classify, self.activity, self.ctx, self.shapes)
        # results a selection may leave unused: their callees' backward functions multiply strongly
        self.strong_calls = masked_names(self.fn, self.classify, self.masked_output)
        rewritten = self._rewrite_calls(self.fn.body)
        if rewritten is not None:
            self.fn = ir.FunctionDef(self.fn.name, self.fn.params, rewritten, self.fn.line)
            self.ctx.locals |= {info.residuals for info in self.call_info.values()}
            self.primal_names |= self.ctx.locals
        return self.fn

    def split_self_overwrites(self, tree):
        """``x = f(x)`` whose adjoint needs the old ``x`` becomes ``x2 = f(x); x = x2``."""
        self.analyse(tree)
        self._shape_alias = {}
        body = self._split_self_overwrites(self.fn.body, in_loop=False)
        if body is not None:
            self.fn = ir.FunctionDef(self.fn.name, self.fn.params, body, self.fn.line)
        return self.fn

    def analyse(self, tree):
        """Activity, shapes and containers of ``tree``, unless they are those of ``tree`` already."""
        self.fn = tree
        if self._analysed is not tree:
            self._analysed = tree
            self.activity = self._activity()
            self.shapes = Shapes(self.fn, self.classify, self.ctx, self.scalars, shape_kind)
            self.containers = maybe_containers(self.fn.body, self.classify, self.container_params)

    def freeze(self):
        """The facts of the reverse walk over the prepared function, made once."""
        if isinstance(self.facts, ReverseFacts):
            return self.facts
        self.analyse(self.fn)
        self.appended = {self.classify(s).source.id for s in ir.walk(self.fn)
                         if isinstance(s, ir.ExprStmt) and self.classify(s).kind == "append"}
        # ``c[k] = t`` putting back the list ``t = c[k]`` just appended to: nothing to run or restore
        self.stacks = tape_parts.stacks(self.fn, self.classify)
        self.put_back = {w for chain in write_backs(self.fn, self.classify).values() for w in chain}
        self.masked = masked_names(self.fn, self.classify, self.masked_output)  # their adjoint rules multiply strongly
        self.plan = plan_loops(self.fn, self.classify,
                               lambda loop: isinstance(loop, ir.For) and loop in self.trip_counters)
        self.facts = frozen(self.facts)
        return self.facts

    def _activity(self):
        seeds = (lambda op: atom_names(op.source)) if self.seed_names is None else (lambda op: self.seed_names)
        return Activity(self.fn, self.classify, self.wrt, seeds, arg_ndims(self.ctx))

    def _keep_branch_decisions(self, body):
        """``if done: ... done = ...``: the reverse sweep tests the branch condition after the
        branch, so a condition the branch reassigns is first copied (``c = done; if c: ...``)."""
        out = []
        for s in body:
            if isinstance(s, (ir.For, ir.While)):
                s = copy.copy(s)
                s.body = self._keep_branch_decisions(s.body)
            elif isinstance(s, ir.If):
                s = ir.If(s.test, self._keep_branch_decisions(s.body), self._keep_branch_decisions(s.orelse),
                          s.line)
                test = s.test.id if isinstance(s.test, ir.Name) else None
                branches = ir.FunctionDef("", [], s.body + s.orelse)
                if test is not None and any(test in ir.target_names(n.targets[0]) for n in ir.walk(branches)
                                            if isinstance(n, ir.Assign)):
                    decision = self.ctx.namer.fresh(test)
                    self.ctx.locals.add(decision)
                    self.primal_names.add(decision)
                    out.append(ir.Assign([ir.Name(decision)], ir.Name(test), s.line))
                    s = ir.If(ir.Name(decision), s.body, s.orelse, s.line)
            out.append(s)
        return out

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
                    old = s
                    if isinstance(s, ir.If):
                        s = ir.If(s.test, new[0], new[1], s.line)
                    elif isinstance(s, ir.For):
                        s = ir.For(s.target, s.iter, new[0], s.orelse, s.line)
                    else:
                        s = ir.While(s.test, new[0], s.orelse, s.line)
                    self._retarget_counter(old, s)
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
                target = ir.rename_target(op.target, renames)
                first = ir.Assign([target], s.value, s.line)
                if s in self.call_info:
                    self.call_info[first] = self.call_info.pop(s)
                    info_target = self.call_info[first].target
                    self.call_info[first].target = ir.rename_target(info_target, renames)
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
        varied = self.activity.varied_before.get(s) or frozenset()
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
        try:
            strong = bool(set(ir.target_names(op.target)) & self.strong_calls)
            fwd, bwd, pending = split_functions(callee, active, frozenset(scalars), frozenset(containers), statics,
                                                self.ctx.target, strong)
        except SrcdiffError as exc:  # inside a definition of a library function: reported here
            raise at_call_site(exc, callee, self.ctx.filename, s.line, text) from None
        self.ctx.guard(op.stmt.value.func, callee if op.holder is None else op.holder)
        self.ctx.guards.extend(split_functions.last_guards)
        stem = calls.name_stem(callee)
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
        call = ir.Call(ir.Name(fwd_name), [copy_expr(a) for a in op.args],
                       [ir.Keyword(k, copy_expr(v)) for k, v in op.keywords])
        new = ir.Assign([ir.Tuple([ir.Name(value.id), ir.Name(residuals)])], call, s.line)
        info.target = ir.Name(value.id)
        self.call_info[new] = info
        out = [new]
        if not isinstance(op.target, ir.Name):
            out.append(ir.Assign([op.target], ir.Name(value.id), s.line))
            self.ctx.locals.add(value.id)
        return out

    def _reads_old_value(self, s, op, overlap):
        """Would the adjoint of ``s`` read a name ``s`` overwrites (as an input)?"""
        if s in self.call_info:  # only a recomputed (checkpointed) call reads its arguments again
            return self.call_info[s].checkpoint
        if not isinstance(op.target, ir.Name):
            return True
        sentinel = "__srcdiff_old__"
        self._probe_original = {sentinel: sorted(overlap)[0]} if len(overlap) == 1 else {}
        renamed = ir.Assign([ir.Name(op.target.id)], rename_names(s.value, overlap, sentinel), s.line)
        self.ctx.locals.add(sentinel)  # ``x = x.reshape(...)``: a method of the local array, as before
        try:
            probe_op = self.classify.classify(renamed)
        finally:
            self.ctx.locals.discard(sentinel)
        self._shape_alias[renamed] = s
        snapshot = (set(self.ctx.namer.taken), dict(self.ctx.namer.counters), dict(self.ctx.helpers),
                    dict(self.acc.adj_names))
        # the varied names the statement mentions (all its adjoint asks about): a copy of the whole
        # varied set per self-overwrite was quadratic in the function's length
        before = self.activity.varied_before.get(s) or ()
        varied = {n.id for n in ir.walk(renamed) if isinstance(n, ir.Name) and n.id in before} | {sentinel}
        state = {op.target.id: Adj(ir.Name("__srcdiff_dy__"))}
        code = []
        try:
            self.emit_adjoint(renamed, probe_op, state, varied, code)
        finally:
            self.ctx.namer.taken, self.ctx.namer.counters, self.ctx.helpers, self.acc.adj_names = snapshot
        return any(isinstance(n, ir.Name) and n.id == sentinel for c in code for n in ir.walk(c))

    # ------------------------------------------------------------ the walk


def view_bases(fn_def, classify):
    """name -> arrays written in place that it may be a view of (``t = y[:2]`` then ``y[0] = v``)."""
    from ..analysis.aliases import sharing_sources
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
            for src in sharing_sources(op):
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
            elif op.kind == "rule" and (op.rule.obj in CONTAINER_RESULTS or
                                        (op.rule.adjoint is not None and op.rule.adjoint.indexes_result)):
                flows = True
            elif op.kind in ("call", "opaque"):
                flows = True
            new = set(op.defines()) - names if flows else set()
            if new:
                names |= new
                changed = True
    return names


def _breaks(body):
    """Does a ``break`` in ``body`` leave this loop (not an inner one)?"""
    for s in body:
        if isinstance(s, ir.Break):
            return True
        if isinstance(s, ir.If) and (_breaks(s.body) or _breaks(s.orelse)):
            return True
    return False
