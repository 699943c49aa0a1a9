"""Which names of generated code hold floating-point values, for rewrites whose result would
change on integers or booleans (``2 * m`` wraps around for ``uint8``, ``a + b`` of two masks is a
logical or), and for finding the derivatives that may not hold floats.

A name counts when every assignment to it, at any depth, is floating point whatever the other
operands' types (arithmetic with a floating-point operand, a true division, a float constant, a
slice, reduction or transpose of a floating-point value, a call known to return floats, a value
popped from a tape that only floating-point values were pushed to), and it is not read before it
is first assigned. The differentiated arguments are floats (a call checks their dtypes); so are
the derivatives, because ``finish.floating_gradients`` makes those it cannot show to be floats
floating point (folding ``1.0 * m`` leaves ``d = m``, a mask, in a derivative's name).
"""
from __future__ import annotations

import math
import types

import numpy

from .. import ir
from ..runtime import helpers as runtime
from ..runtime import kernels, kernels_batched, kernels_reduce

# functions whose results are floating point for integer and boolean arguments as well
_FLOAT_FUNCTIONS = {math.sin, math.cos, math.tan, math.exp, math.log, math.sqrt, math.tanh, math.pow, math.asin,
                    math.acos, math.atan, math.sinh, math.cosh, math.log1p, math.expm1, math.log2, math.log10,
                    math.atan2, math.hypot, numpy.sin, numpy.cos, numpy.tan, numpy.arcsin, numpy.arccos,
                    numpy.arctan, numpy.sinh, numpy.cosh, numpy.tanh, numpy.exp, numpy.expm1, numpy.log,
                    numpy.log1p, numpy.log2, numpy.log10, numpy.sqrt, numpy.cbrt, numpy.true_divide, numpy.mean}
# helpers of generated code whose results are floating point whatever their arguments (the batched
# kernels sum lists of adjoint terms)
_ALWAYS_FLOAT = {runtime.floating, runtime.zeros_like, runtime.broadcast_count, kernels_batched.matmul_lhs_sum,
                 kernels_batched.matmul_rhs_sum, kernels_batched.unbroadcast_sum}
# srcdiff helpers that count entries or give shapes: integers, whatever their first argument
_COUNTS = {runtime.shape_of, kernels.reduced_count, kernels_reduce.nan_count}
# array methods whose result has the array's type
_LIKE_ARRAY = {"sum", "max", "min", "prod", "reshape", "copy", "ravel", "transpose"}


def float_names(body, known, derivatives, helpers, resolve):
    """Names in ``body`` known to hold floats: the parameters ``known`` to (their dtypes are checked
    at run time), the ``derivatives`` (made floats where they would not be: ``floating(...)``), and
    every other name whose assignments, at any depth, are all floating point given the others (the
    largest such set). ``helpers`` maps the names of generated code's helpers to them, ``resolve``
    gives the object a function expression names (or None)."""
    appended = {}
    assignments = list(_assignments(body, appended))
    assigned = {name for name, _ in assignments}
    unknown = _read_before_assigned(body)
    floats = set(known) | set(derivatives) | (assigned - unknown)
    check = _Check(floats, helpers, resolve, appended)
    changed = True
    while changed:
        changed = False
        for name, value in assignments:
            if name in floats and name not in derivatives and not (value is not None and check.floating(value)):
                floats.discard(name)
                changed = True
    return floats


def _assignments(body, appended):
    """(name, value) of every binding of a name at any depth; value None where it is not known
    (tuple targets, loop targets) or keeps the name's own type (``n += v`` on an array). Fills
    ``appended`` (list name -> the values appended to it anywhere: a tape's pushes) on the way."""
    for s in body:
        for node in ir.walk(ir.FunctionDef("", [], [s])):
            if isinstance(node, ir.Call):
                if isinstance(node.func, ir.Attr) and node.func.attr == "append" \
                        and isinstance(node.func.value, ir.Name) and len(node.args) == 1:
                    appended.setdefault(node.func.value.id, []).append(node.args[0])
            elif isinstance(node, ir.Assign):
                for target in node.targets:
                    if isinstance(target, ir.Name):
                        yield target.id, node.value
                    else:
                        yield from ((n, None) for n in ir.target_names(target))
            elif isinstance(node, ir.AugAssign) and isinstance(node.target, ir.Name):
                yield node.target.id, ir.Name(node.target.id)  # in place: the name's own type
            elif isinstance(node, ir.For):
                yield from ((n, None) for n in ir.target_names(node.target))


def _read_before_assigned(body, seen=None, out=None):
    """Names a reading of ``body`` in order meets read before any assignment (parameters and other
    names bound outside): their first values are not known. A loop's body is read once (later
    iterations read values its own assignments made); a branch's names count as assigned after it."""
    seen = set() if seen is None else seen
    out = set() if out is None else out
    for s in body:
        if isinstance(s, ir.Assign):
            read = ir.names_read(s.value) + [n for t in s.targets if not isinstance(t, ir.Name)
                                             for n in ir.names_read(t)]
            out.update(n for n in read if n not in seen)
            seen.update(n for t in s.targets for n in ir.target_names(t))
        elif isinstance(s, (ir.For, ir.While, ir.If)):
            header = s.iter if isinstance(s, ir.For) else s.test
            out.update(n for n in ir.names_read(header) if n not in seen)
            if isinstance(s, ir.For):
                seen.update(ir.target_names(s.target))
            branches = [set(seen), set(seen)]
            _read_before_assigned(s.body, branches[0], out)
            _read_before_assigned(s.orelse, branches[1], out)
            seen.update(branches[0] | branches[1])
        else:
            out.update(n.id for n in ir.walk(s) if isinstance(n, ir.Name) and n.id not in seen)
    return out


class _Check:
    def __init__(self, floats, helpers, resolve, appended=None):
        self.floats, self.helpers, self.resolve = floats, helpers, resolve
        self.appended = appended or {}

    def floating(self, e):
        if isinstance(e, ir.Name):
            return e.id in self.floats
        if isinstance(e, ir.Const):
            return isinstance(e.value, (float, complex))
        if isinstance(e, ir.BinOp):
            if e.op == "/":
                return True  # true division: floats from integers and booleans too
            return e.op in ("+", "-", "*", "//", "%", "**", "@") and (self.floating(e.left) or
                                                                     self.floating(e.right))
        if isinstance(e, ir.UnaryOp):
            return e.op == "-" and self.floating(e.operand)
        if isinstance(e, ir.Subscript) or (isinstance(e, ir.Attr) and e.attr == "T"):
            return self.floating(e.value)
        if isinstance(e, ir.Call):
            return self.call(e)
        return False

    def call(self, e):
        func = e.func
        if isinstance(func, ir.Attr) and not self.module(func.value):
            return self.method(e)
        if isinstance(func, ir.Name) and func.id in self.helpers:
            obj = self.helpers[func.id]
        else:
            try:
                obj = self.resolve(func)
            except Exception:
                return False
        if not _hashable(obj):
            return False
        if obj in _ALWAYS_FLOAT or obj in _FLOAT_FUNCTIONS:
            return True
        if obj in _COUNTS:
            return False
        if (getattr(obj, "__module__", None) or "").startswith("srcdiff."):
            # srcdiff's own helpers and kernels compute from their first argument (an adjoint)
            return bool(e.args) and self.floating(e.args[0])
        from ..rules import lookup
        rule = lookup(obj)
        # a differentiable NumPy function of a floating-point argument (sum, dot, concatenate...)
        return rule is not None and rule.adjoint is not None and any(self.floating(a) for a in e.args)

    def module(self, e):
        try:
            return isinstance(self.resolve(e), types.ModuleType)
        except Exception:
            return False

    def method(self, e):
        """A method call: ``t.sum()`` has the type of ``t``; a tape's ``pop()``, of what it pushed."""
        func = e.func
        if func.attr in _LIKE_ARRAY:
            return self.floating(func.value)
        if func.attr == "dot":
            return self.floating(func.value) or any(self.floating(a) for a in e.args)
        if func.attr == "mean":
            return True
        if func.attr == "pop" and not e.args and isinstance(func.value, ir.Name):
            pushed = self.appended.get(func.value.id)  # a value restored from a tape: one of those pushed
            return bool(pushed) and all(self.floating(v) for v in pushed)
        return False


def _hashable(obj):
    try:
        hash(obj)
        return True
    except TypeError:
        return False


def is_floating(e, floats, helpers, resolve):
    """Is the expression ``e`` floating point, given the names ``floats`` holding floats?"""
    return _Check(floats, helpers, resolve).floating(e)
