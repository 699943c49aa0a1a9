"""In-place writes: which names may share memory, and which writes srcdiff cannot follow.

``y[i] = v`` changes every array sharing memory with ``y``: a plain copy (``z = y``), a slice
or a transpose of it. The reverse sweep restores only ``y``, so a write is refused when another
name that may share ``y``'s memory is still used afterwards, and when ``y`` may share memory
with an argument (the caller's array would change). Arguments written directly are copied on
entry instead (``mutated_parameters``).
"""
from __future__ import annotations

from .. import ir
from ..errors import NonDifferentiableError, located
from .appends import Holders, write_backs
from .containers import certain_containers
from .liveness import Live
from .unionfind import UnionFind

# calls whose result may share memory with their first argument (NumPy returns views, or the
# argument itself, from all of these; over-listing only costs a copy or a refusal, missing one
# costs a wrong derivative)
VIEW_METHODS = {"reshape", "ravel", "transpose", "squeeze", "swapaxes", "diagonal", "view", "T", "mT", "real",
                 "imag", "conj", "conjugate", "astype", "__array__", "flat"}
VIEW_FUNCTIONS = {"reshape", "ravel", "transpose", "squeeze", "swapaxes", "diagonal", "diag", "expand_dims",
                   "asarray", "asanyarray", "ascontiguousarray", "asfortranarray", "asarray_chkfinite", "array",
                   "require", "moveaxis", "rollaxis", "broadcast_to", "broadcast_arrays", "atleast_1d",
                   "atleast_2d", "atleast_3d", "as_sequence", "real", "imag", "real_if_close", "flip", "flipud",
                   "fliplr", "rot90", "split", "array_split", "hsplit", "vsplit", "dsplit", "unstack",
                   "permute_dims", "matrix_transpose", "einsum", "nan_to_num", "trim_zeros",
                   "as_strided", "sliding_window_view"}
# these copy unless told otherwise (``copy=False``)
_COPY_BY_DEFAULT = {"array", "astype", "nan_to_num"}


# functions whose every positional argument is an array the result may view
_ALL_OPERANDS = {"atleast_1d", "atleast_2d", "atleast_3d", "broadcast_arrays"}
# what the first parameter of the view functions is called when passed by keyword
_FIRST_PARAMETERS = ("a", "arr", "ary", "array", "x", "m", "obj")


def viewed_operands(name, call):
    """The arguments of a view function whose memory its result may share."""
    if name == "einsum":  # only a single-operand einsum ("ij->ji", or einsum(a, [0, 1], [1, 0])) can return a view
        if call.args and isinstance(call.args[0], ir.Const) and isinstance(call.args[0].value, str):
            return call.args[1:] if len(call.args) == 2 else []
        return call.args[:2] if len(call.args) == 2 else call.args[:1] if len(call.args) == 3 else []
    if name in _ALL_OPERANDS:
        return call.args
    if call.args:
        return call.args[:1]
    return [k.value for k in call.keywords if k.name in _FIRST_PARAMETERS][:1]


def _advanced(index, index_arrays):
    """Is this index certainly NumPy advanced indexing (a list or a mask), which copies?"""
    if isinstance(index, ir.Tuple):
        return any(_advanced(i, index_arrays) for i in index.elts)
    return isinstance(index, (ir.List, ir.Compare)) or (isinstance(index, ir.Name) and index.id in index_arrays)


def index_arrays(fn_def):
    """Names only ever bound to a list display or a comparison (``t1 = [0, 2]``, ``m = x > 0``)."""
    values = {}
    for s in ir.walk(fn_def):
        if isinstance(s, ir.Assign):
            for t in s.targets:
                for n in ir.target_names(t):
                    values.setdefault(n, []).append(s.value if isinstance(t, ir.Name) else None)
        elif isinstance(s, ir.For):
            for n in ir.target_names(s.target):
                values.setdefault(n, []).append(None)
    params = {p.name for p in fn_def.params}
    return frozenset(n for n, vs in values.items()
                     if n not in params and all(isinstance(v, (ir.List, ir.Compare)) for v in vs))


def memory_sources(fn_def, classify):
    """name -> the names whose arrays it may share memory with through its definitions
    (``v = t.reshape(-1)``: writing into ``v`` writes into ``t``), transitively."""
    copies = index_arrays(fn_def)
    direct = {}
    for s in ir.walk(fn_def):
        if isinstance(s, ir.Assign):
            op = classify(s)
            for t in op.defines():
                direct.setdefault(t, set()).update(sharing_sources(op, copies))
    out = {}
    for name in direct:
        seen, todo = set(), list(direct[name])
        while todo:
            n = todo.pop()
            if n not in seen and n != name:
                seen.add(n)
                todo.extend(direct.get(n, ()))
        if seen:
            out[name] = seen
    return out


def written_arrays(fn_def, classify):
    """Names whose arrays are written in place, directly, through a view or alias (which writes
    the source), or as a view of a written source (which sees the write)."""
    written = {n for s in ir.walk(fn_def) if isinstance(s, (ir.Assign, ir.ExprStmt))
               for n in classify(s).mutates()}
    sources = memory_sources(fn_def, classify)
    written |= {m for n in list(written) for m in sources.get(n, ())}
    return frozenset(written | {n for n, shared in sources.items() if shared & written})


def mutated_parameters(fn_def, classify):
    """Parameters written in place (``x[0] = v``, ``x.append(v)``) anywhere in the function."""
    params = {p.name for p in fn_def.params}
    out = []
    for s in ir.walk(fn_def):
        if isinstance(s, (ir.Assign, ir.ExprStmt)):
            for n in classify(s).mutates():
                if n in params and n not in out:
                    out.append(n)
    return out


class _Aliases(UnionFind):
    def __init__(self):
        super().__init__()
        self.origin = {}  # name -> line where it was made from another name

    def group(self, name, names):
        root = self.find(name)
        return [n for n in names if self.find(n) == root]


def sharing_sources(op, copies=frozenset()):
    """Names whose memory the statement's result may share (``copies``: names holding index lists
    or masks, whose subscripts copy)."""
    value = op.stmt.value if isinstance(op.stmt, ir.Assign) else None
    if op.kind == "index" and _advanced(op.index, copies):
        return []  # an index list or a mask copies
    if op.kind in ("copy", "unpack", "index"):
        return [op.source.id] if isinstance(op.source, ir.Name) else []
    if op.kind == "build":
        lit = op.source
        elts = lit.values if isinstance(lit, ir.Dict) else lit.elts
        return [e.id for e in elts if isinstance(e, ir.Name)]
    if op.kind == "append":
        return [op.value.id] if isinstance(op.value, ir.Name) else []
    if op.kind == "pop":  # the item taken may share memory with what was appended
        return [op.source.id] if op.target is not None and isinstance(op.source, ir.Name) else []
    if isinstance(value, ir.Attr) and value.attr in VIEW_METHODS and isinstance(value.value, ir.Name):
        return [value.value.id]
    if isinstance(value, ir.Call):
        func = value.func
        name = func.attr if isinstance(func, ir.Attr) else (func.id if isinstance(func, ir.Name) else "")
        if name in _COPY_BY_DEFAULT and not any(k.name == "copy" and not (isinstance(k.value, ir.Const) and
                                                                         k.value.value is True)
                                                for k in value.keywords):
            return []
        if isinstance(func, ir.Attr) and isinstance(func.value, ir.Name) and name in VIEW_METHODS \
                and func.value.id not in ("np", "numpy"):
            return [func.value.id]
        if name in VIEW_FUNCTIONS:
            return [a.id for a in viewed_operands(name, value) if isinstance(a, ir.Name)]
    if op.kind in ("call", "opaque") and isinstance(value, ir.Call):  # unknown functions may return views
        return [a.id for a in value.args if isinstance(a, ir.Name)]
    return []


def updated_by(s, name, ctx):
    """For ``name = name + v`` made from ``name += v``: the name whose array ``+=`` would update
    (after renaming, ``x2 = x + v`` updates ``x``); None when the value does not read it."""
    original = ctx.renamed_from.get(name, name)
    for n in ir.walk(s.value):
        if isinstance(n, ir.Name) and ctx.renamed_from.get(n.id, n.id) == original:
            return n.id
    return None


def check_writes(fn_def, classify, ctx, is_number=None):
    """Raise when an in-place write could change a value srcdiff does not restore.

    ``is_number(name, stmt)`` tells names certainly holding a number before ``stmt``: ``t += 1.0``
    rebinds those (numbers are immutable) instead of writing into them."""
    copies = index_arrays(fn_def)
    stmts = [s for s in ir.walk(fn_def) if isinstance(s, (ir.Assign, ir.ExprStmt))]
    put_back = write_backs(fn_def, classify)
    identities = {id(w) for chain in put_back.values() for w in chain}  # put back what was read: no write
    writes = [(s, classify(s).mutates()[0]) for s in stmts if classify(s).mutates() and id(s) not in identities]
    # ``acc += v`` updates an array in place; srcdiff computes ``acc = acc + v``, so no other name
    # may still refer to the old ``acc``
    writes += [(s, updated_by(s, n, ctx)) for s in stmts if isinstance(s, ir.Assign) for n in classify(s).defines()
               if (s.line, n) in ctx.inplace and updated_by(s, n, ctx)
               and not (is_number is not None and is_number(updated_by(s, n, ctx), s))]
    if not writes:
        return
    # sharing made after a write (by a later top-level statement, not by a loop around the write)
    # cannot concern it: each write sees the statements up to its own top-level statement
    top = {inner: i for i, outer in enumerate(fn_def.body) for inner in ir.walk(outer)}

    def sharing_up_to(position):
        aliases = _Aliases()
        same_list = _Aliases()  # names bound to the very same list (``b = a``): what ``.append`` changes
        names = set()
        for s in stmts:
            if top.get(s, 0) > position:
                continue
            op = classify(s)
            targets = op.defines() if op.kind != "append" else op.mutates()
            names.update(targets)
            for src in sharing_sources(op, copies):
                names.add(src)
                for t in targets:
                    aliases.union(t, src)
                    aliases.origin.setdefault(t, (s.line, src))
                    if op.kind == "copy":
                        same_list.union(t, src)
                        same_list.origin.setdefault(t, (s.line, src))
        return aliases, same_list, names

    params = {p.name for p in fn_def.params}
    held = certain_containers(fn_def, classify)
    live = Live()
    live.exit_state = frozenset()
    live.run(fn_def.body, frozenset())
    for s, name in writes:
        aliases, same_list, names = sharing_up_to(top.get(s, 0))
        # appending (or popping) changes the list, not the arrays in it (nor arrays that share theirs); so
        # does replacing an entry of a name that certainly holds a list or dict (``bn["mean"] = m``)
        appends = classify(s).kind == "append"
        replaces = classify(s).kind == "store" and name in (held.get(s) or ())
        group = (same_list if appends or replaces or classify(s).kind == "pop" else aliases).group(name, names | params)
        text = ctx.origin_text.get(s.line, "")
        shared_params = [p for p in group if p in params and p != name]
        if shared_params and classify(s).mutates():
            raise NonDifferentiableError(located(
                ctx.filename, s.line, text,
                "this writes into `%s`, which may share memory with the argument `%s`: the caller's "
                "array would change" % (name, shared_params[0]),
                "Copy it first, for example `%s = %s.copy()`." % (name, name)))
        after = live.after.get(s) or frozenset()
        if appends:
            _refuse_unfollowed_append(s, name, put_back.get(s, []), after, stmts, classify, top, ctx)
        for other in sorted(group):
            if other != name and other in after:
                if other in aliases.origin or name not in aliases.origin:
                    line, src = aliases.origin.get(other, (0, name))
                    problem = "this writes into `%s` while `%s` (made from `%s` at line %d) may share its " \
                              "memory and is used afterwards" % (name, other, src, line)
                    copied = other
                else:  # ``name`` is the view, ``other`` the array it was made from
                    line, src = aliases.origin[name]
                    problem = "this writes into `%s`, which may share memory with `%s` (it was made from " \
                              "`%s` at line %d), and `%s` is used afterwards" % (name, other, src, line, other)
                    copied = name
                raise NonDifferentiableError(located(
                    ctx.filename, s.line, text,
                    problem + "; srcdiff cannot tell which values `%s` then holds" % other,
                    "Make an explicit copy where `%s` is created (for example `.copy()`)." % copied))


def _refuse_unfollowed_append(s, name, chain, after, stmts, classify, top, ctx):
    """Raise when a name that may hold the list ``name`` (or contain it) is read after ``s``
    appends to it, unless the append's write-back chain updates exactly that name."""
    position = top.get(s, 0)
    holders = Holders([t for t in stmts if top.get(t, 0) <= position], classify, sharing_sources)
    updated = {w.targets[0].value.id for w in chain}
    for other in sorted(holders.of(name, after) - {name} - updated):
        user, holder = ctx.renamed_from.get(name, name), ctx.renamed_from.get(other, other)
        shown = ("the list `%s`" % user) if user in ctx.source_names else "a list"
        raise NonDifferentiableError(located(
            ctx.filename, s.line, ctx.origin_text.get(s.line, ""),
            "this appends to %s that `%s` may also hold (as the same list, or inside a container), and `%s` "
            "is read afterwards: srcdiff cannot follow the change through `%s`" % (shown, holder, holder, holder),
            "Append through the container that holds the list (for example `state[\"h\"].append(v)`) and "
            "read it back from there, or keep the list in one name only."))
