"""What passes over generated code may assume of a primitive or of one of srcdiff's kernels.

Declared once, next to the kernel's rules (``runtime_rules``, ``numpy_products``), and asked by the
passes: ``pure`` calls write nothing, so dead ones may be dropped (``finish``, ``batching``);
``fresh`` calls always return a new object, which the reverse mode may update in place
(``modes.adjoints``); ``batched`` is ``(sum kernel, position of the fixed operand, stems of the
gathered lists)``, the kernel's sum over the steps of a reverse loop (``batching``); ``by_rank``
maps operand ranks to a function building the kernel's fast form from IR arguments (``specialize``);
``result_shape`` is ``(function of the operands' shapes, their parameter names)`` (``analysis.shapes``).
"""
from __future__ import annotations

from .registry import ensure_loaded

_FACTS = {}  # id(obj) -> {fact: value}
_PURE_METHODS = set()


def helpers(*, pure=(), fresh=(), pure_methods=()):
    """Declare ``pure`` and ``fresh`` helpers, and the array methods that return new arrays or views
    and write nothing (``pure_methods``)."""
    for flag, objs in (("pure", pure), ("fresh", fresh)):
        for obj in objs:
            kernel(obj, **{flag: True})
    _PURE_METHODS.update(pure_methods)


def kernel(obj, **facts):
    """Declare facts about ``obj`` (see the module docstring)."""
    _FACTS.setdefault(id(obj), {}).update(facts)


def fact(obj, name, default=None):
    ensure_loaded()
    return _FACTS.get(id(obj), {}).get(name, default)


def helper_is(flag, obj):
    """Was ``obj`` declared ``flag`` ("pure" or "fresh")?"""
    return bool(fact(obj, flag))


def is_pure_method(name):
    ensure_loaded()
    return name in _PURE_METHODS
