"""Local names bound once to a module or a function (``m = np``, ``sqrt = np.sqrt``) resolve like
the global they copy, so ``m.sum(x)`` is ``np.sum(x)`` and not a method of an unknown object."""
from __future__ import annotations

import copy
import types
from collections import Counter

from ..modes import callees
from . import dispatch, nested_grads, reader
from .. import ir

_MISSING = object()


def local_aliases(fn_def, ctx):
    """{local name: the module or function it holds} for names the function binds exactly once, to
    a module-level name or attribute chain (``la = np.linalg``, ``pi, tanh = np.pi, np.tanh``), to
    a parameter specialized to a module (``m = xp``), or to another such alias.

    Bound once means one binding site in the whole function, so wherever the name is bound it
    holds that object; functions aliased from a global name are guarded like direct callees.
    """
    sites = Counter(p.name for p in fn_def.params)
    candidates = {}  # name -> the expression it is bound to
    for node in ir.walk(fn_def):
        if isinstance(node, ir.Assign):
            for target in node.targets:
                sites.update(ir.target_names(target))
                candidates.update(_pairs(target, node.value))
        elif isinstance(node, ir.AugAssign):
            sites.update(ir.target_names(node.target))
        elif isinstance(node, (ir.For, ir.Generator)):
            sites.update(ir.target_names(node.target))
    aliases = {}
    literals = dispatch.literal_dicts(fn_def)  # ``L = {"a": fa}``: ``f = L["a"]`` is ``fa``
    changed = True
    while changed:  # ``m = np`` then ``la = m.linalg``: in any order
        changed = False
        for name, value in candidates.items():
            if name in aliases or sites[name] != 1:
                continue
            obj = _resolve(value, ctx, aliases, literals)
            if obj is not _MISSING and callees.is_static(obj):
                aliases[name] = obj
                changed = True
                if isinstance(value, ir.Name) and isinstance(obj, types.FunctionType):
                    ctx.guard(value, obj)  # a redefined helper rebuilds the code, as for ``helper(x)``
    return aliases


def _pairs(target, value):
    """(name, expression) for each name ``target`` binds to a name or attribute chain."""
    if isinstance(target, ir.Name) and isinstance(value, (ir.Name, ir.Attr, ir.Subscript)):
        return [(target.id, value)]
    if isinstance(target, (ir.Tuple, ir.List)) and isinstance(value, (ir.Tuple, ir.List)) and \
            len(target.elts) == len(value.elts) and \
            not any(isinstance(e, ir.Starred) for e in target.elts + value.elts):
        return [p for t, v in zip(target.elts, value.elts) for p in _pairs(t, v)]
    return []


def resolve_chain(expr, ctx):
    """The object a name or attribute chain not rooted at a local refers to (functions named by a
    global guarded), or ``_MISSING``."""
    obj = _resolve(expr, ctx, {})
    if isinstance(expr, ir.Name) and isinstance(obj, types.FunctionType):
        ctx.guard(expr, obj)
    return obj


def _resolve(expr, ctx, aliases, literals=None):
    """The object a name or attribute chain (or a known dict entry, ``dispatch``) refers to, or
    ``_MISSING`` when it is rooted at a local that is not itself known."""
    if isinstance(expr, ir.Subscript):
        obj = dispatch.resolve_entry(expr, ctx, literals or {}, lambda e: resolve_chain(e, ctx) if not
                                     isinstance(e, ir.Name) or e.id not in aliases else aliases[e.id])
        return _MISSING if dispatch.is_missing(obj) else obj
    chain = []
    while isinstance(expr, ir.Attr):
        chain.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ir.Name):
        return _MISSING
    if expr.id in aliases:
        obj = aliases[expr.id]
    elif expr.id in ctx.statics:
        obj = ctx.statics[expr.id]
    elif expr.id in ctx.locals:
        return _MISSING
    else:
        obj = ctx.env.lookup(expr.id)
        if reader.is_missing(obj):
            return _MISSING
    for attr in reversed(chain):
        try:
            obj = getattr(obj, attr)
        except Exception:  # noqa: BLE001 - Python would raise when the line runs; leave it unresolved
            return _MISSING
    return obj


def transformation_aliases(fn_def, ctx):
    """{local name: srcdiff.grad object} for names the normalized function binds once to a call of
    srcdiff.grad or value_and_grad known now (see nested_grads)."""
    def resolve(expr):
        obj = _resolve(expr, ctx, {})
        return None if obj is _MISSING else obj
    return nested_grads.aliases(fn_def, ctx, resolve, ctx.guard)


def dict_entry_calls(tree, ctx):
    """Calls ``D[key](...)`` of a known entry call a name bound to the entry's function."""
    if not any(isinstance(n, ir.Call) and isinstance(n.func, ir.Subscript) for n in ir.walk(tree)):
        return tree
    tree = copy.deepcopy(tree)
    literals = dispatch.literal_dicts(tree)

    def known(e):
        return resolve_chain(e, ctx)

    for node in ir.walk(tree):
        if isinstance(node, ir.Call) and isinstance(node.func, ir.Subscript):
            obj = dispatch.resolve_entry(node.func, ctx, literals, known)
            if not dispatch.is_missing(obj) and callees.is_static(obj):
                node.func = ir.Name(ctx.bind(callees.name_stem(obj), obj))
    return tree
