"""Functions looked up in a dict with a key known when the code is generated (``LOSSES["mse"](p, y)``,
``L = {"a": fa, "b": fb}; L["b"](theta)``) are called like the function the entry holds.

A global dict (and a global dict of keys: ``ACTIVATIONS[CONFIG["act"]]``) is read now and guarded:
replacing the dict or one of the entries read rebuilds the code. A dict literal in the function counts
when its name is bound once, at the top level, before any use, and is only ever read as ``L[key]``
(never written into, passed on or iterated), so the entry read is the one the literal put there.
"""
from __future__ import annotations


from .. import ir
from ..modes import callees
from . import reader

_MISSING = object()


def literal_dicts(fn_def):
    """{name: its ``ir.Dict``} for local dicts of the shape the module docstring describes."""
    uses, reads, once = {}, {}, {}
    for node in ir.walk(fn_def):
        if isinstance(node, ir.Name):
            uses[node.id] = uses.get(node.id, 0) + 1
        elif isinstance(node, ir.Subscript) and isinstance(node.value, ir.Name):
            reads.setdefault(node.value.id, []).append(node)
    stored = set()
    for node in ir.walk(fn_def):
        targets = node.targets if isinstance(node, ir.Assign) else [node.target] \
            if isinstance(node, (ir.AugAssign, ir.For, ir.Generator)) else []
        for t in targets:
            for n in ir.walk(t):
                if isinstance(n, ir.Subscript):
                    stored.add(id(n))
    for position, s in enumerate(fn_def.body):
        if isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ir.Name) and \
                isinstance(s.value, ir.Dict) and all(isinstance(k, ir.Const) for k in s.value.keys):
            name = s.targets[0].id
            subs = reads.get(name, [])
            if uses.get(name, 0) != 1 + len(subs) or any(id(n) in stored for n in subs) or \
                    not all(isinstance(n.index, ir.Const) for n in subs) or name in {p.name for p in fn_def.params}:
                continue
            if any(ir.names_read(t).count(name) for t in fn_def.body[:position]):
                continue
            once[name] = s.value
    return once


def resolve_entry(expr, ctx, literals, known=lambda e: _MISSING):
    """The object ``expr`` (``D[key]``, ``D`` a global dict or one of ``literals``) holds, guarded; or
    ``_MISSING``. ``known(e)`` resolves other expressions (names and attribute chains)."""
    if not isinstance(expr, ir.Subscript):
        return _MISSING
    key = _key(expr.index, ctx)
    if key is _MISSING:
        return _MISSING
    base = expr.value
    if isinstance(base, ir.Name) and base.id in literals:
        d = literals[base.id]
        for k, v in zip(d.keys, d.values):
            if k.value == key and type(k.value) is type(key):
                return _static_value(v, ctx, known)
        return _MISSING
    table = _global(base, ctx)
    if type(table) is not dict or key not in table:
        return _MISSING
    obj = table[key]
    ctx.guards.append((table, key, obj))
    return obj


def unchanged(fn_def, constants):
    """The ``constants`` (parameter -> known value) of parameters ``fn_def`` never rebinds nor writes into."""
    changed = set()
    for node in ir.walk(fn_def):
        targets = node.targets if isinstance(node, ir.Assign) else [node.target] \
            if isinstance(node, (ir.AugAssign, ir.For, ir.Generator)) else []
        for t in targets:
            changed.update(ir.target_names(t))
            for n in ir.walk(t):
                if isinstance(n, ir.Subscript) and isinstance(n.value, ir.Name):
                    changed.add(n.value.id)
        if isinstance(node, ir.Call) and isinstance(node.func, ir.Attr) and isinstance(node.func.value, ir.Name):
            changed.add(node.func.value.id)  # ``config.update(...)``: a method may change it
    return {k: v for k, v in constants.items() if k not in changed}


def is_missing(obj):
    return obj is _MISSING


def _static_value(expr, ctx, known):
    obj = known(expr)
    return obj if callees.is_static(obj) else _MISSING


def _global(expr, ctx):
    """A global or closure name's current value, guarded; ``_MISSING`` for locals and anything else."""
    if isinstance(expr, ir.Name) and expr.id in ctx.constants:
        return ctx.constants[expr.id]  # a parameter specialized to its value (part of the cache key)
    if not isinstance(expr, ir.Name) or expr.id in ctx.locals or expr.id in ctx.statics:
        return _MISSING
    obj = ctx.env.lookup(expr.id)
    if reader.is_missing(obj):
        return _MISSING
    ctx.guard(expr, obj)
    return obj


def _key(expr, ctx):
    """A dict key known now: a constant, or a string or int read from a global dict or name."""
    if isinstance(expr, ir.Const):
        return expr.value if isinstance(expr.value, (str, int)) else _MISSING
    if isinstance(expr, ir.Name):
        value = _global(expr, ctx)
    elif isinstance(expr, ir.Subscript):
        value = resolve_entry(expr, ctx, {})
    else:
        return _MISSING
    return value if type(value) in (str, int) else _MISSING
