"""Calls to user functions: each callee is transformed once (split into forward and backward
functions) and the caller's generated code calls those, so every callee stays readable alone.

Recursion is handled with trampolines: while a function is being transformed, a call to itself
(with the same activity) binds a small function that looks the finished code up at call time.
"""
from __future__ import annotations

import inspect
import threading
import types

import numpy

from .. import pipeline_seam as pipeline
from ..backend import cache
from ..backend.targets import NUMPY
from ..hints import F
from ..errors import UnsupportedSyntaxError, located
from ..front import reader
from .. import ir

_ndarray = numpy.ndarray

_local = threading.local()


def checkpoint(fun: F) -> F:
    """Mark ``fun`` so that callers differentiated by srcdiff recompute its forward pass during
    the reverse sweep instead of keeping its intermediate values (less memory, more time).

    >>> import numpy as np, srcdiff
    >>> @srcdiff.checkpoint
    ... def layer(h, W):
    ...     return np.tanh(h @ W)
    >>> def loss(W, x):
    ...     return np.sum(layer(layer(x, W), W))
    >>> g = srcdiff.grad(loss)(np.eye(2) * 0.5, np.ones(2))
    >>> g.shape
    (2, 2)
    """
    fun.__srcdiff_checkpoint__ = True
    return fun


def is_checkpointed(fun):
    return bool(getattr(fun, "__srcdiff_checkpoint__", False))


def _in_progress():
    if not hasattr(_local, "pending"):
        _local.pending = {}
    return _local.pending


class _Pending:
    """Stands in for a callee's generated functions while they are being generated (recursion)."""

    def __init__(self):
        self.functions = None
        self.names = None  # the generated functions' names, once the transformation picked them
        self.ctx = None  # the transformation generating them
        self._trampolines = {}

    def trampoline(self, role):
        if role not in self._trampolines:
            def call(*args, **kwargs):
                return self.functions[role](*args, **kwargs)
            call.__name__ = role
            call.__srcdiff_resolve__ = lambda: self.functions[role] if self.functions else None
            self._trampolines[role] = call
        return self._trampolines[role]


def split_functions(callee, wrt, scalars, containers, statics=(), target=NUMPY, strong=False):
    """(forward, backward, pending) generated for ``callee`` differentiated w.r.t. ``wrt``; with
    ``strong`` the backward function multiplies with strong zeros (its caller selects from the result).

    ``pending`` is not None when the callee is still being generated (a recursive call); then
    forward and backward are trampolines and ``pending.names`` their eventual names.
    """
    refuse_var_params(callee)
    key = (callee.__code__, "split", tuple(wrt), frozenset(scalars), frozenset(containers), statics_key(statics),
           resolution_key(callee), target, strong)
    pending = _in_progress()
    if key in pending:
        p = pending[key]
        return p.trampoline("forward"), p.trampoline("backward"), p
    p = pending[key] = _Pending()
    try:
        result = cache.get_or_make(key, lambda: pipeline.reverse(callee, list(wrt), kind="split", scalars=scalars,
                                                                  containers=containers, statics=dict(statics),
                                                                  pending=p, target=target, strong_output=strong))
    finally:
        del pending[key]
    fwd = result.compiled.build(result.names["forward"], callee, callee.__defaults__, callee.__kwdefaults__)
    bwd = result.compiled.build(result.names["backward"], callee, callee.__defaults__, callee.__kwdefaults__)
    p.functions = {"forward": fwd, "backward": bwd}
    _resolve_trampolines(fwd, bwd)
    split_functions.last_guards = result.guards
    return fwd, bwd, None


def refuse_var_params(callee):
    """A function transformed on its own has named parameters only: one taking ``*args`` or ``**kwargs``
    is written out at its calls instead (``front/callee_inlining.run_varargs``), which needs it defined
    in the caller's module without a closure or defaults that are not constants."""
    code = callee.__code__
    if not code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS) or getattr(callee, "__wrapped__", None):
        return  # a decorator's wrapper is refused as such when it is read (front/reader.check_wrapper)
    var = [p for p in inspect.signature(callee, follow_wrapped=False).parameters.values()
           if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    raise UnsupportedSyntaxError(located(
        code.co_filename, code.co_firstlineno, "def %s(... %s ...)" % (callee.__name__, ", ".join(map(str, var))),
        "srcdiff binds the *args and **kwargs of a function it calls by writing the function out at the call, "
        "which it does only for a function defined in the caller's module, without a closure, and whose "
        "defaults are constants",
        "Define `%s` in the caller's module with constant defaults, or name each parameter." % callee.__name__))


def _resolve_trampolines(*functions):
    """Point the functions' recursive calls at the finished code instead of its trampolines (a
    trampoline doubles the frames per level of recursion)."""
    for fn in functions:
        for cell in fn.__closure__ or ():
            try:
                resolve = getattr(cell.cell_contents, "__srcdiff_resolve__", None)
            except ValueError:  # an empty cell: a sibling defined later
                continue
            target = resolve() if resolve is not None else None
            if target is not None:
                cell.cell_contents = target


def statics_key(statics):
    """Cache-key part for parameters bound to known functions, compared by identity and held alive
    (a freed function's address can be reused by a new one, so an ``id()`` would not do)."""
    return tuple(sorted((name, obj.key() if isinstance(obj, Constant) else identity(obj))
                        for name, obj in dict(statics).items()))


class Constant:
    """A parameter's value known when the code is generated, for dict keys read through it
    (``ACTIVATIONS[act]``, ``ACTIVATIONS[config["act"]]``, ``front/dispatch.py``): a string or int
    passed as a constant, or a dict left at its default (whose entries read are guarded)."""

    def __init__(self, value):
        self.value = value

    def key(self):
        value = self.value
        return ("constant", type(value), value) if type(value) in (str, int) else ("constant", identity(value))

    @staticmethod
    def of(value):
        """A ``Constant`` for a string or int, else None (``dicts`` too: for defaults)."""
        return Constant(value) if type(value) in (str, int) else None


def identity(obj):
    """``obj`` as a cache-key part by identity; a bound method (a new object at each attribute
    access) by its function and instance, so ``model.apply`` passed per call finds its code."""
    if isinstance(obj, types.MethodType):
        return cache.Identity(obj.__func__), cache.Identity(obj.__self__)
    return cache.Identity(obj)


def resolution_key(fun):
    """Which functions the free names of ``fun`` are bound to now, and the types of the numbers
    and arrays they hold (part of the cache key, so that closures over different functions, a
    redefined helper, or a global float turned into an array get their own generated code)."""
    out = []
    code = fun.__code__
    for name, cell in zip(code.co_freevars, fun.__closure__ or ()):
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if callable(value) and not isinstance(value, type):
            out.append((name, identity(value)))  # held, compared by identity (hashable or not)
        elif isinstance(value, (int, float, _ndarray)):
            out.append((name, type(value)))
    for name in code.co_names:
        value = fun.__globals__.get(name)
        if isinstance(value, types.FunctionType):
            out.append((name, identity(value)))
        elif isinstance(value, (int, float, _ndarray)):
            out.append((name, type(value)))
    return tuple(out)


def is_static(value):
    """A function or a module: code is specialized to the one a parameter or local name holds."""
    return isinstance(value, types.ModuleType) or (callable(value) and not isinstance(value, type))


def bind_arguments(callee, args, keywords):
    """Map call-site atoms to the callee's parameter names (defaults left out)."""
    sig = inspect.signature(callee)
    bound = sig.bind(*args, **dict(keywords))
    return dict(bound.arguments)


def name_stem(fn):
    """A function's name as a stem for generated names (``lambda`` for a lambda)."""
    name = getattr(fn, "__name__", "")
    return name if name.isidentifier() else "lambda"


def is_plain_function(obj):
    return isinstance(obj, types.FunctionType)


def tangent_function(callee, wrt, scalars, statics=(), shapes=(), tangent_only=False, target=NUMPY):
    """(generated tangent function, names of its tangent parameters) for ``callee`` (specialized to
    the shapes of its array arguments when ``shapes`` gives them); with ``tangent_only`` it returns
    the output's tangent alone."""
    refuse_var_params(callee)
    key = (callee.__code__, "tangent", tuple(wrt), frozenset(scalars), statics_key(statics), tuple(shapes),
           resolution_key(callee), tangent_only, target)
    pending = _in_progress()
    if key in pending:
        p = pending[key]
        return p.trampoline("tangent"), p.names["tangent_params"]
    p = pending[key] = _Pending()
    try:
        result = cache.get_or_make(key, lambda: pipeline.forward(callee, list(wrt), scalars=scalars,
                                                                  statics=dict(statics), shapes=shapes, pending=p,
                                                                  tangent_only=tangent_only, target=target))
    finally:
        del pending[key]
    fn = result.compiled.build(result.names["tangent"], callee, callee.__defaults__, callee.__kwdefaults__)
    p.functions = {"tangent": fn}
    _resolve_trampolines(fn)
    tangent_function.last_guards = result.guards
    return fn, result.tangent_params


def static_arguments(callee, binding, ctx):
    """Callee parameters bound to known functions or modules at a call site (``act=np.tanh``,
    ``xp=np``, defaults)."""
    statics = {}
    for name, p in inspect.signature(callee).parameters.items():
        if name in binding:
            atom = binding[name]
            if isinstance(atom, ir.Name) and atom.id in ctx.schemas:  # a record: the callee reads its fields too
                statics[name] = ctx.schemas[atom.id]
                continue
            local = isinstance(atom, ir.Name) and atom.id in ctx.locals and atom.id not in ctx.statics
            obj = ctx.resolve(atom) if isinstance(atom, (ir.Name, ir.Attr)) and not local else None
        else:
            obj = p.default if p.default is not p.empty else None
        if obj is not None and not reader.is_missing(obj) and is_static(obj):
            statics[name] = obj
        elif name in binding and isinstance(binding[name], ir.Const) and Constant.of(binding[name].value):
            statics[name] = Constant.of(binding[name].value)  # ``layer(x, act="relu")``
        elif name not in binding and (Constant.of(p.default) or type(p.default) is dict):
            statics[name] = Constant(p.default)  # left at its default: that very object
    return statics
