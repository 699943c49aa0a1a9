"""``dict(m)`` of one name is ``dict_copy(m)``: a copy of the dict ``m`` (like ``m.copy()``), which the
rules differentiate and the alias analysis knows shares no memory with ``m``; ``dict_copy`` refuses a
``m`` that is not a dict when it runs."""
from __future__ import annotations

import builtins
import copy

from .. import ir
from ..runtime.helpers import dict_copy


def rewrite(tree, ctx):
    """``tree`` with each ``dict(name)`` of the builtin ``dict`` written as ``dict_copy(name)``."""
    if not any(_is_dict_of_name(n) for n in ir.walk(tree)):
        return tree
    tree = copy.deepcopy(tree)
    calls = [n for n in ir.walk(tree) if _is_dict_of_name(n) and ctx.resolve(n.func) is builtins.dict]
    if calls:
        name = ctx.bind("dict_copy", dict_copy)
        for call in calls:
            call.func = ir.Name(name)
    return tree


def _is_dict_of_name(n):
    return isinstance(n, ir.Call) and isinstance(n.func, ir.Name) and n.func.id == "dict" and len(n.args) == 1 and \
        isinstance(n.args[0], ir.Name) and not n.keywords
