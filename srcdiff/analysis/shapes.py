"""Shape classes: which values certainly have the same shape, and which are scalars.

Each value gets a class: a set of opaque "base shapes" it was broadcast from. A Python number
has the empty class (a scalar); an elementwise operation's result has the union of its operands'
classes; anything else (a matrix product, a slice, an argument) starts a new base. Two values
with equal classes have equal shapes, so the adjoint of broadcasting (``unbroadcast``) is only
needed where an operand's class differs from the result's. Names assigned inside a loop get a new
base at the loop head (their shape may change between iterations) unless they keep their class.

When the call's argument shapes are known (code specialized to them), a base can be a concrete
shape instead: ``("shape", (32, 3))``. Parameters start with their shapes, matrix products,
reductions, subscripts, transposes and reshapes of known shapes get known shapes, and an
elementwise result's known shapes are broadcast together, so values of equal shape are seen to be
equal even when they come from different products.

Returns a side table: the class of every name before and after each statement.
"""
from __future__ import annotations

import bisect
import numbers
import operator
import types

import numpy

from ..front import reader
from .. import ir
from ..rules import fact
from .dataflow import Forward
from .shape_rules import (UNKNOWN, broadcast_known, constant, indexed_shape, known, permuted, range_targets,
                          reduced_shape, reshaped)

SCALAR = frozenset()


def _as_dict(state):
    return dict(state) if state is not None else {}


def _lookup(state, name, default=None):
    """``dict(state).get(name, default)`` by bisection: a state holds every name of the function."""
    i = bisect.bisect_left(state, name, key=_first)
    return state[i][1] if i < len(state) and state[i][0] == name else default


class _Read:
    """A state read by name (all a transfer needs), without copying it into a dict."""

    def __init__(self, state):
        self.state = state or ()

    def get(self, name, default=None):
        return _lookup(self.state, name, default)


def _freeze(d):
    return tuple(sorted(d.items()))  # names are unique: only they are compared, in C (no key function)


def _with(state, changes):
    """``_freeze`` of ``state`` with ``changes`` (name -> class) applied, without sorting it again:
    one statement changes a name or two of hundreds."""
    out = list(state or ())
    for name, cls in changes.items():
        i = bisect.bisect_left(out, name, key=_first)
        if i < len(out) and out[i][0] == name:
            out[i] = (name, cls)
        else:
            out.insert(i, (name, cls))
    return tuple(out)


_first = operator.itemgetter(0)


class ShapeClasses(Forward):
    def __init__(self, classify, ctx, shape_kind):
        super().__init__()
        self.classify = classify
        self.ctx = ctx
        self.shape_kind = shape_kind  # rule -> "elementwise" | "reduce" | "scalar" | None
        self._merge_points = {}
        self.int_names = frozenset()  # names only ever bound by ``for name in range(...)``: integers
        self.derived = {}  # id(state) -> (state, the state it was made from, the pairs changed)

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
        # names whose class is the same at the end of every iteration keep it (scalars, known shapes)
        guess = {n: entry_d[n] for n in assigned if entry_d.get(n) == SCALAR or known(entry_d.get(n)) is not None}
        if isinstance(s, ir.For):
            guess.update({n: SCALAR for n in ir.target_names(s.target)})
        while True:
            trial = dict(head)
            trial.update(guess)
            self._loops.append([[], []])
            end = self.run(s.body, self.loop_target(s, _freeze(trial)))
            breaks, continues = self._loops.pop()
            ends = [e for e in [end] + continues if e is not None]
            still = {n: c for n, c in guess.items() if all(dict(e).get(n, c) == c for e in ends)}
            if still == guess:
                break
            guess = still
        exit_state = dict(trial)
        for n in assigned:
            if n not in guess or any(dict(b).get(n, guess[n]) != guess[n] for b in breaks):
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
        obj = self.ctx.resolve(atom) if isinstance(atom, (ir.Name, ir.Attr)) else reader.MISSING
        if isinstance(atom, ir.Attr) and isinstance(obj, numbers.Number) and _module_rooted(atom, self.ctx):
            return SCALAR
        if isinstance(atom, ir.Name) and isinstance(obj, (float, int)) and not isinstance(obj, bool):
            self.ctx.guard_type(atom.id, obj)  # a global or closure number: rebuilt if it becomes an array
            return SCALAR
        return frozenset([("use", id(s), atom.id if isinstance(atom, ir.Name) else id(atom))])

    def transfer(self, s, state):
        op = self.classify(s)
        names = op.defines()
        if not names:
            return state
        if len(names) != 1 or not isinstance(op.target, ir.Name):
            return self._derived_from(state, {n: frozenset([("def", id(s), n)]) for n in names})
        return self._derived_from(state, {names[0]: self.result_class(s, op, _Read(state))})

    def _derived_from(self, state, changes):
        """``_with(state, changes)``, remembered as made from ``state`` (see ``_classes_by_name``)."""
        new = _with(state, changes)
        self.derived[id(new)] = (new, state, tuple(changes.items()))
        return new

    def result_class(self, s, op, d):
        fresh = frozenset([("def", id(s))])
        if op.kind == "copy":
            c = self.cls(op.source, d, s)
            return c if c is not None else fresh
        sizes = self.sizes(op, d, s)
        if sizes is not None:
            return sizes
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
        if kind == "elementwise":
            operands = _operands(op)
            out = set()
            for a in operands:
                c = self.cls(a, d, s)
                if c is None:
                    continue
                out |= c
            return broadcast_known(out, fresh)
        shape = self.concrete_result(op, d, s)
        return frozenset([("shape", shape)]) if shape is not None else fresh

    def sizes(self, op, d, s):
        """``x.shape`` is a tuple of ints; ``x.shape[1]``, ``x.size``, ``x.ndim`` are Python ints
        (numbers: ``Q @ K.T / np.sqrt(Q.shape[1])`` keeps the shape of ``Q @ K.T``)."""
        value = op.stmt.value if isinstance(op.stmt, ir.Assign) else None
        if op.kind == "nondiff" and isinstance(value, ir.Attr) and self.classify.is_local_root(value):
            if value.attr in ("size", "ndim"):
                return SCALAR
            if value.attr == "shape":
                return frozenset([("shape tuple", id(s))])  # its entries are Python ints
        if op.kind == "index" and isinstance(constant(op.index), int):
            source = op.source
            if isinstance(source, ir.Attr) and source.attr == "shape" and self.classify.is_local_root(source) or \
                    isinstance(source, ir.Name) and _is_shape_tuple(d.get(source.id)):
                return SCALAR
        return None

    def known(self, atom, d, s):
        """The concrete shape of ``atom`` when known (``()`` for a Python number), else None."""
        c = self.cls(atom, d, s) if isinstance(atom, (ir.Name, ir.Const, ir.Attr)) else None
        return () if c == SCALAR else known(c)

    def concrete_result(self, op, d, s):
        """The shape of a product, reduction, subscript, transpose or reshape of known shapes."""
        if op.kind == "index":
            base = self.known(op.source, d, s)
            return None if base is None else indexed_shape(base, op.index, self.int_names)
        if op.kind != "rule":
            return None
        b, obj = op.binding, op.rule.obj
        declared = fact(obj, "result_shape")  # with the rule (numpy_products)
        if declared is not None:
            shape_of, params = declared
            return shape_of(*[self.known(b.get(p), d, s) for p in params])
        if any(obj is r for r in _REDUCTIONS):
            base = self.known(b.get("a"), d, s)
            axis, keep = constant(b.get("axis")), constant(b.get("keepdims"))
            if base is None or axis is UNKNOWN or keep is UNKNOWN or set(b) - _REDUCTION_PARAMS:
                return None
            return reduced_shape(base, axis, bool(keep))
        if obj is numpy.transpose:
            base, axes = self.known(b.get("a"), d, s), constant(b.get("axes"))
            if base is None or axes is UNKNOWN:
                return None
            return tuple(reversed(base)) if axes is None else permuted(base, axes)
        if obj is numpy.reshape:
            base = self.known(b.get("a"), d, s)
            new = constant(b.get("shape", b.get("newshape")))
            return None if base is None or new is UNKNOWN or new is None else reshaped(base, new)
        return None


_REDUCTIONS = (numpy.sum, numpy.mean, numpy.max, numpy.min, numpy.prod, numpy.var, numpy.std)
_REDUCTION_PARAMS = {"a", "axis", "keepdims", "ddof", "dtype"}  # others (``where``...) may change the shape


def _is_shape_tuple(cls):
    return cls is not None and len(cls) == 1 and next(iter(cls))[0] == "shape tuple"


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
        arg_shapes = dict(ctx.arg_shapes)  # parameter -> shape, when the code is specialized to shapes
        for p in fn_def.params:
            if p.name in scalars:
                init[p.name] = SCALAR
            elif p.name in arg_shapes:
                init[p.name] = frozenset([("shape", arg_shapes[p.name])])
            else:
                init[p.name] = frozenset([("param", p.name)])
        analysis = ShapeClasses(classify, ctx, shape_kind)
        analysis.int_names = range_targets(fn_def, classify) if arg_shapes else frozenset()
        analysis.run(fn_def.body, _freeze(init))
        self.before = analysis.before
        self.after = analysis.after
        self._derived = analysis.derived

    def of(self, atom, stmt, after=False):
        """The class of ``atom`` just before (or after) ``stmt``; None when nothing is known."""
        if isinstance(atom, ir.Const):
            return SCALAR if isinstance(atom.value, numbers.Number) else None
        if not isinstance(atom, ir.Name):
            return None
        table = self.after if after else self.before
        state = table.get(stmt)
        return _lookup(state, atom.id) if state is not None else None

    def same(self, a, b):
        return a is not None and b is not None and a == b

    def _classes_by_name(self):
        states = {id(state): state for table in (self.before, self.after) for state in table.values() if state}
        pairs = set()
        for key, state in states.items():
            made = self._derived.get(key)
            if made is not None and states.get(id(made[1])) is made[1]:
                pairs.update(made[2])  # the rest of it is in the state it was made from, also listed
            else:
                pairs.update(state)
        seen = {}
        for name, cls in pairs:
            seen.setdefault(name, set()).add(cls)
        return dict(sorted(seen.items()))  # a fixed order for whoever iterates this

    def shapes_by_name(self):
        """name -> the set of shapes it has anywhere (None in it where a shape is not known)."""
        return {name: {known(c) for c in classes} for name, classes in self._classes_by_name().items()}

    def constant_shapes(self):
        """Names that hold arrays of one known shape wherever they are defined: name -> shape, and
        names that only ever hold numbers: name -> ``()``."""
        out = {}
        for name, classes in self._classes_by_name().items():
            shapes = {known(c) for c in classes}
            if classes == {SCALAR}:
                out[name] = ()
            elif len(shapes) == 1 and None not in shapes and len(next(iter(shapes))) >= 1:
                out[name] = next(iter(shapes))
        return out
