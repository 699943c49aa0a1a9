"""Shape classes: which values certainly have the same shape, and which are scalars.

Each value gets a class: a set of opaque "base shapes" it was broadcast from. A Python number
has the empty class (a scalar); an elementwise operation's result has the union of its operands'
classes; anything else (a matrix product, a slice, an argument) starts a new base. Two values
with equal classes have equal shapes, so the adjoint of broadcasting (``unbroadcast``) is only
needed where an operand's class differs from the result's. Names assigned inside a loop get a new
base at the loop head (their shape may change between iterations) unless they stay scalars.

Returns a side table: the class of every name before and after each statement.
"""
from __future__ import annotations

import numbers
import types

from .. import frontend, ir
from .dataflow import Forward

SCALAR = frozenset()


def _as_dict(state):
    return dict(state) if state is not None else {}


def _freeze(d):
    return tuple(sorted(d.items(), key=lambda kv: kv[0]))


class ShapeClasses(Forward):
    def __init__(self, classify, ctx, shape_kind):
        super().__init__()
        self.classify = classify
        self.ctx = ctx
        self.shape_kind = shape_kind  # rule -> "elementwise" | "reduce" | "scalar" | None
        self._merge_points = {}

    # --------------------------------------------------------------- lattice
    def join(self, a, b):
        da, db = dict(a), dict(b)
        out = {}
        for name in set(da) | set(db):
            ca, cb = da.get(name), db.get(name)
            if ca is None or cb is None or ca == cb:
                out[name] = ca if cb is None else cb
            else:
                out[name] = frozenset([("merge", name, ca, cb)])
        return _freeze(out)

    def loop(self, s, entry):
        assigned = _assigned_in(s, self.classify)
        entry_d = _as_dict(entry)
        head = dict(entry_d)
        for name in assigned:
            head[name] = frozenset([("head", id(s), name)])
        # names that stay scalar on every path keep the scalar class
        scalar_guess = {n for n in assigned if entry_d.get(n) == SCALAR}
        if isinstance(s, ir.For):
            scalar_guess |= set(ir.target_names(s.target))
        while True:
            trial = dict(head)
            for n in scalar_guess:
                trial[n] = SCALAR
            self._loops.append([[], []])
            end = self.run(s.body, self.loop_target(s, _freeze(trial)))
            breaks, continues = self._loops.pop()
            ends = [e for e in [end] + continues if e is not None]
            still = {n for n in scalar_guess
                     if all(dict(e).get(n, SCALAR) == SCALAR for e in ends)}
            if still == scalar_guess:
                break
            scalar_guess = still
        exit_state = dict(trial)
        for n in assigned:
            if any(dict(b).get(n, SCALAR) != SCALAR for b in breaks) or exit_state.get(n) != SCALAR:
                exit_state[n] = frozenset([("exit", id(s), n)])
        out = _freeze(exit_state)
        if s.orelse:
            out = self.run(s.orelse, out)
        return out

    def loop_target(self, loop, state):
        if isinstance(loop, ir.For):
            d = _as_dict(state)
            for n in ir.target_names(loop.target):
                d[n] = SCALAR if _is_range(loop.iter) else frozenset([("target", id(loop), n)])
            return _freeze(d)
        return state

    # -------------------------------------------------------------- transfer
    def cls(self, atom, state, s):
        if isinstance(atom, ir.Const):
            return SCALAR if isinstance(atom.value, numbers.Number) else None
        if isinstance(atom, ir.Name):
            c = state.get(atom.id)
            if c is not None:
                return c
            if atom.id in self.ctx.locals:
                return frozenset([("use", id(s), atom.id)])
        obj = self.ctx.resolve(atom) if isinstance(atom, (ir.Name, ir.Attr)) else frontend._MISSING
        if isinstance(atom, ir.Attr) and isinstance(obj, numbers.Number) and _module_rooted(atom, self.ctx):
            return SCALAR
        if isinstance(atom, ir.Name) and isinstance(obj, (float, int)) and not isinstance(obj, bool):
            self.ctx.guard_type(atom.id, obj)  # a global or closure number: rebuilt if it becomes an array
            return SCALAR
        return frozenset([("use", id(s), atom.id if isinstance(atom, ir.Name) else id(atom))])

    def transfer(self, s, state):
        op = self.classify(s)
        d = _as_dict(state)
        names = op.defines()
        if not names:
            return state
        if len(names) != 1 or not isinstance(op.target, ir.Name):
            for n in names:
                d[n] = frozenset([("def", id(s), n)])
            return _freeze(d)
        d[names[0]] = self.result_class(s, op, d)
        return _freeze(d)

    def result_class(self, s, op, d):
        fresh = frozenset([("def", id(s))])
        if op.kind == "copy":
            c = self.cls(op.source, d, s)
            return c if c is not None else fresh
        kind = None
        if op.kind == "rule" or (op.kind == "nondiff" and op.rule is not None):
            kind = self.shape_kind(op.rule)
        elif op.kind == "nondiff" and isinstance(op.stmt.value, (ir.Compare, ir.UnaryOp)):
            kind = "elementwise"
        if kind == "scalar":
            return SCALAR
        if kind == "reduce":
            axis = op.binding.get("axis") if op.binding or op.kind == "rule" else _keyword(op, "axis", 1)
            keep = op.binding.get("keepdims") if op.binding or op.kind == "rule" else _keyword(op, "keepdims", 3)
            if (axis is None or (isinstance(axis, ir.Const) and axis.value is None)) and \
                    (keep is None or (isinstance(keep, ir.Const) and not keep.value)):
                return SCALAR
            return fresh
        if kind == "elementwise":
            operands = _operands(op)
            out = set()
            for a in operands:
                c = self.cls(a, d, s)
                if c is None:
                    continue
                out |= c
            return frozenset(out)
        return fresh


def _operands(op):
    if op.kind == "rule" or (op.kind == "nondiff" and op.binding):
        return [a for a in op.binding.values() if isinstance(a, (ir.Name, ir.Const, ir.Attr))]
    if op.kind == "nondiff" and op.args:
        return [a for a in op.args if isinstance(a, (ir.Name, ir.Const, ir.Attr))]
    value = op.stmt.value
    if isinstance(value, ir.Compare):
        return [value.left] + list(value.comparators)
    if isinstance(value, ir.UnaryOp):
        return [value.operand]
    return list(op.args)


def _keyword(op, name, position):
    """An argument of a call without a rule binding (``axis=`` or the positional slot)."""
    for k, v in op.keywords:
        if k == name:
            return v
    if len(op.args) > position:
        return op.args[position]
    return None


def _is_range(it):
    return isinstance(it, ir.Call) and isinstance(it.func, ir.Name) and it.func.id == "range"


def _module_rooted(attr, ctx):
    root = attr
    while isinstance(root, ir.Attr):
        root = root.value
    return isinstance(ctx.resolve(root), types.ModuleType)


def _assigned_in(loop, classify):
    names = set(ir.target_names(loop.target)) if isinstance(loop, ir.For) else set()
    for s in ir.walk(ir.FunctionDef("", [], loop.body)):
        if isinstance(s, ir.For):
            names |= set(ir.target_names(s.target))
        elif isinstance(s, ir.Stmt) and not isinstance(s, (ir.If, ir.While, ir.FunctionDef, ir.For)):
            op = classify(s)
            names |= set(op.defines()) | set(op.mutates())
    return names


class Shapes:
    """Side table of shape classes, queried by the modes."""

    def __init__(self, fn_def, classify, ctx, scalars, shape_kind):
        init = {}
        for p in fn_def.params:
            init[p.name] = SCALAR if p.name in scalars else frozenset([("param", p.name)])
        analysis = ShapeClasses(classify, ctx, shape_kind)
        analysis.run(fn_def.body, _freeze(init))
        self.before = analysis.before
        self.after = analysis.after

    def of(self, atom, stmt, after=False):
        """The class of ``atom`` just before (or after) ``stmt``; None when nothing is known."""
        if isinstance(atom, ir.Const):
            return SCALAR if isinstance(atom.value, numbers.Number) else None
        if not isinstance(atom, ir.Name):
            return None
        table = self.after if after else self.before
        state = table.get(stmt)
        return dict(state).get(atom.id) if state is not None else None

    def same(self, a, b):
        return a is not None and b is not None and a == b
