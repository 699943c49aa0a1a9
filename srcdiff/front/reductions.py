"""``functools.reduce(f, xs[, init])`` with a lambda or a named function, written as the loop it runs.

``reduce(lambda h, W: np.tanh(W @ h), weights, x)`` becomes a call of a local function::

    def reduce(seq, h):
        for W in seq:
            h = np.tanh(W @ h)
        return h

which ``local_functions.inline`` writes out at the call like any helper defined in the function;
without ``init`` the first item starts the accumulation (``seq[0]``, then ``seq[1]``...). Only when the
name called is ``functools.reduce`` itself; a lambda anywhere else stays refused by the fence.
"""
from __future__ import annotations

import builtins
import copy
import dataclasses
import functools

from .. import ir
from ..context import Namer, all_names
from .maps import MapLambda, bound_names


def lower(fn_def, fn):
    """``fn_def`` with each call of ``functools.reduce`` written as a call of a local loop function."""
    bound = _Bound(fn_def)  # the names bound in fn_def, computed once and only when needed
    calls = [n for n in ir.walk(fn_def) if isinstance(n, ir.Call) and _called_reduce(n.func, fn, bound)]
    if not calls:
        return fn_def
    fn_def = copy.deepcopy(fn_def)
    taken = all_names(fn_def) | {n.name for n in ir.walk(fn_def) if isinstance(n, ir.FunctionDef)}
    namer = Namer(taken)
    defs = []
    for call in (n for n in ir.walk(fn_def) if isinstance(n, ir.Call) and _called_reduce(n.func, fn, bound)):
        helper = _loop_function(call, namer, fn, fn_def, bound)
        if helper is not None:
            defs.append(helper)
            call.func, call.args = ir.Name(helper.name), call.args[1:]
    return dataclasses.replace(fn_def, body=defs + list(fn_def.body)) if defs else fn_def


def _called_reduce(func, fn, bound):
    """Is ``func`` (a name or attribute chain) ``functools.reduce`` in ``fn``'s scope?"""
    chain = []
    while isinstance(func, ir.Attr):
        chain.append(func.attr)
        func = func.value
    if not isinstance(func, ir.Name) or fn is None:
        return False
    obj = _lookup(fn, func.id)
    for attr in reversed(chain):
        obj = getattr(obj, attr, None)
    return obj is functools.reduce and func.id not in bound.names()


class _Bound:
    """The names a function binds, walked for at most once (a walk per call was quadratic)."""

    def __init__(self, fn_def):
        self.fn_def, self._names = fn_def, None

    def names(self):
        if self._names is None:
            self._names = bound_names(self.fn_def, own_name=False)
        return self._names


def _lookup(fn, name):
    code = getattr(fn, "__code__", None)
    if code is not None and name in code.co_freevars:
        try:
            return fn.__closure__[code.co_freevars.index(name)].cell_contents
        except ValueError:
            return None
    scope = getattr(fn, "__globals__", {})
    if name in scope:
        return scope[name]
    builtin_scope = scope.get("__builtins__", builtins)
    builtin_scope = vars(builtin_scope) if not isinstance(builtin_scope, dict) else builtin_scope
    return builtin_scope.get(name)


def _loop_function(call, namer, fn, fn_def, bound):
    """The local ``def`` running ``call``'s reduction, or None when it is not of a shape written out here."""
    if call.keywords or len(call.args) not in (2, 3) or any(isinstance(a, ir.Starred) for a in call.args):
        return None
    f = call.args[0]
    if isinstance(f, MapLambda):
        if f.params is None or len(f.params) != 2 or len(set(f.params)) != 2:
            return None
        acc, item = f.params
        step = copy.deepcopy(f.value)
    elif _is_chain(f):
        acc, item = namer.fresh("acc"), namer.fresh("item")
        step = ir.Call(copy.deepcopy(f), [ir.Name(acc), ir.Name(item)], [])
    else:
        return None
    line = getattr(fn_def, "line", 0)
    seq = namer.fresh("seq")
    if len(call.args) == 3:
        params = [ir.Param(seq, "positional"), ir.Param(acc, "positional")]
        body = [ir.For(ir.Name(item), ir.Name(seq), [ir.Assign([ir.Name(acc)], step, line)], [], line)]
    else:
        if any(n in bound.names() or _lookup(fn, n) is not getattr(builtins, n) for n in ("range", "len")):
            return None
        i = namer.fresh("i")
        params = [ir.Param(seq, "positional")]
        body = [ir.Assign([ir.Name(acc)], ir.Subscript(ir.Name(seq), ir.Const(0)), line),
                ir.For(ir.Name(i), ir.Call(ir.Name("range"), [ir.Const(1), ir.Call(ir.Name("len"), [ir.Name(seq)], [])],
                                           []),
                       [ir.Assign([ir.Name(item)], ir.Subscript(ir.Name(seq), ir.Name(i)), line),
                        ir.Assign([ir.Name(acc)], step, line)], [], line)]
    return ir.FunctionDef(namer.fresh("reduce"), params, body + [ir.Return(ir.Name(acc), line)], line)


def _is_chain(e):
    while isinstance(e, ir.Attr):
        e = e.value
    return isinstance(e, ir.Name)
