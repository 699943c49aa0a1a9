"""Adjoint values: the state of each adjoint during the reverse walk, and how contributions
accumulate into it (first write assigns, later ones add; lazy scalars, pending negations,
aliases and ownership for in-place updates)."""
from __future__ import annotations

import numbers
import types

import numpy

from ..front import reader
from .. import ir
from ..rules import helper_is
from ..runtime import kernels
from ..analysis.shape_rules import broadcast_known
from ..runtime.helpers import add, as_sequence, broadcast_count, expand, own_list, snapshot, unbroadcast, zeros_like
from ..rules.template import Contribution, Zero, fold, negate
from .adjoint_exprs import (Adj, fresh_array, copy_expr, materialize_zeros, mentions, expr_names, rename_names,
                            view_base, state_items)

# functions whose result may be a list or tuple (their adjoints add with ``runtime.add``)
CONTAINER_RESULTS = {as_sequence, kernels.dict_values, kernels.dict_items, kernels.dict_keys, list, tuple,
                      kernels.unstack, kernels.split_like}


class Accumulator:
    """The adjoints of one reverse walk: the variable holding each (``adj_names``), and how
    contributions accumulate into them. The walk's facts (shapes, containers, ...) come from
    ``walk``, the ``ReverseMode`` that owns this accumulator."""

    def __init__(self, ctx, walk):
        self.ctx = ctx
        self.walk = walk
        self.adj_names = {}  # primal name (or ("neg", name)) -> the variable holding its adjoint
        self.held_names = set()  # copies hold_incoming made of the current statement's incoming adjoint
        self.updated_in_place = set()  # adjoints written in place (their loops copy them once, before)
        self.state_view = {}  # the adjoint states of the statement being emitted

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

    def hold_incoming(self, items, dy, code, rewritten=frozenset()):
        """Keep the incoming adjoint in its own variable when an input's adjoint is about to be
        written into the variable it lives in while a later contribution still reads it.

        ``dy`` may be an expression over adjoint variables (``-d_v`` for a negated alias): each of
        them is held the same way. ``rewritten``: ids of contributions whose value will not stay
        ``dy`` itself (a lazy adjoint multiplied by a count), so they write, never just alias."""
        if isinstance(dy, Zero):
            return items
        if not isinstance(dy, ir.Name):
            for name in sorted(expr_names(dy) - self.walk.primal_names):
                items = self.hold_incoming(items, ir.Name(name), code, rewritten)
            return items
        if dy.id in self.walk.primal_names:
            return items
        contributions = [i for i in items if isinstance(i, Contribution)]
        readers = [c for c in contributions if dy.id in expr_names(c.value)]
        # variables the contributions may write: the targets' adjoints, and those of adjoints
        # aliasing them (they get their own variable first)
        written = set()
        for c in contributions:
            # passing ``dy`` itself on to a name with no adjoint yet only makes an alias; adding it
            # to an adjoint that exists writes that adjoint's variable
            passes_on = isinstance(c.value, ir.Name) and c.value.id == dy.id and c.target.id not in self.state_view \
                and id(c) not in rewritten if isinstance(c.target, ir.Name) else False
            if isinstance(c.target, ir.Name) and not passes_on:
                written |= {self.adj(c.target.id), self.neg_adj(c.target.id)}
        grown = True
        while grown:
            grown = False
            for name, a in state_items(self.state_view):
                if isinstance(a.expr, ir.Name) and a.expr.id in written and self.adj(name) not in written:
                    written.add(self.adj(name))
                    grown = True
        if dy.id in written and (len(readers) > 1 or any(
                isinstance(c.target, ir.Name) and dy.id not in (self.adj(c.target.id), self.neg_adj(c.target.id))
                for c in readers)):
            held = ir.Name(self.ctx.namer.fresh(dy.id + "_out"))
            code.append(ir.Assign([held], copy_expr(dy)))
            self.held_names.add(held.id)
            return [Contribution(i.target, rename_names(i.value, {dy.id}, held.id), i.param, i.line)
                    if isinstance(i, Contribution) else i for i in items]
        return items

    def wrap_broadcast(self, op, items):
        """Sum contributions back over broadcast axes where an elementwise rule can broadcast."""
        if not op.rule.elementwise:
            return items
        arrays = [a for a in op.binding.values() if not isinstance(a, ir.Const)]
        if len(arrays) < 2:
            return items
        stmt = self.walk._shape_alias.get(op.stmt, op.stmt)
        result = self.walk.shapes.of(op.target, stmt, after=True)
        out = []
        for item in items:
            if isinstance(item, Contribution) and not isinstance(item.target, ir.Const) and \
                    not self.walk.shapes.same(self._input_class(item.target, stmt), result):
                item = Contribution(item.target, self.unbroadcast(item.value, item.target), item.param, item.line)
            out.append(item)
        return out

    def unbroadcast(self, value, target):
        """``unbroadcast(value, target)``, with a sign pulled outside (it is linear)."""
        value = fold(value)
        inner, negated = (value.operand, True) if isinstance(value, ir.UnaryOp) and value.op == "-" else (value, False)
        call = ir.Call(self.helper("unbroadcast", unbroadcast), [inner, copy_expr(target)], [])
        return ir.UnaryOp("-", call) if negated else call

    def _input_class(self, atom, stmt):
        if isinstance(atom, ir.Name) and atom.id == "__srcdiff_old__":
            original = getattr(self.walk, "_probe_original", {}).get(atom.id)
            return self.walk.shapes.of(ir.Name(original), stmt) if original else None
        return self.walk.shapes.of(atom, stmt)

    def zeros(self, atom, stmt=None, after=False):
        """A zero adjoint for ``atom``: ``0.0`` when the shape analysis knows it is a scalar; ``[]``
        for a stack (``tape_parts.stacks``: the items on it then are never popped later)."""
        if isinstance(atom, ir.Name) and atom.id in self.walk.stacks:
            return ir.List([])
        if stmt is not None and self.walk.shapes.of(atom, stmt, after=after) == frozenset():
            return ir.Const(0.0)
        return ir.Call(self.helper("zeros_like", zeros_like), [copy_expr(atom)], [])

    def coverage(self, item, s, scalar_names=frozenset()):
        """For a contribution computed from a lazy (scalar) adjoint: (status, like, value).

        status "lazy": the value is still a scalar standing for an array shaped like ``like``;
        "full": the value has the target's shape (after ``unbroadcast`` when needed);
        "ambiguous": broadcasting may have happened, so the rule must see the full adjoint.
        """
        value, target = item.value, item.target
        if self._is_call_of(value, (unbroadcast, expand)):
            return "full", None, value
        stmt = self.walk._shape_alias.get(s, s)
        classes = set()
        for n in ir.walk(value):
            if not isinstance(n, ir.Name) or n.id in scalar_names:
                continue
            if n.id in self.walk.primal_names:
                c = self.walk.shapes.of(n, stmt)
                if c is None:
                    c = self.walk.shapes.of(n, stmt, after=True)
                if c is None:
                    return "ambiguous", None, value
                classes |= c
            elif not self._is_code(n):  # a global or closure value: its shape is unknown
                return "ambiguous", None, value
        target_class = self.walk.shapes.of(target, stmt)
        result_class = self.walk.shapes.of(self.walk.classify(stmt).target, stmt, after=True) \
            if isinstance(self.walk.classify(stmt).target, ir.Name) else None
        if not classes:
            if target_class is not None and target_class == result_class:
                return "lazy", copy_expr(target), value
            result = self.walk.classify(stmt).target
            if isinstance(result, ir.Name):  # each entry of the operand reached this many of the result
                count = ir.Call(self.helper("broadcast_count", broadcast_count), [copy_expr(result),
                                                                                 copy_expr(target)], [])
                return "lazy", copy_expr(target), fold(ir.BinOp("*", value, count))
            return "ambiguous", None, value
        classes = broadcast_known(frozenset(classes), None)  # known shapes: the one they broadcast to
        if classes == target_class:
            return "full", None, value
        if result_class is not None and classes == result_class:
            return "full", None, self.unbroadcast(value, target)  # shaped like the result: sum it down
        return "ambiguous", None, value

    def _is_code(self, name):
        """Does ``name`` refer to a module, function or class (not to data)?"""
        if name.id in self.ctx.helpers:
            obj = self.ctx.helpers[name.id]
        else:
            obj = self.ctx.env.lookup(name.id)
        if reader.is_missing(obj):
            return False
        if isinstance(obj, numbers.Number) and not isinstance(obj, bool):
            return True  # a number broadcasts like a scalar
        return isinstance(obj, types.ModuleType) or callable(obj)

    def _is_call_of(self, expr, functions):
        return isinstance(expr, ir.Call) and isinstance(expr.func, ir.Name) and \
            any(self.ctx.helpers.get(expr.func.id) is f for f in functions)

    def expanded(self, a):
        """A lazy adjoint broadcast to its full shape."""
        return ir.Call(self.helper("expand", expand), [self.signed(a), copy_expr(a.like)], [])

    @staticmethod
    def signed(a):
        """The adjoint's value with its pending negation applied."""
        return negate(copy_expr(a.expr)) if a.negated else copy_expr(a.expr)

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
                parts = [fold(ir.Subscript(copy_expr(value), ir.Const(i))) for i in range(len(target.elts))]
            for t, v in zip(target.elts, parts):
                self.contribute(t, v, state, varied, code)
            return
        if not isinstance(target, ir.Name) or target.id not in varied:
            return
        value = materialize_zeros(fold(value), self)
        if isinstance(value, Zero):
            return
        if like is None and self._is_call_of(value, (expand,)) and len(value.args) == 2 \
                and isinstance(value.args[1], ir.Name) and value.args[1].id == target.id:
            like, value = value.args[1], value.args[0]  # the adjoint of a full sum: keep it a scalar
        name = target.id
        var = self.adj(name)
        current = state.get(name)
        if current is None:
            negated = isinstance(value, ir.UnaryOp) and value.op == "-" and name not in self.walk.containers
            if negated:
                value = value.operand
            if isinstance(value, ir.Const) or (isinstance(value, ir.Name) and value.id not in self.walk.primal_names):
                state[name] = Adj(value, owned=False, like=like, negated=negated)  # an alias: no statement
                return
            if negated:  # the variable holds minus the adjoint, and says so in its name
                var = self.neg_adj(name)
            self.release(var, state, code, keep=name)
            if view_base(value) in self.walk.restored_primals:  # the reverse sweep restores it in place
                value = ir.Call(self.helper("snapshot", snapshot), [value], [])
            code.append(ir.Assign([ir.Name(var)], value))
            owned = like is None and self.allocates(value) and not mentions(value, var)
            listed = owned and self._is_call_of(value, (kernels.unstack, own_list))
            state[name] = Adj(ir.Name(var), owned=owned, like=like, negated=negated, listed=listed)
            return
        self.release(var, state, code, keep=name)
        if name in self.walk.containers:
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
        value = self.full(a)
        code.append(ir.Assign([ir.Name(var)], value))
        # ``-x`` is a new array, but ``expand(-x, like)`` of a lazy negated adjoint is a broadcast view
        state[name] = Adj(ir.Name(var), owned=(a.owned and a.like is None) or (a.negated and a.like is None)
                          or self.allocates(value))

    def ensure_owned(self, name, state, code):
        self.materialize(name, state, code)
        a = state[name]
        self.updated_in_place.add(name)
        if not self.unowned(name, a):
            return
        var = self.adj(name)
        self.release(var, state, code, keep=name)
        if name in self.walk.appended:  # popped in the reverse sweep: a list, even where a rule gave an array
            code.append(ir.Assign([ir.Name(var)], ir.Call(self.helper("own_list", own_list), [copy_expr(a.expr)],
                                                          [])))
        else:
            code.append(ir.Assign([ir.Name(var)], ir.Call(ir.Attr(copy_expr(a.expr), "copy"), [], [])))
        state[name] = Adj(ir.Name(var), owned=True, listed=name in self.walk.appended)

    def unowned(self, name, a):
        """Must ``name``'s adjoint ``a`` be copied before it is updated in place (or popped)?"""
        return not a.owned or (name in self.walk.appended and not a.listed and name not in self.walk.stacks)

    def allocates(self, value):
        """Is ``value`` certainly a new object (safe to update in place)?"""
        if fresh_array(value):
            return True
        if isinstance(value, ir.Call) and isinstance(value.func, ir.Name) and value.func.id in self.ctx.helpers:
            return helper_is("fresh", self.ctx.helpers.get(value.func.id))
        if isinstance(value, ir.Call) and isinstance(value.func, (ir.Name, ir.Attr)) and not value.keywords:
            fn = self.ctx.resolve(value.func)
            return isinstance(fn, numpy.ufunc)  # a ufunc without ``out=`` returns a new array
        return False

    def primal_reads(self, stmt):
        return {n.id for n in ir.walk(stmt) if isinstance(n, ir.Name) and n.id in self.walk.primal_names}

    # ------------------------------------------------------------ branches

    def _reads(self, code):
        reads = set()
        for c in code:
            reads |= self.primal_reads(c)
        return reads
