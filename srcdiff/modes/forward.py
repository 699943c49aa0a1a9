"""Forward mode: each primal statement followed by its tangent statement, from the rule templates.

Tangents of values that do not depend on the differentiated inputs are symbolic zeros: no
array of zeros is built or added. A branch or loop whose paths disagree gets explicit zeros.
"""
from __future__ import annotations

import copy
import inspect

from . import callees as calls
from ..front import reader as frontend
from .. import ir
from ..analysis.activity import Activity, arg_ndims
from ..analysis.effects import writes_nothing
from ..analysis.aliases import sharing_sources, written_arrays
from ..analysis.appends import write_backs
from ..analysis.liveness import Live
from ..analysis.tbr import Defined
from ..analysis.shape_rules import broadcast_known
from ..analysis.shapes import Shapes
from ..errors import MissingRuleError, NonDifferentiableError, SrcdiffError, at_call_site, located
from ..lower.ops import atom_names
from ..rules.registry import shape_kind
from ..rules.refusals import refused_params, undifferentiated
from ..runtime.helpers import add, broadcast_like, snapshot, zeros_like
from ..runtime.helpers import add_at as runtime_add_at
from ..rules.template import Filler, TangentDef, Zero, fold
from .adjoint_exprs import fresh_array

_copy = copy.deepcopy


class ForwardMode:
    """Builds the tangent function body: primal statements interleaved with tangent statements."""

    def __init__(self, ctx, fn_def, classify, wrt, scalars=frozenset(), containers=frozenset()):
        self.ctx = ctx
        self.fn = fn_def
        self.classify = classify
        self.wrt = list(wrt)
        self.scalars = frozenset(scalars)
        self.containers = set(containers)
        self.names = {}
        self.activity = Activity(fn_def, classify, self.wrt, lambda op: atom_names(op.source), arg_ndims(ctx))
        self.shapes = Shapes(fn_def, classify, ctx, self.scalars, shape_kind)
        self.live = Live()
        self.live.exit_state = frozenset()
        self.live.run(fn_def.body, frozenset())
        self.defined = Defined(classify)
        self.defined.run(fn_def.body, frozenset(p.name for p in fn_def.params))
        # arrays written in place: their tangents must not share memory with another's
        # (``b = a[1:] + 1.0`` folds to ``t_b = t_a[1:]``)
        self.written = written_arrays(fn_def, classify)
        # ``c[k] = t`` putting back the list ``t = c[k]`` just appended to: no primal work to do
        self.put_back = {w for chain in write_backs(fn_def, classify).values() for w in chain}

    def tan(self, name):
        """The tangent variable of ``name`` (``t_x``)."""
        if name not in self.names:
            self.names[name] = self.ctx.namer.fresh("t_" + name)
        return self.names[name]

    def helper(self, name, obj):
        return ir.Name(self.ctx.bind(name, obj))

    def zeros(self, atom, stmt=None, after=False):
        if stmt is not None and self.shapes.of(atom, stmt, after=after) == frozenset():
            return ir.Const(0.0)
        return ir.Call(self.helper("zeros_like", zeros_like), [_copy(atom)], [])

    # ------------------------------------------------------------------ walk
    def run(self):
        state = {p: True for p in self.wrt}  # names whose tangent variable holds a value
        body, state = self.block(self.fn.body, state)
        return body, state

    def block(self, stmts, state):
        out = []
        for s in stmts:
            state = self.stmt(s, state, out)
        return out, state

    def stmt(self, s, state, out):
        if isinstance(s, ir.If):
            return self.branch(s, state, out)
        if isinstance(s, (ir.For, ir.While)):
            return self.loop(s, state, out)
        if s not in self.put_back:
            out.append(s)
        if isinstance(s, (ir.Break, ir.Continue, ir.Pass, ir.Return)):
            return state
        return self.tangent_of(s, dict(state), out)

    def branch(self, s, state, out):
        body, a = self.block(s.body, dict(state))
        orelse, b = self.block(s.orelse, dict(state))
        live = self.live.after.get(s) or frozenset()
        merged = {n: True for n in set(a) & set(b)}
        for name in sorted(set(a) ^ set(b)):
            if name not in live:
                continue  # nothing after the branch reads it
            merged[name] = True
            missing, block = (orelse, s.orelse) if name in a else (body, s.body)
            if missing and isinstance(missing[-1], (ir.Break, ir.Continue)):
                continue  # that path leaves the loop: what follows the branch never sees it
            defined = self.defined.after.get(block[-1]) if block else self.defined.before.get(s)
            if defined is not None and name not in defined:
                continue  # the value itself is not set on that path either
            missing.append(ir.Assign([ir.Name(self.tan(name))], self.zeros(ir.Name(name)), s.line))
        out.append(ir.If(s.test, body, orelse, s.line))
        return merged

    def loop(self, s, state, out):
        head = dict(state)
        carried = self.live.head.get(s, frozenset()) & (self.defined.before.get(s) or frozenset())
        for _ in range(6):
            body, end = self.block(s.body, dict(head))
            new = [n for n in sorted(end) if n not in head and n in carried]
            if not new:
                break
            for n in new:  # a carried value's tangent starts at zero before the first iteration
                out.append(ir.Assign([ir.Name(self.tan(n))], self.zeros(ir.Name(n), s), s.line))
                head[n] = True
        loop = ir.For(s.target, s.iter, body, [], s.line) if isinstance(s, ir.For) else \
            ir.While(s.test, body, [], s.line)
        out.append(loop)
        exit_state = dict(head)
        exit_state.update(end)
        if isinstance(s, ir.For):
            for n in ir.target_names(s.target):
                exit_state.pop(n, None)
        return exit_state

    # ------------------------------------------------------------- tangents
    def lookup(self, state):
        def find(atom):
            if isinstance(atom, ir.Name) and state.get(atom.id):
                return ir.Name(self.tan(atom.id))
            if isinstance(atom, (ir.Tuple, ir.List)):
                return type(atom)([find(e) for e in atom.elts])
            return Zero(atom)
        return find

    def materialized(self, expr):
        """``expr`` with every symbolic zero replaced by an explicit zero of the right shape."""
        if isinstance(expr, Zero):
            return self.zeros(expr.like) if expr.like is not None else ir.Const(0.0)
        for node in ir.walk(expr):
            for fname in getattr(node, "__dataclass_fields__", {}):
                value = getattr(node, fname)
                if isinstance(value, Zero):
                    setattr(node, fname, self.materialized(value))
                elif isinstance(value, list):
                    for i, v in enumerate(value):
                        if isinstance(v, Zero):
                            value[i] = self.materialized(v)
        return expr

    def define(self, target, expr, state, out, line):
        """``t_target = expr`` (or a symbolic zero), for a Name or a tuple of names."""
        expr = fold(expr)
        if isinstance(target, (ir.Tuple, ir.List)):
            if isinstance(expr, Zero):
                for n in ir.target_names(target):
                    state.pop(n, None)
                return state
            names = [self.tan(n) for n in ir.target_names(target)]
            out.append(ir.Assign([ir.Tuple([ir.Name(n) for n in names])], self.materialized(expr), line))
            for n in ir.target_names(target):
                state[n] = True
            return state
        if isinstance(expr, Zero):
            state.pop(target.id, None)
            return state
        if not (isinstance(expr, ir.Name) and expr.id == self.tan(target.id)):  # ``t_z = t_z`` is no work
            out.append(ir.Assign([ir.Name(self.tan(target.id))], self.materialized(expr), line))
        state[target.id] = True
        return state

    def tangent_of(self, s, state, out):
        op = self.classify(s)
        varied = self.activity.varied_before.get(s) or frozenset()
        inputs_varied = bool(set(op.diff_inputs()) & varied) and not self.activity.constant(s)
        line = s.line
        text = self.ctx.origin_text.get(line, "")
        if not inputs_varied:
            for n in op.defines():
                state.pop(n, None)
            return state
        find = self.lookup(state)
        kind = op.kind
        if kind in ("nondiff", "empty", "return"):
            for n in op.defines():
                state.pop(n, None)
            return state
        if kind == "copy":
            return self.define(op.target, find(op.source), state, out, line)
        if kind == "unpack":
            return self.define(op.target, find(op.source), state, out, line)
        if kind == "index":
            t = find(op.source)
            expr = Zero(op.target) if isinstance(t, Zero) else ir.Subscript(t, _copy(op.index))
            return self.define(op.target, expr, state, out, line)
        if kind == "build":
            lit = op.source
            if isinstance(lit, ir.Dict):
                expr = ir.Dict([_copy(k) for k in lit.keys], [self.materialized(find(v)) for v in lit.values])
            else:
                expr = type(lit)([self.materialized(find(e)) for e in lit.elts])
            return self.define(op.target, expr, state, out, line)
        if kind == "store":
            return self.store(op, state, out, line)
        if kind == "append":
            return self.append(op, state, out, line)
        if kind == "pop":
            return self.list_pop(op, state, out, line)
        if kind == "scatter":
            return self.scatter_add(op, state, out, line)
        if kind == "call":
            return self.call(s, op, state, out, varied)
        if kind == "opaque":
            if self.activity.active(s):
                raise MissingRuleError(located(self.ctx.filename, line, text, op.error or
                                               "cannot differentiate %s" % op.name,
                                               op.fix or "Register a rule with @srcdiff.tangent."))
            for n in op.defines():
                state.pop(n, None)
            return state
        return self.by_rule(s, op, state, out, find)


    def list_pop(self, op, state, out, line):
        """``v = stack.pop()`` (or a bare ``stack.pop()``): the tangent list pops too."""
        taken = ir.Call(ir.Attr(ir.Name(self.tan(op.source.id)), "pop"), [], [])
        if op.target is None:  # an item dropped
            if state.get(op.source.id):
                out.append(ir.ExprStmt(taken, line))
            return state
        if not state.get(op.source.id):
            state.pop(op.target.id, None)
            return state
        out.append(ir.Assign([ir.Name(self.tan(op.target.id))], taken, line))
        state[op.target.id] = True
        return state

    def scatter_add(self, op, state, out, line):
        """``np.add.at(x, index, v)``: the same into x's tangent (made zeros first if it has none)."""
        tv = self.lookup(state)(op.value)
        if isinstance(tv, Zero):
            return state
        name = op.source.id
        if not state.get(name):
            out.append(ir.Assign([ir.Name(self.tan(name))], self.zeros(ir.Name(name)), line))
            state[name] = True
        out.append(ir.ExprStmt(ir.Call(ir.Name(self.ctx.bind("add_at", runtime_add_at)),
                                       [ir.Name(self.tan(name)), _copy(op.index), tv], []), line))
        return state

    def by_rule(self, s, op, state, out, find):
        """The tangent statements of a call with a registered rule, from its tangent template."""
        line = s.line
        text = self.ctx.origin_text.get(line, "")
        rule = op.rule
        if rule.tangent is None:
            if not self.activity.active(s):
                return state
            raise MissingRuleError(located(self.ctx.filename, line, text,
                                           "%s has no forward-mode rule" % rule.name,
                                           "Register one with @srcdiff.tangent(%s)." % rule.name))
        moving = {p for p, atom in op.binding.items() if any(state.get(n) for n in atom_names(atom))}
        problem = refused_params(rule, moving) or undifferentiated(rule, rule.tangent, moving, "forward")
        if problem:  # a varied value reaches a parameter the rule has no derivative for
            raise NonDifferentiableError(located(self.ctx.filename, line, text, *problem))
        if rule.check is not None:
            problem = rule.check(op.binding)
            if problem:
                raise NonDifferentiableError(located(self.ctx.filename, line, text, *problem))
        filler = Filler(rule.tangent, op.binding, op.target, tangent=find, namer=self.ctx.namer,
                        bind_global=self.ctx.bind, line=line, materialize=self.materialized)
        items = filler.run()
        problem = undifferentiated(rule, rule.tangent, moving, "forward", filler.covered)
        if problem:  # the branch the template took for these arguments omits a varied one
            raise NonDifferentiableError(located(self.ctx.filename, line, text, *problem))
        for item in items:
            if isinstance(item, TangentDef):
                if op.target is None:  # an expression statement: its value is dropped, so is its tangent
                    continue
                expr = fold(self.drop_zero_terms(fold(item.value)))
                if rule.elementwise and not isinstance(expr, Zero):
                    expr = self.fit(expr, op.target, s)
                expr = self.own(expr, op)
                state = self.define(op.target, expr, state, out, line)
            else:
                out.append(item)
        return state

    def own(self, expr, op):
        """A tangent must not share memory with a tangent the code later writes into, unless the
        primals share memory too: ``y = x * 1.0`` folds to ``t_y = t_x``, and then neither
        ``y[0] = ...`` may write into ``t_x`` nor ``x[0] = ...`` into ``t_y``."""
        if not isinstance(op.target, ir.Name) or isinstance(expr, Zero) or fresh_array(expr) \
                or sharing_sources(op):
            return expr
        written_tangents = {self.names[n] for n in self.written if n in self.names}
        if op.target.id not in self.written and \
                not any(isinstance(n, ir.Name) and n.id in written_tangents for n in ir.walk(expr)):
            return expr
        return ir.Call(self.helper("snapshot", snapshot), [expr], [])

    def drop_zero_terms(self, expr):
        """A tangent is linear in the input tangents: a term of a sum whose only tangents are
        symbolic zeros is zero (``matmul_rhs(g, t_X, W)`` with ``t_X`` zero is not computed)."""
        terms = []

        def split(e, sign):
            if isinstance(e, ir.BinOp) and e.op in ("+", "-"):
                split(e.left, sign)
                split(e.right, sign if e.op == "+" else -sign)
            else:
                terms.append((sign, e))
        split(expr, 1)
        tangents = set(self.names.values())
        kept = [(sign, e) for sign, e in terms
                if not (any(isinstance(n, Zero) for n in ir.walk(e)) and
                        not any(isinstance(n, ir.Name) and n.id in tangents for n in ir.walk(e)))]
        if len(kept) == len(terms):
            return expr
        if not kept:
            return Zero(None)
        out = kept[0][1] if kept[0][0] > 0 else ir.UnaryOp("-", kept[0][1])
        for sign, e in kept[1:]:
            out = ir.BinOp("+" if sign > 0 else "-", out, e)
        return out

    def fit(self, expr, target, s):
        """Broadcast a tangent up to its primal's shape when an operand's tangent was zero."""
        result = self.shapes.of(target, s, after=True)
        tangents = set(self.names.values())
        classes = set()
        for n in ir.walk(expr):
            if not isinstance(n, ir.Name):
                continue
            primal = self._primal_of(n.id)
            if primal is None:
                continue
            # the result itself: its shape after the statement; a tangent read here is an
            # operand's, of the value before it (``acc = acc + a`` reads the old ``t_acc``)
            after = primal in op_targets(s) and n.id not in tangents
            c = self.shapes.of(ir.Name(primal), s, after=after)
            if c is None:
                c = self.shapes.of(ir.Name(primal), s, after=not after)
            if c is None:
                return ir.Call(self.helper("broadcast_like", broadcast_like), [expr, _copy(target)], [])
            classes |= c
        if result is not None and broadcast_known(frozenset(classes), None) == result:
            return expr
        return ir.Call(self.helper("broadcast_like", broadcast_like), [expr, _copy(target)], [])

    def _primal_of(self, name):
        for primal, tangent in self.names.items():
            if tangent == name:
                return primal
        if name in self.ctx.locals:
            return name
        return None

    def store(self, op, state, out, line):
        name = op.target.value.id
        tv = self.lookup(state)(op.value)
        if not state.get(name):
            if isinstance(tv, Zero):
                return state
            out.append(ir.Assign([ir.Name(self.tan(name))], self.zeros(ir.Name(name)), line))
            state[name] = True
        target = ir.Subscript(ir.Name(self.tan(name)), _copy(op.index))
        value = self.zeros(op.value, op.stmt) if isinstance(tv, Zero) else tv  # a dict stored: a dict of zeros
        out.append(ir.Assign([target], value, line))
        return state

    def append(self, op, state, out, line):
        name = op.source.id
        tv = self.lookup(state)(op.value)
        if not state.get(name):
            if isinstance(tv, Zero):
                return state
            # the list so far had zero tangents: one zero per element already appended
            out.append(ir.Assign([ir.Name(self.tan(name))], self.zeros(ir.Name(name)), line))
            out.append(ir.ExprStmt(ir.Call(ir.Attr(ir.Name(self.tan(name)), "pop"), [], []), line))
            state[name] = True
        value = self.materialized(tv)
        out.append(ir.ExprStmt(ir.Call(ir.Attr(ir.Name(self.tan(name)), "append"), [value], []), line))
        return state

    def call(self, s, op, state, out, varied):
        """A user function: its own generated tangent function computes value and tangent."""
        callee = op.callee
        text = self.ctx.origin_text.get(s.line, "")
        if op.target is None and calls.is_plain_function(callee) and writes_nothing(callee):
            return state  # ``check_inputs(X, w)``: run as written (``stmt`` emitted it), it has no tangent
        if not calls.is_plain_function(callee) or op.target is None:
            raise NonDifferentiableError(located(
                self.ctx.filename, s.line, text,
                "srcdiff differentiates calls of plain functions whose result is assigned",
                "Call a module-level function and assign its result."))
        if any(isinstance(a, ir.Starred) for a in op.args) or any(k is None for k, _ in op.keywords):
            raise NonDifferentiableError(located(self.ctx.filename, s.line, text,
                                                 "srcdiff cannot differentiate a call with *args or **kwargs",
                                                 "Pass the arguments one by one."))
        binding = calls.bind_arguments(callee, op.args, op.keywords)
        params = list(inspect.signature(callee).parameters)
        active = [p for p in params if p in binding and set(atom_names(binding[p])) & varied]
        scalars = {p for p, a in binding.items() if self.shapes.of(a, s) == frozenset()}
        statics = calls.static_arguments(callee, binding, self.ctx)
        calls.tangent_function.last_guards = []
        try:
            fn, tangent_params = calls.tangent_function(callee, active, frozenset(scalars), statics,
                                                        target=self.ctx.target)
        except SrcdiffError as exc:  # inside a definition of a library function: reported here
            raise at_call_site(exc, callee, self.ctx.filename, s.line, text) from None
        self.ctx.guard(op.stmt.value.func, callee if op.holder is None else op.holder)
        self.ctx.guards.extend(calls.tangent_function.last_guards)
        name = self.ctx.bind(calls.name_stem(callee) + "_tangent", fn)
        tangents = [ir.Keyword(tp, self.materialized(self.lookup(state)(binding[p])))
                    for p, tp in zip(active, tangent_params)]
        out.pop()  # the primal call is replaced by the tangent function's call, which returns both
        call = ir.Call(ir.Name(name), [_copy(a) for a in op.args],
                       [ir.Keyword(k, _copy(v)) for k, v in op.keywords] + tangents)
        if isinstance(op.target, ir.Name):
            out.append(ir.Assign([ir.Tuple([ir.Name(op.target.id), ir.Name(self.tan(op.target.id))])], call,
                                 s.line))
            state[op.target.id] = True
        else:
            value = self.ctx.namer.fresh(calls.name_stem(callee) + "_value")
            out.append(ir.Assign([ir.Tuple([ir.Name(value), ir.Name(self.tan(value))])], call, s.line))
            out.append(ir.Assign([op.target], ir.Name(value), s.line))
            names = [self.tan(n) for n in ir.target_names(op.target)]
            out.append(ir.Assign([ir.Tuple([ir.Name(n) for n in names])], ir.Name(self.tan(value)), s.line))
            for n in ir.target_names(op.target):
                state[n] = True
        return state


def op_targets(s):
    if isinstance(s, ir.Assign):
        return {n for t in s.targets for n in ir.target_names(t)}
    return set()


__all__ = ["ForwardMode", "add", "frontend"]
