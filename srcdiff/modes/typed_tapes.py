"""Typed tapes for compiled targets: one tape per recorded variable, so each holds one type.

A compiled target (``tape="typed"``, Numba) cannot keep floats and arrays in one list, nor start
one as ``[None] * n``. The sweeps' ``tape.append(x)`` / ``x = tape.pop()`` pairs are split by the
variable they save (each variable's pushes and pops are in last-in first-out order too, because
the whole tape's are); a variable that only ever holds numbers gets a ``float64`` array and a
counter, preallocated from the loops' trip counts when they are known, grown with one capacity
check per push otherwise (``while`` loops)::

    tape_x = np.empty(len(range(n)))     tape_x[top_x] = x       top_x = top_x - 1
    top_x = 0                            top_x = top_x + 1       x = tape_x[top_x]

Other variables (arrays) keep a list of their own, typed by the compiler from its first append.
A push or pop of any other form (a slice saved before an assignment into it) is refused.
"""
from __future__ import annotations

from .. import ir
from ..backend.targets import BackendSyntaxError
from ..errors import located
from .tape_parts import capacity, is_method, is_push, nested, step_by


def arrange(forward_code, reverse_code, tape_name, params, mode, ctx):
    """(forward sweep, reverse sweep, tape creation) with one typed tape per recorded variable."""
    mode.tape_top = None
    if tape_name is None:
        return forward_code, reverse_code, []
    if isinstance(mode.seed, ir.Name):  # split mode (vjp): the tapes would travel between two functions
        line = next((s.line for s in _walk_statements(forward_code) if is_push(s, tape_name)), 0)
        raise BackendSyntaxError(located(
            ctx.filename, line, ctx.origin_text.get(line, ""),
            "the %r backend makes vjp only of functions that record no values (no loops or overwritten "
            "variables); this statement's old value is recorded" % ctx.target.name,
            "Use grad or value_and_grad with backend=%r, or vjp with backend='numpy'." % ctx.target.name))
    names = {}  # saved variable -> its tape's name
    forward_code = _split(forward_code, tape_name, names, ctx, push=True)
    reverse_code = _split(reverse_code, tape_name, names, ctx, push=False)
    np_name = ctx.target.bind_namespace(ctx)
    numbers = {n for n, shape in mode.shapes.constant_shapes().items() if shape == ()}
    # a variable not yet bound where its old value is recorded: Python's tape holds None for it,
    # which no typed tape holds. The placeholder is never read (Python would have had no value to
    # read); its type is the variable's when it holds numbers or truth values, and a variable of
    # another type (an array) fails to type-check, and is refused, rather than computing anything
    mode.predefine_values = {var: False if _truth_value(forward_code, var) else 0.0
                             for var in set(names) & set(getattr(mode, "predefine", ()))}
    known = set(params) - ir.assigned_names(forward_code)
    init = []
    for var, tape in sorted(names.items()):
        if var not in numbers:
            init.append(ir.Assign([ir.Name(tape)], ir.List([])))
            continue
        top = ctx.namer.fresh("top_" + var)
        size = capacity(forward_code, tape, known)
        empty = ir.Call(ir.Attr(ir.Name(np_name), "empty"), [ir.Const(0) if size is None else size], [])
        init += [ir.Assign([ir.Name(tape)], empty), ir.Assign([ir.Name(top)], ir.Const(0))]
        forward_code = _pushes(forward_code, tape, top, size is None, np_name)
        reverse_code = _pops(reverse_code, tape, top)
    return forward_code, reverse_code, init


def _truth_value(stmts, var):
    """Whether every value ``stmts`` assign to ``var`` is a comparison or a ``not`` (a loop's test)."""
    values = [s.value for s in _walk_statements(stmts) if isinstance(s, ir.Assign) and len(s.targets) == 1
              and isinstance(s.targets[0], ir.Name) and s.targets[0].id == var]
    return bool(values) and all(isinstance(v, ir.Compare) or (isinstance(v, ir.UnaryOp) and v.op == "not")
                                for v in values)


def _walk_statements(stmts):
    for s in stmts:
        yield s
        for block in (getattr(s, "body", None), getattr(s, "orelse", None)):
            if isinstance(s, (ir.If, ir.For, ir.While)) and block:
                yield from _walk_statements(block)


def _split(stmts, tape_name, names, ctx, push):
    """Rename ``tape.append(x)`` to ``tape_x.append(x)`` and ``x = tape.pop()`` to ``x = tape_x.pop()``."""
    out = []
    for s in stmts:
        if isinstance(s, (ir.If, ir.For, ir.While)):
            out.append(nested(s, lambda body: _split(body, tape_name, names, ctx, push)))
            continue
        uses = [n for n in ir.walk(s) if isinstance(n, ir.Name) and n.id == tape_name]
        if not uses:
            out.append(s)
            continue
        if push and is_push(s, tape_name) and isinstance(s.value.args[0], ir.Name):
            var = s.value.args[0].id
        elif not push and isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ir.Name) \
                and isinstance(s.value, ir.Call) and is_method(s.value, tape_name, "pop") and not s.value.args:
            var = s.targets[0].id
        else:
            raise _refused(s, ctx)
        if var not in names:
            names[var] = ctx.namer.fresh("%s_%s" % (tape_name, var))
        uses[0].id = names[var]
        out.append(s)
    return out


def _pushes(stmts, tape, top, growable, np_name):
    out = []
    for s in stmts:
        if is_push(s, tape):
            if growable:  # one capacity check per push: double the array when it is full
                full = ir.Compare(ir.Name(top), ["=="], [ir.Call(ir.Name("len"), [ir.Name(tape)], [])])
                more = ir.Call(ir.Attr(ir.Name(np_name), "empty"), [ir.BinOp("+", ir.Name(top), ir.Const(1))], [])
                grown = ir.Call(ir.Attr(ir.Name(np_name), "concatenate"), [ir.Tuple([ir.Name(tape), more])], [])
                out.append(ir.If(full, [ir.Assign([ir.Name(tape)], grown, s.line)], [], s.line))
            out.append(ir.Assign([ir.Subscript(ir.Name(tape), ir.Name(top))], s.value.args[0], s.line))
            step = step_by(top, 1)
            step.line = s.line
            out.append(step)
            continue
        out.append(nested(s, lambda body: _pushes(body, tape, top, growable, np_name)))
    return out


def _pops(stmts, tape, top):
    out = []
    for s in stmts:
        if isinstance(s, ir.Assign) and isinstance(s.value, ir.Call) and is_method(s.value, tape, "pop"):
            step = step_by(top, -1)
            step.line = s.line
            out += [step, ir.Assign(s.targets, ir.Subscript(ir.Name(tape), ir.Name(top)), s.line)]
            continue
        out.append(nested(s, lambda body: _pops(body, tape, top)))
    return out


def _refused(s, ctx):
    line = getattr(s, "line", 0) or 0
    return BackendSyntaxError(located(
        ctx.filename, line, ctx.origin_text.get(line, ""),
        "the %r backend keeps one typed tape per variable, and cannot record the value this statement "
        "overwrites (an assignment into part of an array, or a list item, inside a loop)" % ctx.target.name,
        "Use backend='numpy' for this function, or build a new array instead of assigning into one."))
