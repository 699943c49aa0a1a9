"""Which parameters can make a function's result complex: ``grad`` refuses complex outputs, and
where this proves the output real for real arguments, a dtype check of those arguments replaces
computing the output.

``complex_sources(tree, resolve)`` returns the names of the parameters whose values (arrays,
numbers, or containers of them) decide whether the returned value may be complex: when none of
them holds a complex number, the result is real. It returns None where it cannot tell (a complex
constant or dtype, a call of a function it does not know to keep real arguments real, such as a
user function, ``numpy.fft.fft`` or ``numpy.linalg.eig``, a global array, an attribute of an
object): the output must then be computed and checked at run time.

The analysis ignores the order of statements: a name may hold what any of its assignments give
it, and mutating a container (``l.append(v)``, ``a[i] = v``) may change every name that may be
bound to the same object.
"""
from __future__ import annotations

import inspect
import types

import numpy

from .. import ir
from .complex_values import holds_complex, names_complex_dtype
from .memo import prepared_once
from ..rules import lookup
from ..errors import SrcdiffError
from ..pipeline_seam import prepare

UNKNOWN = None

# functions whose results are real whatever their arguments (or which refuse complex ones)
_REAL_RESULTS = {numpy.absolute, numpy.fabs, numpy.real, numpy.imag, numpy.angle, numpy.var, numpy.std,
                 numpy.nanvar, numpy.nanstd, numpy.linalg.norm, numpy.linalg.vector_norm, numpy.linalg.matrix_norm,
                 numpy.linalg.svdvals, numpy.linalg.eigvalsh, numpy.linalg.cond, numpy.linalg.matrix_rank,
                 numpy.shape, numpy.size, numpy.ndim, numpy.isnan, numpy.isfinite, numpy.isinf, numpy.iscomplexobj,
                 numpy.isrealobj, numpy.argmax, numpy.argmin, numpy.argsort, numpy.isreal, len, float, int, abs,
                 bool, range, isinstance}
# builtins whose result holds values of their arguments
_LIKE_ARGUMENTS = {max, min, sum, list, tuple, dict, zip, enumerate, reversed, sorted}
# methods (and attributes) whose result keeps the value's real or complex type
_LIKE_VALUE = {"sum", "mean", "prod", "max", "min", "reshape", "ravel", "flatten", "transpose", "copy", "dot",
               "cumsum", "cumprod", "clip", "squeeze", "swapaxes", "conj", "conjugate", "repeat", "take", "trace",
               "diagonal", "astype", "item", "tolist", "round", "pop", "get", "values", "items", "keys", "T", "mT",
               "flat", "__getitem__"}
_REAL_ATTRS = {"real", "imag", "shape", "ndim", "size", "dtype", "var", "std", "argmax", "argmin", "argsort", "nbytes",
               "itemsize", "__len__"}
_MUTATORS = {"append", "extend", "insert", "__setitem__", "update", "setdefault"}


def complex_sources(tree, resolve, active=(), namespace=None):
    """The parameters of ``tree`` (an ``ir.FunctionDef``) that decide whether its result may be
    complex, as a frozenset of names, or None (``UNKNOWN``); ``resolve`` gives the live object an
    ``ir.Name``/``ir.Attr`` chain not rooted at a local names (``frontend.is_missing`` otherwise).
    Global variables of the function's module (``namespace``, its ``__globals__``) holding numbers
    or arrays count too, as ``("global", name)``: they are read when the code runs.
    ``active`` holds the code objects of the callers being analyzed (recursion is not followed)."""
    analysis = _Analysis(tree, resolve, active, namespace)
    return analysis.run()


def made_complex(tree, resolve, namespace=None):
    """The names of ``tree`` that may hold a complex value whatever the arguments hold (made from
    a complex constant or dtype, or by a call not known to keep real values real), or None when
    any name may."""
    analysis = _Analysis(tree, resolve, (), namespace)
    if not analysis.settle(stop_at_unknown=False):  # carried on past the first name found UNKNOWN
        return UNKNOWN
    return frozenset(name for name, found in analysis.env.items() if found is UNKNOWN)


_COMPLEX_PARTS = (numpy.real, numpy.imag, numpy.conj, numpy.conjugate, numpy.angle)


def takes_complex_parts(tree, resolve):
    """Does the function take the real or imaginary part, the conjugate or the angle of a value
    (a sign that complex arguments meet real ones in it)?"""
    for node in ir.walk(tree):
        if isinstance(node, ir.Attr) and node.attr in ("real", "imag", "conj", "conjugate"):
            root = node.value
            while isinstance(root, ir.Attr):
                root = root.value
            if not (isinstance(root, ir.Name) and isinstance(resolve(root), types.ModuleType)):
                return True  # a method or attribute of a value
        if isinstance(node, ir.Call) and isinstance(node.func, (ir.Name, ir.Attr)) and \
                _among(resolve(node.func), _COMPLEX_PARTS):
            return True
    return False


def _callee_sources(fn, active):
    """``complex_sources`` of a called user function, or UNKNOWN."""
    if fn.__code__ in active or len(active) > 20:
        return UNKNOWN
    try:
        prep = prepared_once(fn, prepare)  # each callee is read once per transformation
    except (SrcdiffError, OSError, TypeError, SyntaxError):
        return UNKNOWN
    return complex_sources(prep.tree, prep.ctx.resolve, active + (fn.__code__,), fn.__globals__)


class _Analysis:
    def __init__(self, tree, resolve, active=(), namespace=None):
        self.tree, self.resolve, self.active, self.namespace = tree, resolve, active, namespace
        self.params = {p.name for p in tree.params}
        self.env = {p: frozenset([p]) for p in self.params}
        self.bindings = []  # (name, expr): name may hold expr's value
        self.mutations = []  # (name, expr): the container name may now hold expr's value
        self.aliases = {}  # name -> names it may share an object with
        self.returns = []
        self.unknown = False
        self.locals = set()

    def run(self):
        if not self.settle(stop_at_unknown=True):
            return UNKNOWN
        out = frozenset()
        for value in self.returns:
            found = self.of(value)
            if found is UNKNOWN:
                return UNKNOWN
            out |= found
        return out


    def settle(self, stop_at_unknown):
        """Collect the body and run its bindings to a fixed point; False when the body cannot be
        followed, or (with ``stop_at_unknown``) as soon as some name may hold anything."""
        self._collect(self.tree.body)
        if self.unknown:
            return False
        self.locals = {name for name, _ in self.bindings} | {name for name, _ in self.mutations} | self.params
        changed = True
        while changed:
            changed = False
            for name, expr in self.bindings:
                changed |= self._add(name, self.of(expr))
            for name, expr in self.mutations:
                for other in self._component(name):
                    changed |= self._add(other, self.of(expr))
            if stop_at_unknown and any(v is UNKNOWN for v in self.env.values()):
                return False
        return True

    def _add(self, name, found):
        old = self.env.get(name, frozenset())
        if old is UNKNOWN:
            return False
        new = UNKNOWN if found is UNKNOWN else old | found
        if new is UNKNOWN or new != old:
            self.env[name] = new
            return True
        return False

    def _component(self, name):
        seen, stack = {name}, [name]
        while stack:
            for other in self.aliases.get(stack.pop(), ()):
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        return seen

    def _alias(self, name, expr):
        for other in ir.names_read(expr):
            self.aliases.setdefault(name, set()).add(other)
            self.aliases.setdefault(other, set()).add(name)

    # ---------------------------------------------------------------- statements

    def _collect(self, body):
        for s in body:
            if isinstance(s, ir.Assign):
                for target in s.targets:
                    self._bind(target, s.value)
            elif isinstance(s, ir.AugAssign):
                self._bind(s.target, ir.BinOp(s.op, s.target, s.value))
                if isinstance(s.target, ir.Name):  # ``xs += [v]`` extends the list in place
                    self.mutations.append((s.target.id, s.value))
            elif isinstance(s, ir.For):
                self._bind(s.target, s.iter)
            elif isinstance(s, ir.Return):
                if s.value is not None:
                    self.returns.append(s.value)
            elif isinstance(s, ir.ExprStmt):
                self._mutating_call(s.value)
            elif isinstance(s, (ir.FunctionDef, ir.UnsupportedStmt)):
                self.unknown = True
            for block in ir.blocks(s):
                self._collect(block)
            if isinstance(s, ir.If) or isinstance(s, ir.While):
                parts = [s.test]
            elif isinstance(s, ir.For):
                parts = [s.target, s.iter]
            else:
                parts = [s]
            for part in parts:  # comprehensions and mutating calls inside expressions
                for node in ir.walk(part):
                    if isinstance(node, ir.Comprehension):
                        for gen in node.generators:
                            self._bind(gen.target, gen.iter)
                    elif isinstance(node, ir.Call) and not (isinstance(s, ir.ExprStmt) and node is s.value):
                        self._mutating_call(node)

    def _bind(self, target, value):
        if isinstance(target, ir.Name):
            self.bindings.append((target.id, value))
            self._alias(target.id, value)
        elif isinstance(target, (ir.Tuple, ir.List)):
            for elt in target.elts:
                self._bind(elt.value if isinstance(elt, ir.Starred) else elt, value)
        elif isinstance(target, (ir.Subscript, ir.Attr)):
            root = target
            while isinstance(root, (ir.Subscript, ir.Attr)):
                root = root.value
            if isinstance(root, ir.Name):
                self.mutations.append((root.id, value))
                self._alias(root.id, value)
            else:
                self.unknown = True
        else:
            self.unknown = True

    def _mutating_call(self, e):
        if isinstance(e, ir.Call) and isinstance(e.func, ir.Attr) and e.func.attr in _MUTATORS:
            root = e.func.value
            while isinstance(root, (ir.Subscript, ir.Attr)):
                root = root.value
            if isinstance(root, ir.Name):
                for arg in list(e.args) + [k.value for k in e.keywords]:
                    self.mutations.append((root.id, arg))
                    self._alias(root.id, arg)

    # --------------------------------------------------------------- expressions

    def of(self, e):
        """The parameters ``e``'s complexness comes from, or UNKNOWN."""
        if isinstance(e, ir.Name):
            if self._local(e.id):
                return self.env.get(e.id, frozenset())
            return self._global(e)
        if isinstance(e, ir.Const):
            return UNKNOWN if isinstance(e.value, complex) or names_complex_dtype(e.value) else frozenset()
        if isinstance(e, (ir.BinOp, ir.BoolOp, ir.Tuple, ir.List, ir.Dict, ir.Starred, ir.Subscript, ir.IfExp,
                          ir.Slice)):
            parts = [c for c in e.children() if not (isinstance(e, ir.IfExp) and c is e.test)]
            return self._union(parts)
        if isinstance(e, ir.UnaryOp):
            return frozenset() if e.op == "not" else self.of(e.operand)
        if isinstance(e, ir.Compare):
            return frozenset()
        if isinstance(e, ir.Comprehension):
            return self._union([e.elt] + ([e.key] if e.key is not None else []))
        if isinstance(e, ir.Attr):
            return self._attribute(e)
        if isinstance(e, ir.Call):
            return self._call(e)
        return UNKNOWN

    def _union(self, parts):
        out = frozenset()
        for part in parts:
            if part is None:
                continue
            found = self.of(part.value if isinstance(part, ir.Keyword) else part)
            if found is UNKNOWN:
                return UNKNOWN
            out |= found
        return out

    def _local(self, name):
        return name in self.locals

    def _global(self, e):
        obj = self.resolve(e)
        if isinstance(obj, types.ModuleType) or lookup(obj) is not None or _among(obj, _REAL_RESULTS):
            return frozenset()  # not a value: a call or an attribute of it is looked at where it is used
        if isinstance(obj, type) or isinstance(obj, numpy.dtype):
            return UNKNOWN if names_complex_dtype(obj) else frozenset()
        if isinstance(e, ir.Name) and self.namespace is not None and self.namespace.get(e.id, self) is obj and \
                isinstance(obj, (numpy.ndarray, numpy.generic, int, float, complex)):
            return frozenset([("global", e.id)])  # its dtype is checked when the code runs
        return UNKNOWN

    def _attribute(self, e):
        root = e
        while isinstance(root, ir.Attr):
            root = root.value
        if isinstance(root, ir.Name) and not self._local(root.id):
            obj = self.resolve(e)
            if isinstance(obj, (bool, int, float)) and isinstance(self.resolve(e.value), types.ModuleType) and \
                    getattr(self.resolve(e.value), "__name__", "").split(".")[0] in ("numpy", "math"):
                return frozenset()  # numpy.pi, math.inf: constants of a library module
            return self._global(e)
        if e.attr in _REAL_ATTRS:
            return frozenset()
        if e.attr in ("T", "mT", "flat"):
            return self.of(e.value)
        return UNKNOWN

    def _call(self, e):
        func = e.func
        args = list(e.args) + list(e.keywords)
        if isinstance(func, ir.Attr):
            root = func
            while isinstance(root, ir.Attr):
                root = root.value
            local = isinstance(root, ir.Name) and self._local(root.id)
            if local or not isinstance(root, ir.Name):  # a method of a value
                if func.attr in _REAL_ATTRS:
                    return frozenset()
                if func.attr in _LIKE_VALUE or func.attr in _MUTATORS:
                    return self._union([func.value] + args)
                return UNKNOWN
        elif not isinstance(func, ir.Name):
            return UNKNOWN
        obj = self.resolve(func)
        if _among(obj, _REAL_RESULTS):
            return frozenset()
        if _among(obj, _LIKE_ARGUMENTS) or \
                (lookup(obj) is not None and getattr(obj, "__module__", None) != "numpy.fft"):
            return self._union(args)  # functions srcdiff has rules for keep real arguments real (but the FFTs)
        if isinstance(obj, types.FunctionType) and lookup(obj) is None and \
                (getattr(obj, "__module__", None) or "").split(".")[0] not in ("numpy", "scipy", "srcdiff"):
            return self._callee(obj, e)
        return UNKNOWN  # numpy.linalg.eig, numpy.emath.sqrt, scipy.special.hankel1, methods, lambdas...

    def _callee(self, fn, e):
        """A call of a user function: the arguments bound to the parameters its result depends on."""
        found = _callee_sources(fn, self.active)
        if found is UNKNOWN or any(isinstance(a, ir.Starred) for a in e.args) or \
                any(k.name is None for k in e.keywords):
            return UNKNOWN
        try:
            params = inspect.signature(fn).parameters
            bound = inspect.signature(fn).bind_partial(*e.args, **{k.name: k.value for k in e.keywords})
        except (TypeError, ValueError):
            return UNKNOWN
        parts, markers = [], frozenset()
        for name in found:
            if isinstance(name, tuple):  # a global variable of the callee's module
                if fn.__globals__ is not self.namespace:
                    return UNKNOWN
                markers |= {name}
                continue
            if name in bound.arguments:
                value = bound.arguments[name]
                if params[name].kind in (params[name].VAR_POSITIONAL, params[name].VAR_KEYWORD):
                    return UNKNOWN
                parts.append(value)
            elif params[name].default is params[name].empty or holds_complex(params[name].default):
                return UNKNOWN  # a default that may be complex
        found = self._union(parts)
        return UNKNOWN if found is UNKNOWN else found | markers


def _among(obj, objects):
    try:
        return obj in objects
    except TypeError:  # unhashable
        return False

