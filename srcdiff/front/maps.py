"""``map(f, xs, ...)`` with a lambda or a named function, rewritten as the generator expression it equals.

``map(lambda w: np.sum(w ** 2), ws)`` is ``(np.sum(w2 ** 2) for w2 in ws)`` and ``map(f, xs, ys)`` is
``(f(x, y) for x, y in zip(xs, ys))``: both lazy, both stop at the shortest iterable, so ``list``, ``sum``,
``for`` and ``zip`` consume them as they consume comprehensions. Only when ``map`` (and ``zip``) are the
builtins; a lambda anywhere else stays refused by the fence.
"""
from __future__ import annotations

import builtins
import copy
import dataclasses
from dataclasses import dataclass

from .. import ir
from ..context import Namer, all_names


@dataclass(eq=False)
class MapLambda(ir.Unsupported):
    """A lambda passed as the function of ``map``: refused like any lambda unless this pass rewrites the call."""

    params: list | None = None  # its parameters' names, None when they are not plain positional ones


def lower(fn_def, fn):
    """``fn_def`` with each ``map(f, xs...)`` of the builtin ``map`` written as a generator expression."""
    calls = [n for n in ir.walk(fn_def) if isinstance(n, ir.Call) and isinstance(n.func, ir.Name)
             and n.func.id == "map"]
    if not calls:
        return fn_def
    fn_def = copy.deepcopy(fn_def)
    bound = bound_names(fn_def)
    usable = _is_builtin("map", fn, bound) and _is_builtin("zip", fn, bound)
    namer = Namer(all_names(fn_def))
    local_defs = {n.name for n in ir.walk(fn_def) if isinstance(n, ir.FunctionDef)} - {fn_def.name}
    return _Rewriter(namer, usable, local_defs).node(fn_def)


def bound_names(fn_def, own_name=True):
    """Names ``fn_def`` binds: parameters, assignment and loop targets, nested ``def`` names (and
    its own name, unless ``own_name`` is False)."""
    out = {p.name for p in fn_def.params}
    for node in ir.walk(fn_def):
        if isinstance(node, (ir.Assign, ir.AugAssign)):
            for t in getattr(node, "targets", None) or [node.target]:
                out.update(ir.target_names(t))
        elif isinstance(node, (ir.For, ir.Generator)):
            out.update(ir.target_names(node.target))
        elif isinstance(node, ir.FunctionDef) and (own_name or node is not fn_def):
            out.add(node.name)
    return out


def _is_builtin(name, fn, bound):
    """Does ``name`` in ``fn``'s body mean the builtin (not a parameter, local, closure or global)?"""
    if name in bound or fn is None:
        return False
    code = getattr(fn, "__code__", None)
    if code is not None and name in code.co_freevars:
        return False
    scope = getattr(fn, "__globals__", {})
    if name in scope:
        return scope[name] is getattr(builtins, name)
    builtin_scope = scope.get("__builtins__", builtins)
    builtin_scope = vars(builtin_scope) if not isinstance(builtin_scope, dict) else builtin_scope
    return builtin_scope.get(name) is getattr(builtins, name)


class _Rewriter:
    def __init__(self, namer, usable, local_defs):
        self.namer = namer
        self.usable = usable
        self.local_defs = local_defs  # local functions are inlined at calls, not in comprehensions: left as they are

    def node(self, node):
        """``node`` with its sub-nodes rewritten bottom-up (in place; ``node`` is a private copy)."""
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            if isinstance(value, ir.Node):
                setattr(node, f.name, self.node(value))
            elif isinstance(value, list):
                setattr(node, f.name, [self.node(v) if isinstance(v, ir.Node) else v for v in value])
        if isinstance(node, ir.Call):
            node = self.call(node)
            if isinstance(node, ir.Call):  # not rewritten: a plain refusal of the lambda
                node.args = [ir.Unsupported(a.kind, a.line, a.text) if isinstance(a, MapLambda) else a
                             for a in node.args]
        return node

    def call(self, call):
        if not (self.usable and isinstance(call.func, ir.Name) and call.func.id == "map" and len(call.args) >= 2
                and not call.keywords and not any(isinstance(a, ir.Starred) for a in call.args)):
            return call
        f, iters = call.args[0], call.args[1:]
        if isinstance(f, MapLambda):
            if f.params is None or len(f.params) != len(iters) or _rebinds(f.value, f.params):
                return call
            fresh = [self.namer.fresh(p) for p in f.params]
            elt = _renamed(f.value, dict(zip(f.params, fresh)))
        elif _is_chain(f) and _root(f) not in self.local_defs:
            fresh = [self.namer.fresh("item") for _ in iters]
            elt = ir.Call(f, [ir.Name(n) for n in fresh], [])
        else:
            return call
        if len(iters) == 1:
            gen = ir.Generator(ir.Name(fresh[0]), iters[0], [])
        else:
            gen = ir.Generator(ir.Tuple([ir.Name(n) for n in fresh]), ir.Call(ir.Name("zip"), iters, []), [])
        return ir.Comprehension("generator", elt, None, [gen])


def _root(e):
    while isinstance(e, ir.Attr):
        e = e.value
    return e.id if isinstance(e, ir.Name) else None


def _is_chain(e):
    return _root(e) is not None


def _rebinds(body, names):
    """Does a comprehension inside the lambda's body bind one of its parameters again?"""
    return any(isinstance(n, ir.Generator) and set(ir.target_names(n.target)) & set(names) for n in ir.walk(body))


def _renamed(expr, renames):
    for n in ir.walk(expr):
        if isinstance(n, ir.Name) and n.id in renames:
            n.id = renames[n.id]
    return expr
