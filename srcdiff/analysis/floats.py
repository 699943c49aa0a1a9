"""Which names of generated straight-line code hold floating-point values, for rewrites whose
result would change on integers or booleans (``2 * m`` wraps for ``uint8``, ``a + b`` of two masks
is a logical or).

Conservative: a name counts only where it is assigned once, at the top level, from an expression
that is floating point whatever the operands' other types: arithmetic with a floating-point
operand, a true division, a float constant, a slice, reduction or transpose of a floating-point
value, or a call known to return floats. Derivatives are not assumed to be floats: folding
``1.0 * m`` leaves ``d = m``, a mask, in a derivative's name.
"""
from __future__ import annotations

import numpy

from .. import cleanup, ir, runtime
from ..rules import kernels

# NumPy functions whose results are floating point for integer and boolean arguments as well
_FLOAT_FUNCTIONS = {numpy.sin, numpy.cos, numpy.tan, numpy.arcsin, numpy.arccos, numpy.arctan, numpy.sinh,
                    numpy.cosh, numpy.tanh, numpy.exp, numpy.expm1, numpy.log, numpy.log1p, numpy.log2,
                    numpy.log10, numpy.sqrt, numpy.cbrt, numpy.true_divide, numpy.mean}
# helpers of generated code whose result has the type of their first argument
_LIKE_FIRST = {runtime.unbroadcast, runtime.expand, kernels.expand_scaled, runtime.owned, runtime.reduced,
               runtime.broadcast_like, runtime.zeros_like}
# array methods whose result has the array's type
_LIKE_ARRAY = {"sum", "max", "min", "prod", "reshape", "copy", "ravel", "transpose"}


def float_names(body, known, helpers, resolve):
    """Names in ``body`` known to hold floats, given the names ``known`` to (parameters checked at
    run time); ``helpers`` maps the names of generated code's helpers to them, ``resolve`` gives
    the object a function expression names (or None)."""
    stores = cleanup._assigned(body)
    for s in body:
        for node in ir.walk(ir.FunctionDef("", [], [s])):
            if isinstance(node, ir.AugAssign) and isinstance(node.target, ir.Name):
                stores[node.target.id] = stores.get(node.target.id, 0) + 1
    floats = {n for n in known if stores.get(n, 0) == 0}
    check = _Check(floats, helpers, resolve)
    for s in body:
        if isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ir.Name) and \
                stores.get(s.targets[0].id) == 1 and check.floating(s.value):
            floats.add(s.targets[0].id)
    return floats


class _Check:
    def __init__(self, floats, helpers, resolve):
        self.floats, self.helpers, self.resolve = floats, helpers, resolve

    def floating(self, e):
        if isinstance(e, ir.Name):
            return e.id in self.floats
        if isinstance(e, ir.Const):
            return isinstance(e.value, (float, complex))
        if isinstance(e, ir.BinOp):
            if e.op == "/":
                return True  # true division: floats from integers and booleans too
            return e.op in ("+", "-", "*", "@") and (self.floating(e.left) or self.floating(e.right))
        if isinstance(e, ir.UnaryOp):
            return e.op == "-" and self.floating(e.operand)
        if isinstance(e, ir.Subscript) or (isinstance(e, ir.Attr) and e.attr == "T"):
            return self.floating(e.value)
        if isinstance(e, ir.Call):
            return self.call(e)
        return False

    def call(self, e):
        func = e.func
        if isinstance(func, ir.Attr) and func.attr in _LIKE_ARRAY:
            return self.floating(func.value)
        if isinstance(func, ir.Attr) and func.attr == "mean":
            return True
        if isinstance(func, ir.Name) and func.id in self.helpers:
            return self.helpers[func.id] in _LIKE_FIRST and bool(e.args) and self.floating(e.args[0])
        try:
            obj = self.resolve(func)
        except Exception:
            return False
        try:
            return obj in _FLOAT_FUNCTIONS
        except TypeError:  # an unhashable object
            return False
