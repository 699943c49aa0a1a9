"""``functools.partial`` objects as plain functions with source text srcdiff can read: the bound
arguments become constants of the function (never differentiated), the remaining parameters its
own, in the order ``inspect.signature`` gives them."""
from __future__ import annotations

import functools
import inspect
import itertools
import linecache

_count = itertools.count(1)


def plain(fun):
    """``fun``, or for a ``functools.partial`` an equivalent ``def`` whose source is registered."""
    if not isinstance(fun, functools.partial):
        return fun
    sig = inspect.signature(fun)
    inner = fun.func
    name = getattr(inner, "__name__", "function")
    if not name.isidentifier():  # a lambda
        name = "function"
    callee = name
    while callee in sig.parameters or callee.startswith("_bound") or callee.startswith("_default_"):
        callee += "_fn"  # a parameter named like the function must not hide it
    namespace = {callee: inner, "__name__": "srcdiff_partial"}
    params, call, seen_kwonly = [], [], False
    for i, a in enumerate(fun.args):
        namespace["_bound%d" % i] = a
        call.append("_bound%d" % i)
    for p in sig.parameters.values():
        text = p.name
        if p.kind is p.VAR_POSITIONAL:
            text, seen_kwonly = "*" + p.name, True
            call.append("*" + p.name)
        elif p.kind is p.VAR_KEYWORD:
            text = "**" + p.name
            call.append("**" + p.name)
        else:
            if p.kind is p.KEYWORD_ONLY and not seen_kwonly:
                params.append("*")
                seen_kwonly = True
            if p.default is not p.empty:
                namespace["_default_%s" % p.name] = p.default
                text += "=_default_%s" % p.name
            call.append(("%s=%s" % (p.name, p.name)) if p.kind is p.KEYWORD_ONLY else p.name)
        if p.kind is p.POSITIONAL_ONLY and (len(params) + 1 == len([q for q in sig.parameters.values()
                                                                  if q.kind is q.POSITIONAL_ONLY])):
            text += ", /"
        params.append(text)
    wrapper = "partial_" + name
    source = "def %s(%s):\n    return %s(%s)\n" % (wrapper, ", ".join(params), callee, ", ".join(call))
    filename = "<srcdiff partial of %s %d>" % (name, next(_count))
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    function = namespace[wrapper]
    function.__qualname__ = "partial(%s)" % getattr(inner, "__qualname__", name)
    function.__doc__ = getattr(inner, "__doc__", None)
    return function
