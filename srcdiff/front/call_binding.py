"""Which expression each parameter of an inlined function gets at a call, ``*args`` and ``**kwargs`` included.

A call's shape is known where it is written: how many positional arguments it passes and which
keyword names. So ``def f(x, *rest, k=1, **opts)`` called as ``f(a, b, c, k=2, m=v)`` binds ``x`` to
``a``, ``rest`` to the tuple ``(b, c)``, ``k`` to ``2`` and ``opts`` to the dict ``{"m": v}``, as
Python does. A starred argument (``f(a, *xs)``) can only fill ``*rest``, and an unpacked mapping
(``f(a, **kw)``) only ``**opts`` when no named parameter is left that it could fill; anything
whose binding depends on run-time lengths or keys is refused.
"""
from __future__ import annotations

from .. import ir


class BindingProblem(Exception):
    """Why a call cannot be bound when the code is generated: (problem, fix)."""


def bind(helper, args, keywords):
    """{parameter name: expression} for the call ``helper(*args, **keywords)`` (IR nodes); defaults
    fill parameters the call leaves out. Raises ``BindingProblem``."""
    params = helper.params
    vararg = next((p for p in params if p.kind == "vararg"), None)
    varkw = next((p for p in params if p.kind == "varkw"), None)
    positional = [p for p in params if p.kind in ("positional_only", "positional")]
    stars = [i for i, a in enumerate(args) if isinstance(a, ir.Starred)]
    if stars and (vararg is None or stars[0] < len(positional)):
        raise BindingProblem("srcdiff cannot inline a call of `%s` with *args that fill its named parameters: "
                             "which parameter gets which value depends on a length known only when it runs"
                             % helper.name, "Pass the arguments one by one.")
    if len(args) > len(positional) and vararg is None:
        raise BindingProblem("`%s` takes %d positional arguments but %d are given"
                             % (helper.name, len(positional), len(args)), "Fix the call.")
    bound = {p.name: a for p, a in zip(positional, args)}
    if vararg is not None:
        bound[vararg.name] = _tuple_of(args[len(positional):])
    extra_keys, extra_values = [], []
    for k in keywords:
        if k.name is None:
            continue
        match = [p for p in params if p.name == k.name and p.kind in ("positional", "keyword_only")]
        if match and k.name not in bound:
            bound[k.name] = k.value
        elif not match and varkw is not None and k.name not in extra_keys:
            extra_keys.append(k.name)
            extra_values.append(k.value)
        else:
            raise BindingProblem("`%s` gets an unexpected or repeated argument `%s`" % (helper.name, k.name),
                                 "Fix the call.")
    mappings = [k.value for k in keywords if k.name is None]
    if mappings:
        open_names = [p.name for p in params if p.kind in ("positional", "keyword_only") and p.name not in bound]
        if varkw is None or open_names:
            raise BindingProblem("srcdiff cannot inline a call of `%s` with **kwargs%s: which parameter gets which "
                                 "value depends on keys known only when it runs"
                                 % (helper.name, " that may fill `%s`" % "`, `".join(open_names) if open_names else ""),
                                 "Pass those arguments by name.")
    if varkw is not None:
        bound[varkw.name] = ir.Dict([None] * len(mappings) + [ir.Const(k) for k in extra_keys],
                                    mappings + extra_values)
    for p in params:
        if p.name not in bound:
            if p.default is None:
                raise BindingProblem("the call of `%s` gives no value for `%s`" % (helper.name, p.name),
                                     "Fix the call.")
            bound[p.name] = p.default
    return bound


def _tuple_of(args):
    """The tuple ``(*args)`` as an expression: a display, plus ``tuple(xs)`` for each starred ``xs``."""
    parts, run = [], []
    for a in args:
        if isinstance(a, ir.Starred):
            if run:
                parts.append(ir.Tuple(run))
                run = []
            parts.append(ir.Call(ir.Name("tuple"), [a.value], []))
        else:
            run.append(a)
    if run or not parts:
        parts.append(ir.Tuple(run))
    out = parts[0]
    for p in parts[1:]:
        out = ir.BinOp("+", out, p)
    return out
