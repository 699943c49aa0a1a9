"""Typed tapes for compiled targets: one tape per recorded variable, so each holds one type.

A compiled target (``tape="typed"``, Numba) cannot keep floats and arrays in one list, nor start
one as ``[None] * n``. The sweeps' ``tape.append(x)`` / ``x = tape.pop()`` pairs are split by the
variable they save, and the values a write into an array overwrites (``tape.append(snapshot(y[i]))``
/ ``y[i] = tape.pop()``) by the part of the array written (each tape's pushes and pops are in
last-in first-out order too, because the whole tape's are). A tape whose values are numbers (int64
when proved integers), truth values or arrays of one known shape is an array with a counter, one
row per push, preallocated from the loops' trip counts when they are known, grown with one
capacity check per push otherwise (``while`` loops)::

    tape_h = np.empty((len(range(n)), 16))     tape_h[top_h] = h        top_h = top_h - 1
    top_h = 0                                  top_h = top_h + 1        h = tape_h[top_h]

Other values (arrays whose shape is not known when the code is made) keep a list of their own,
typed by the compiler from its first append. A push or pop of any other form (an item of a dict)
is refused. In split mode (vjp) the tapes and counters are residuals (``mode.typed_tapes``).
"""
from __future__ import annotations

from .. import ir
from ..analysis.shape_rules import indexed_shape, known, range_targets
from ..backend.targets import BackendSyntaxError
from ..errors import located
from ..front.printing import unparse
from .tape_parts import capacity, is_method, is_push, nested, step_by


def arrange(forward_code, reverse_code, tape_name, params, mode, ctx):
    """(forward sweep, reverse sweep, tape creation) with one typed tape per recorded value."""
    mode.tape_top = None
    mode.typed_tapes = []
    if tape_name is None:
        return forward_code, reverse_code, []
    names = {}  # the value saved (a variable's name, or the text of the part of an array written) -> its tape
    stores = {}  # the text of a part of an array -> (the array's name, the index)
    forward_code = _split(forward_code, tape_name, names, stores, ctx, push=True)
    reverse_code = _split(reverse_code, tape_name, names, stores, ctx, push=False)
    np_name = ctx.target.bind_namespace(ctx)
    int_names = range_targets(mode.fn, mode.classify)
    kinds = {key: _kind(key, forward_code, stores, int_names, mode, set(params)) for key in names}
    ints = proved_ints(forward_code, set(params))
    kinds = {key: "int" if kind == () and key in ints else kind for key, kind in kinds.items()}
    # a variable not yet bound where its old value is recorded: Python's tape holds None for it,
    # which no typed tape holds. The placeholder is never read (Python would have had no value to
    # read); it has the variable's type where that is known, and a variable of another type fails
    # to type-check, and is refused, rather than computing anything
    mode.predefine_values = {var: _placeholder(kinds[var], np_name)
                             for var in set(names) & set(getattr(mode, "predefine", ()))}
    known = set(params) - ir.assigned_names(forward_code)
    init = []
    for key, tape in sorted(names.items()):
        kind = kinds[key]
        mode.typed_tapes.append(tape)
        if kind is None:
            init.append(ir.Assign([ir.Name(tape)], ir.List([])))
            continue
        top = ctx.namer.fresh("top_" + tape.split("_", 1)[-1])
        mode.typed_tapes.append(top)
        size = capacity(forward_code, tape, known)
        init += [ir.Assign([ir.Name(tape)], _empty(np_name, ir.Const(0) if size is None else size, kind)),
                 ir.Assign([ir.Name(top)], ir.Const(0))]
        forward_code = _pushes(forward_code, tape, top, kind if size is None else False, np_name)
        reverse_code = _pops(reverse_code, tape, top)
    return forward_code, reverse_code, init


def _kind(key, forward_code, stores, int_names, mode, params):
    """What a tape's rows hold: "bool", ``()`` (numbers; "int" when proved integers), an array shape,
    or None (a list)."""
    if key in stores:
        base, index = stores[key]
        shape = _value_shape(base, forward_code, mode, params)
        return indexed_shape(shape, index, int_names) if shape is not None and shape != () else None
    if _truth_value(forward_code, key):
        return "bool"
    return _value_shape(key, forward_code, mode, params)


def _value_shape(var, stmts, mode, params):
    """The one shape every value ``var`` is given has (``()`` for numbers), else None: its class
    just after each assignment (at a loop's head a variable first bound in the loop has none)."""
    shapes = set()
    if var in params:
        shapes.add(() if var in mode.scalars else mode.ctx.arg_shapes.get(var))
    for s in _walk_statements(stmts):
        if isinstance(s, ir.For) and var in ir.target_names(s.target):
            shapes.add(() if _is_range(s.iter) else None)
        elif isinstance(s, ir.Assign) and any(var in ir.target_names(t) for t in s.targets):
            cls = mode.shapes.of(ir.Name(var), s, after=True)
            shapes.add(() if cls == frozenset() else known(cls))
    return shapes.pop() if len(shapes) == 1 else None


def proved_ints(stmts, params):
    """Names every assignment in ``stmts`` gives an integer: an int constant, a ``range`` loop's
    target, or ``+ - * // %`` of those (assumed of each other until one fails: the largest such
    set). Parameters are not among them (an argument's type is the caller's)."""
    values, bad = {}, set(params)
    for s in _walk_statements(stmts):
        if isinstance(s, ir.Assign):
            for t in s.targets:
                if isinstance(t, ir.Name):
                    values.setdefault(t.id, []).append(s.value)
                else:
                    bad.update(ir.target_names(t))
        elif isinstance(s, ir.AugAssign) and isinstance(s.target, ir.Name):
            values.setdefault(s.target.id, []).append(ir.BinOp(s.op, s.target, s.value))
        elif isinstance(s, ir.For):
            if not _is_range(s.iter):
                bad.update(ir.target_names(s.target))
        elif not isinstance(s, (ir.If, ir.While, ir.ExprStmt, ir.Return, ir.Break, ir.Continue, ir.Pass, ir.Comment)):
            bad.update(ir.assigned_names([s]))
    ints = set(values) - bad
    changed = True
    while changed:
        changed = False
        for name in sorted(ints):
            if not all(_int_valued(v, ints) for v in values[name]):
                ints.discard(name)
                changed = True
    return ints


def _int_valued(e, ints):
    if isinstance(e, ir.Const):
        return type(e.value) is int
    if isinstance(e, ir.Name):
        return e.id in ints
    if isinstance(e, ir.BinOp):
        return e.op in ("+", "-", "*", "//", "%") and _int_valued(e.left, ints) and _int_valued(e.right, ints)
    return isinstance(e, ir.UnaryOp) and e.op in ("-", "+") and _int_valued(e.operand, ints)


def _is_range(it):
    return isinstance(it, ir.Call) and isinstance(it.func, ir.Name) and it.func.id == "range"


def _empty(np_name, size, kind):
    """``np.empty(size)``, ``np.empty(size, np.bool_ or np.int64)`` or ``np.empty((size, *shape))``."""
    if kind in ("bool", "int"):
        dtype = "bool_" if kind == "bool" else "int64"
        return ir.Call(ir.Attr(ir.Name(np_name), "empty"), [size, ir.Attr(ir.Name(np_name), dtype)], [])
    if kind == ():
        return ir.Call(ir.Attr(ir.Name(np_name), "empty"), [size], [])
    return ir.Call(ir.Attr(ir.Name(np_name), "empty"), [ir.Tuple([size] + [ir.Const(d) for d in kind])], [])


def _placeholder(kind, np_name):
    if kind == "bool":
        return False
    if kind == "int":
        return 0
    if kind is None or kind == ():
        return 0.0
    return ir.Call(ir.Attr(ir.Name(np_name), "zeros"), [ir.Tuple([ir.Const(d) for d in kind])], [])


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


def _saved_part(value):
    """``y[i]`` of a push's ``snapshot(y[i])`` (a write into array ``y`` saves the part it overwrites)."""
    if isinstance(value, ir.Call) and len(value.args) == 1 and not value.keywords and isinstance(value.func, ir.Name) \
            and isinstance(value.args[0], ir.Subscript) and isinstance(value.args[0].value, ir.Name):
        return value.args[0]
    return None


def _split(stmts, tape_name, names, stores, ctx, push):
    """Rename ``tape.append(x)`` to ``tape_x.append(x)`` and ``x = tape.pop()`` to ``x = tape_x.pop()``,
    and the same for ``tape.append(snapshot(y[i]))`` and ``y[i] = tape.pop()``."""
    out = []
    for s in stmts:
        if isinstance(s, (ir.If, ir.For, ir.While)):
            out.append(nested(s, lambda body: _split(body, tape_name, names, stores, ctx, push)))
            continue
        uses = [n for n in ir.walk(s) if isinstance(n, ir.Name) and n.id == tape_name]
        if not uses:
            out.append(s)
            continue
        part = _saved_part(s.value.args[0]) if push and is_push(s, tape_name) else None
        if push and is_push(s, tape_name) and isinstance(s.value.args[0], ir.Name):
            key = s.value.args[0].id
        elif part is not None:
            key = unparse(part)
            stores[key] = (part.value.id, part.index)
        elif not push and isinstance(s, ir.Assign) and len(s.targets) == 1 \
                and isinstance(s.value, ir.Call) and is_method(s.value, tape_name, "pop") and not s.value.args \
                and (isinstance(s.targets[0], ir.Name) or
                     isinstance(s.targets[0], ir.Subscript) and isinstance(s.targets[0].value, ir.Name)):
            key = s.targets[0].id if isinstance(s.targets[0], ir.Name) else unparse(s.targets[0])
        else:
            raise _refused(s, ctx)
        if key not in names:
            base = key if isinstance(key, str) and key.isidentifier() else \
                (part.value.id if part is not None else s.targets[0].value.id) + "_part"
            names[key] = ctx.namer.fresh("%s_%s" % (tape_name, base))
        uses[0].id = names[key]
        out.append(s)
    return out


def _pushes(stmts, tape, top, growable, np_name):
    """``tape[top] = v; top += 1`` for each ``tape.append(v)``; where the size is not known before
    (``growable`` is the rows' kind), a capacity check first doubles a full tape."""
    out = []
    for s in stmts:
        if is_push(s, tape):
            if growable is not False:
                full = ir.Compare(ir.Name(top), ["=="], [ir.Call(ir.Name("len"), [ir.Name(tape)], [])])
                more = _empty(np_name, ir.BinOp("+", ir.Name(top), ir.Const(1)), growable)
                grown = ir.Call(ir.Attr(ir.Name(np_name), "concatenate"), [ir.Tuple([ir.Name(tape), more])], [])
                out.append(ir.If(full, [ir.Assign([ir.Name(tape)], grown, s.line)], [], s.line))
            value = s.value.args[0]
            value = _saved_part(value) or value  # the row's assignment copies it
            out.append(ir.Assign([ir.Subscript(ir.Name(tape), ir.Name(top))], value, s.line))
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
        "the %r backend keeps one typed tape per recorded value, and cannot record the value this statement "
        "overwrites (an item of a dict or list inside a loop)" % ctx.target.name,
        "Use backend='numpy' for this function, or build a new array instead of assigning into one."))
