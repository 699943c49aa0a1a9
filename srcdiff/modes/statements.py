"""The adjoint code of one simple statement: rules, copies, indexing, containers, in-place
writes and calls of user functions."""
from __future__ import annotations

import numpy

from .. import ir
from ..errors import MissingRuleError, NonDifferentiableError, SrcdiffError, located
from ..lower.ops import atom_names
from ..rules.refusals import refused_params, undifferentiated
from ..runtime.helpers import (add_at, broadcast_count, popped_adjoint, real_for, snapshot, total, unbroadcast,
                               written_part)
from ..runtime.kernels_math import strong_div, strong_mul
from ..rules.template import Contribution, Filler, Zero, fold
from .adjoint_exprs import (Adj, combine_contributions, copy_expr, drop_dead_locals, materialize_zeros, mentions,
                            expr_names, same_expr)
from .strong import Strengthen


class StatementMixin:
    """Adjoints of simple statements (mixed into ``ReverseMode``)."""

    def emit_adjoint(self, s, op, state, varied, code):
        """Append the adjoint of one simple statement to ``code``; return primal names read.

        The emitter comes from ``EMITTERS`` by the operation's kind; those in ``CONTRIBUTORS``
        turn the incoming adjoint into contributions that ``emit_contributions`` adds up."""
        if s in self.call_info:
            return self.emit_call(s, self.call_info[s], state, varied, code)
        if op.kind in EMITTERS:
            return getattr(self, EMITTERS[op.kind])(s, op, state, varied, code)
        if op.kind == "rule" and op.rule.obj in (numpy.sum, numpy.mean) and isinstance(op.target, ir.Name) \
                and op.target.id in state and state[op.target.id].like is not None:
            return self.emit_lazy_reduction(s, op, state, varied, code)
        kind = op.kind
        # a list or dict is not an array a lazy scalar adjoint could stand for: index it full-sized
        lazy_ok = (kind == "rule" and op.rule.elementwise) or (kind == "copy" and isinstance(op.target, ir.Name)) \
            or (kind == "index" and not (isinstance(op.source, ir.Name) and op.source.id in self.containers))
        lazy = isinstance(op.target, ir.Name) and op.target.id in state and state[op.target.id].like is not None \
            and lazy_ok
        dy = self.acc.lookup(state, lazy_ok)(op.target if op.target is not None else ir.Const(None))
        full_dy = self.acc.lookup(state)(op.target) if lazy else dy
        if kind in ("store", "append"):
            return self.emit_mutation(s, op, state, varied, code)
        for n in op.defines():
            state.pop(n, None)
        if kind == "index":
            return self.emit_index(s, op, state, varied, code, dy)
        if kind not in CONTRIBUTORS:
            return self.emit_contributions(s, [], state, varied, code, dy, False)
        items, lazy = getattr(self, CONTRIBUTORS[kind])(s, op, state, varied, dy, full_dy, lazy)
        return self.emit_contributions(s, items, state, varied, code, dy, lazy)

    def emit_opaque(self, s, op, state, varied, code):
        """A call srcdiff cannot look into: refused where a varied value flows in."""
        if any(n in varied for n in op.diff_inputs()):
            if op.kind == "call":
                raise NonDifferentiableError(located(
                    self.ctx.filename, s.line, self.ctx.origin_text.get(s.line, ""),
                    "a call of %s whose result is not assigned to a name cannot be differentiated "
                    "(it may change its arguments in place)" % op.name,
                    "Return the new values from the function and assign them."))
            self.fail_rule(s, op)
        return self.emit_constant(s, op, state, varied, code)

    def emit_constant(self, s, op, state, varied, code):
        """A value with no derivative: its adjoint is dropped."""
        for n in op.defines():
            state.pop(n, None)
        return set()

    def emit_pop(self, s, op, state, varied, code):
        """``x = stack.pop()``: push x's adjoint (zeros when it has none) on the stack's adjoint, for
        the adjoint of the matching ``stack.append(v)`` to pop and pass on to v."""
        name = op.source.id
        if name not in self.stacks:
            return self.refuse_pop(s, op)
        if name not in state:
            var = self.acc.adj(name)
            self.acc.release(var, state, code, keep=name)
            code.append(ir.Assign([ir.Name(var)], ir.List([])))
            state[name] = Adj(ir.Name(var), owned=True, listed=True)
        else:
            self.acc.ensure_owned(name, state, code)
        item = ir.Const(None)  # an item dropped (``stack.pop()``) has no adjoint
        if op.target is not None:
            target = op.target.id
            item = self.acc.full(state[target]) if target in state else self.acc.zeros(ir.Name(target), s, after=True)
            state.pop(target, None)
            for other, a in state.items():  # the pushed array must not change: no in-place updates of it
                if other != name and same_expr(a.expr, item):
                    state[other] = Adj(a.expr, owned=False, like=a.like, negated=a.negated, listed=a.listed)
        code.append(ir.ExprStmt(ir.Call(ir.Attr(copy_expr(state[name].expr), "append"), [item], [])))
        reads = set()
        for c in code:
            reads |= self.acc.primal_reads(c)
        return reads

    def refuse_pop(self, s, op):
        raise NonDifferentiableError(located(
            self.ctx.filename, s.line, self.ctx.origin_text.get(s.line, ""),
            "reverse mode cannot follow `%s.pop()`: srcdiff differentiates pops only of a list made empty "
            "(`%s = []`) and otherwise only appended to and popped" % (_user(self.ctx, op.source.id),
                                                                     _user(self.ctx, op.source.id)),
            "Index the list instead of popping it, or build a new list."))

    def refuse_scatter(self, s, op, state, varied, code):
        raise NonDifferentiableError(located(
            self.ctx.filename, s.line, self.ctx.origin_text.get(s.line, ""),
            "reverse mode over generated code that adds into an array in place (np.add.at) is not supported",
            "Use srcdiff.hessian or srcdiff.hvp (forward mode over the gradient) for second derivatives."))

    def rule_items(self, s, op, state, varied, dy, full_dy, lazy):
        """The contributions a rule's adjoint template gives, and whether they stay lazy."""
        if op.rule.adjoint is None:
            raise MissingRuleError(located(self.ctx.filename, s.line, self.ctx.origin_text.get(s.line, ""),
                                           "%s has no reverse-mode rule" % op.rule.name,
                                           "Register one with @srcdiff.adjoint(%s)." % op.rule.name))
        active_params = {p for p, atom in op.binding.items() if any(n in varied for n in atom_names(atom))}
        problem = refused_params(op.rule, active_params) or \
            undifferentiated(op.rule, op.rule.adjoint, active_params, "reverse")  # a varied value, no derivative
        if problem:
            raise NonDifferentiableError(located(self.ctx.filename, s.line,
                                                 self.ctx.origin_text.get(s.line, ""), *problem))
        if op.rule.check is not None:  # arguments known now that the rule cannot honour
            problem = op.rule.check(op.binding)
            if problem:
                raise NonDifferentiableError(located(self.ctx.filename, s.line,
                                                     self.ctx.origin_text.get(s.line, ""), *problem))

        def instantiate(incoming):
            filler = Filler(op.rule.adjoint, op.binding, op.target,
                            adjoint=lambda a: incoming if a is op.target else self.acc.lookup(state)(a),
                            namer=self.ctx.namer, bind_global=self.ctx.bind, line=s.line,
                            materialize=lambda e: materialize_zeros(e, self))
            out = [i for i in filler.run() if not isinstance(i, Contribution) or i.param in active_params]
            problem = undifferentiated(op.rule, op.rule.adjoint, active_params, "reverse", filler.covered)
            if problem:  # the branch the template took for these arguments omits a varied one
                raise NonDifferentiableError(located(self.ctx.filename, s.line,
                                                     self.ctx.origin_text.get(s.line, ""), *problem))
            return self.strengthen(op, incoming, out)
        items = instantiate(dy)
        if lazy and any(self.acc.coverage(i, s, expr_names(dy))[0] == "ambiguous"
                        for i in items if isinstance(i, Contribution)):
            lazy = False  # some operand was broadcast: work with the full-shaped adjoint
            items = instantiate(full_dy)
        if not lazy:  # a lazy (scalar) adjoint is checked contribution by contribution later
            items = self.acc.wrap_broadcast(op, items)
        return items, lazy

    def copy_items(self, s, op, state, varied, dy, full_dy, lazy):
        """``y = x`` and ``a, b = t``: the adjoint passes on as it is."""
        value = dy if isinstance(op.target, ir.Name) else self.tuple_adjoint(op.target, dy)
        return [Contribution(op.source, value, "source", s.line)], lazy

    def literal_items(self, s, op, state, varied, dy, full_dy, lazy):
        """``t = [a, b]``: each element's adjoint is the matching entry of the literal's."""
        return self.build_items(op, dy, s.line), lazy

    def emit_contributions(self, s, items, state, varied, code, dy, lazy):
        """Add the contributions ``items`` (and the statements between them) to ``code``."""
        items = combine_contributions(drop_dead_locals(items))
        self.acc.state_view = state
        self.acc.held_names = set()
        rewritten = set()  # contributions of ``dy`` that coverage turns into ``dy * count``: they write
        if lazy:
            rewritten = {id(i) for i in items if isinstance(i, Contribution)
                         and not same_expr(self.acc.coverage(i, s, expr_names(dy))[2], i.value)}
        items = self.acc.hold_incoming(items, dy, code, rewritten)
        scalar_names = expr_names(dy) | self.acc.held_names  # a held copy of a lazy adjoint is one too
        for item in items:
            if isinstance(item, Contribution):
                like = None
                if lazy:
                    status, like, value = self.acc.coverage(item, s, scalar_names)
                    if status == "ambiguous":  # decided above for every item: a bug if it changed
                        raise SrcdiffError("internal error: a lazy adjoint lost track of its shape at line %d "
                                           "of %s; please report this with the function's source"
                                           % (s.line, self.ctx.filename))
                    item = Contribution(item.target, value, item.param, item.line)
                self.acc.contribute(item.target, item.value, state, varied, code, like=like)
            else:
                code.append(item)
        return self.acc._reads(code)

    def strengthen(self, op, incoming, items):
        """Strong products in the contributions of a rule whose result's adjoint may be 0 where a
        selection did not use it (``analysis.masked``): NaN data there must not make it NaN."""
        if not isinstance(op.target, ir.Name) or op.target.id not in self.masked or isinstance(incoming, Zero):
            return items
        rewrite = Strengthen(incoming, (self.ctx.bind("strong_mul", strong_mul),
                                        self.ctx.bind("strong_div", strong_div)))
        return [Contribution(i.target, rewrite(i.value), i.param, i.line) if isinstance(i, Contribution)
                else ir.Assign(i.targets, rewrite(i.value), i.line) if isinstance(i, ir.Assign) else i
                for i in items]

    def emit_lazy_reduction(self, s, op, state, varied, code):
        """A sum (or mean) whose result's adjoint is a lazy scalar: its input's adjoint is one too
        (spread evenly, divided by the count for a mean), so nothing is broadcast yet."""
        g = self.acc.signed(state.pop(op.target.id))
        a = op.binding.get("a")
        if isinstance(a, ir.Name) and a.id in varied:
            if op.rule.obj is numpy.mean:
                count = ir.Call(self.acc.helper("broadcast_count", broadcast_count), [copy_expr(a),
                                                                                 copy_expr(op.target)], [])
                g = ir.BinOp("/", g, count)
            self.acc.contribute(a, fold(g), state, varied, code, like=copy_expr(a))
        return self.acc._reads(code)

    def emit_call(self, s, info, state, varied, code):
        """The adjoint of a call: the callee's backward function applied to the output's adjoint."""
        dy = self.acc.lookup(state)(info.target)
        for n in ir.target_names(info.target) + [info.residuals]:
            state.pop(n, None)
        if isinstance(dy, Zero) or not info.active:
            return set()
        ct = materialize_zeros(dy, self)
        if isinstance(ct, Zero):
            ct = self.acc.zeros(info.target)
        if info.checkpoint:
            call = ir.Call(ir.Name(info.forward), [copy_expr(a) for a in info.args],
                           [ir.Keyword(k, copy_expr(v)) for k, v in info.keywords])
            unused = self.ctx.namer.fresh("_")
            code.append(ir.Assign([ir.Tuple([ir.Name(unused), ir.Name(info.residuals)])], call))
        grads = [ir.Name(self.ctx.namer.fresh("g_" + (atom.id if isinstance(atom, ir.Name) else "arg")))
                 for atom in info.active]
        target = grads[0] if len(grads) == 1 else ir.Tuple(grads)
        code.append(ir.Assign([target], ir.Call(ir.Name(info.backward), [ir.Name(info.residuals), ct], [])))
        for atom, g in zip(info.active, grads):
            self.acc.contribute(atom, ir.Name(g.id), state, varied, code)
        reads = set()
        for c in code:
            reads |= self.acc.primal_reads(c)
        return reads

    def tuple_adjoint(self, target, dy):
        """The adjoint of a tuple target as a tuple (zeros for components nothing reached)."""
        elts = dy.elts if isinstance(dy, ir.Tuple) else [Zero(e) for e in target.elts]
        out = []
        for e, d in zip(target.elts, elts):
            out.append(self.acc.zeros(e) if isinstance(d, Zero) else d)
        return ir.Tuple(out)

    def build_items(self, op, dy, line):
        lit = op.source
        items = []
        if isinstance(dy, ir.Const):  # a scalar seed on a container output: refused at run time
            return items
        if isinstance(lit, ir.Dict):
            for k, v in zip(lit.keys, lit.values):
                items.append(Contribution(v, fold(ir.Subscript(copy_expr(dy), copy_expr(k))), "source", line))
        else:
            for i, e in enumerate(lit.elts):
                if isinstance(e, ir.Starred):
                    continue
                items.append(Contribution(e, fold(ir.Subscript(copy_expr(dy), ir.Const(i))), "source", line))
        return items

    def emit_index(self, s, op, state, varied, code, dy):
        """``v = a[idx]``: scatter the adjoint of v into a's adjoint (adding repeated indices)."""
        base = op.source
        dy = materialize_zeros(dy, self)
        if isinstance(dy, Zero) or not isinstance(base, ir.Name) or base.id not in varied:
            return set()
        name = base.id
        var = self.acc.adj(name)
        if mentions(dy, var):  # ``z = z[None]`` in a loop: the incoming adjoint lives in ``var``
            held = ir.Name(self.ctx.namer.fresh(var + "_out"))
            code.append(ir.Assign([held], dy))
            dy = held
        stmt = self._shape_alias.get(s, s)
        direct = name not in self.containers and self.static_index(op.index, stmt)
        if direct and self.complex_inside:  # complex values may meet real arrays in this function
            dy = self.real_part(dy, var)  # a real array's adjoint takes their real part (add_at does too)
        if name not in state:
            self.acc.release(var, state, code, keep=name)
            code.append(ir.Assign([ir.Name(var)], self.acc.zeros(base)))
            state[name] = Adj(ir.Name(var), owned=True)
            if direct:  # the first write into fresh zeros: a plain assignment
                code.append(ir.Assign([ir.Subscript(ir.Name(var), copy_expr(op.index))], dy))
                return self.acc._reads(code)
        else:
            self.acc.materialize(name, state, code)
            self.acc.ensure_owned(name, state, code)
        if direct:
            dy, sign = (dy.operand, "-") if isinstance(dy, ir.UnaryOp) and dy.op == "-" else (dy, "+")
            code.append(ir.AugAssign(ir.Subscript(ir.Name(var), copy_expr(op.index)), sign, dy))
        else:
            code.append(ir.ExprStmt(ir.Call(self.acc.helper("add_at", add_at),
                                            [ir.Name(var), index_value(op.index), dy], [])))
        return self.acc._reads(code)

    def real_part(self, dy, var):
        """``real_for(d_a, dy)``: the real part of ``dy`` where the adjoint ``d_a`` is a real array
        (``-real_for(d_a, v)`` for ``dy = -v``, so that a subtraction stays one)."""
        if isinstance(dy, ir.UnaryOp) and dy.op == "-":
            return ir.UnaryOp("-", self.real_part(dy.operand, var))
        return ir.Call(self.acc.helper("real_for", real_for), [ir.Name(var), dy], [])

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
        self.acc.materialize(name, state, code)
        self.acc.ensure_owned(name, state, code)
        var = ir.Name(self.acc.adj(name))
        value = op.value
        if op.kind == "append":
            taken = ir.Call(ir.Attr(copy_expr(var), "pop"), [], [])
            if isinstance(value, ir.Name) and value.id in varied:
                tmp = ir.Name(self.ctx.namer.fresh("d_item"))
                if name in self.stacks:  # the item's adjoint is None where it was dropped or a placeholder
                    scalar = self.shapes.same(self.shapes.of(value, s), frozenset())
                    like = ir.Const(0.0) if scalar else copy_expr(value)
                    taken = ir.Call(self.acc.helper("popped_adjoint", popped_adjoint), [taken, like], [])
                code.append(ir.Assign([copy_expr(tmp)], taken))
                self.acc.contribute(value, tmp, state, varied, code)
            else:
                code.append(ir.ExprStmt(taken))
        elif s in self.put_back and isinstance(value, ir.Name) and value.id in varied:
            # ``c[k] = t`` putting back the list ``t = c[k]``: hand the slot's adjoint over as it is
            # (no array arithmetic on a list); ``t = c[k]``'s adjoint puts it back (None adds as zero)
            tmp = ir.Name(self.ctx.namer.fresh("d_" + value.id + "_part"))
            code.append(ir.Assign([copy_expr(tmp)], ir.Subscript(copy_expr(var), copy_expr(op.index))))
            code.append(ir.Assign([ir.Subscript(copy_expr(var), copy_expr(op.index))], ir.Const(None)))
            self.acc.contribute(value, tmp, state, varied, code)
        else:
            index = copy_expr(op.index)
            part = ir.Subscript(copy_expr(var), index)
            tmp = None
            if isinstance(value, ir.Name) and value.id in varied:
                stmt = self._shape_alias.get(op.stmt, op.stmt)
                scalar = self.shapes.same(self.shapes.of(value, stmt), frozenset())
                if self.static_index(op.index, stmt):
                    # a number may be written into several entries: its adjoint is their sum
                    picked = part if scalar else ir.Call(self.acc.helper("snapshot", snapshot), [part], [])
                else:  # an index array may repeat an entry: only its last write counts
                    picked = ir.Call(self.acc.helper("written_part", written_part),
                                     [copy_expr(var), index_value(op.index)], [])
                picked = ir.Call(self.acc.helper("total", total), [picked], []) if scalar else \
                    ir.Call(self.acc.helper("unbroadcast", unbroadcast), [picked, copy_expr(value)], [])
                tmp = ir.Name(self.ctx.namer.fresh("d_" + value.id + "_part"))
                code.append(ir.Assign([copy_expr(tmp)], picked))
            code.append(ir.Assign([ir.Subscript(copy_expr(var), copy_expr(op.index))], ir.Const(0.0)))
            if tmp is not None:  # after the zeroing: ``y[:2] = y`` passes the part on to the old y
                self.acc.contribute(value, tmp, state, varied, code)
        reads = set()
        for c in code:
            reads |= self.acc.primal_reads(c)
        return reads


# operation kind -> the method emitting its adjoint, for kinds that need no incoming adjoint
EMITTERS = {"opaque": "emit_opaque", "call": "emit_opaque", "nondiff": "emit_constant",
            "empty": "emit_constant", "pop": "emit_pop", "scatter": "refuse_scatter"}
# operation kind -> the method turning the incoming adjoint into contributions
CONTRIBUTORS = {"rule": "rule_items", "copy": "copy_items", "unpack": "copy_items", "build": "literal_items"}


def _user(ctx, name):
    """The user's name for ``name`` (before renaming of redefinitions)."""
    return ctx.renamed_from.get(name, name)


def index_value(index):
    """An index as an ordinary expression: slices become ``slice(...)`` calls."""
    if isinstance(index, ir.Slice):
        parts = [index.lower, index.upper, index.step]
        while parts[-1] is None and len(parts) > 2:
            parts.pop()
        return ir.Call(ir.Name("slice"), [copy_expr(p) if p is not None else ir.Const(None) for p in parts], [])
    if isinstance(index, ir.Tuple):
        return ir.Tuple([index_value(e) for e in index.elts])
    return copy_expr(index)
