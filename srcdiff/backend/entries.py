"""A transformed function's entry for one combination of argument types: the cache key of a
call, the checks its arguments need on every call, and its gradients fitted to the arguments."""
from __future__ import annotations

import hashlib
import linecache

import numpy

from ..arguments import qualified_name, check_differentiable, fit
from ..analysis.complex_values import holds_complex
from ..errors import NonDifferentiableError
from .duck import is_duck
from ..runtime.helpers import complex_output_error, where

_ndarray = numpy.ndarray
_complex = (complex, numpy.complexfloating)


def call_key(args):
    """What a call's positional arguments decide about the generated code: types, and shapes of arrays."""
    if len(args) < KEYED_ARITY:
        return KEYS_BY_ARITY[len(args)](args)
    return tuple([a.shape if type(a) is _ndarray else type(a) for a in args])


def _unrolled_key(n):
    """``call_key`` for ``n`` arguments written out: no loop, no list (half the cost for six)."""
    names = ["a%d" % i for i in range(n)]
    source = "def key(args):\n    %s = args\n    return (%s)\n" % (
        ", ".join(names) + ("," if n == 1 else ""),
        "".join("%s.shape if type(%s) is ndarray else type(%s), " % (a, a, a) for a in names))
    namespace = {"ndarray": _ndarray}
    exec(compile(source, "<srcdiff call_key %d>" % n, "exec"), namespace)
    return namespace["key"]


KEYS_BY_ARITY = [lambda args: ()] + [_unrolled_key(n) for n in range(1, 9)]  # ``call_key`` by len(args)
KEYED_ARITY = len(KEYS_BY_ARITY)


def input_kind(value):
    t = type(value)
    if t is float:
        return "float"
    if t is _ndarray:
        return "array"
    return "other"


def fitted_array(g, x):
    """``fit(g, x)`` for an array argument ``x``, skipped when ``g`` already has its shape and dtype."""
    if type(g) is not _ndarray or g.shape != x.shape or (g.dtype is not x.dtype and g.dtype != x.dtype):
        return fit(g, x)
    return g


def fast_fit(kinds, inputs, grads):
    """``fit`` with fast paths for float64-style arrays and Python floats."""
    out = []
    for kind, x, g in zip(kinds, inputs, grads):
        if kind == "array":
            g = fitted_array(g, x)
        elif kind == "float":  # a complex g (a real input feeding complex values): its real part, as fit does
            if type(g) is not float:  # a 0-d complex array too
                g = fit(g, x) if is_duck(g) else \
                    float(numpy.real(g)) if isinstance(g, _complex) or numpy.iscomplexobj(g) else float(g)
        else:
            g = fit(g, x)
        out.append(g)
    return out


class Caller:
    """A transformed function specialized to one combination of argument types."""

    def __init__(self, owner, functions, args, kwargs):
        self.owner = owner
        self.functions = functions
        self.guards = functions["result"].guards
        self.statics = owner.argument_kinds(args, kwargs)[2]
        sig = owner.sig
        self.positional = all(p < len(args) and sig.params[p].kind is not sig.params[p].KEYWORD_ONLY
                              for p in sig.positions) and not kwargs
        inputs = sig.values(args, kwargs)
        for value, name in zip(inputs, sig.wrt):
            if not isinstance(value, _ndarray):
                check_differentiable(value, name, owner.fun)  # types are fixed for this variant
        self.kinds = [input_kind(v) for v in inputs]
        self.arrays = [i for i, k in enumerate(self.kinds) if k == "array"]
        self.others = [i for i, k in enumerate(self.kinds) if k == "other"]  # containers: checked every call
        self.positions = list(sig.positions)
        self.returns_value = getattr(functions["result"], "returns_value", True)
        # the parameters whose complex values could make a grad's output complex (see analysis.complexity)
        complex_from = getattr(functions["result"], "complex_from", frozenset())
        self.complex_params = [(i, p.name, p.kind is not p.KEYWORD_ONLY) for i, p in enumerate(sig.params)
                               if p.name in (complex_from or ())]
        self.namespace = getattr(functions["subject"], "__globals__", None)
        self.complex_globals = sorted(n[1] for n in complex_from or () if isinstance(n, tuple))
        # not known, or *args or **kwargs (not checked): the output is computed and checked on every call
        self.complex_always = complex_from is None or \
            len(self.complex_params) + len(self.complex_globals) < len(complex_from) or \
            (self.complex_globals and self.namespace is None)
        self.tuple_out = len(sig.wrt) == 1 and not sig.single  # wrt=(0,) wants a one-element tuple
        # the common case: positional arrays only, nothing else to check (see ``_lean_runner``)
        lean = self.positional and not self.statics and not self.guards and not self.others and \
            not owner.has_aux and all(k == "array" for k in self.kinds) and not self.complex_always and \
            all(i < len(args) and positional for i, _, positional in self.complex_params) and \
            owner.target.lean_runner  # a target may forbid the text runner's ndarray fast path
        self.run = _lean_runner(self, functions[owner.role], owner.role != "grad" or self.returns_value,
                                owner.role != "grad", sig.single or self.tuple_out, sig.single,
                                owner.fun) if lean else None
        if self.complex_always and owner.role == "grad" and not owner.has_aux:  # the output is checked on each
            self.run = lambda args: owner.with_value()(*args)[1]  # call: value_and_grad computes it

    def complex_inputs(self, args, kwargs):
        """Whether a parameter that decides if the output is real holds a complex value in this call."""
        if self.complex_always:
            return True
        for name in self.complex_globals:
            if holds_complex(self.namespace.get(name)):
                return True
        defaults = self.owner.sig.defaults
        for i, name, positional in self.complex_params:
            value = args[i] if positional and i < len(args) else kwargs.get(name, defaults.get(name))
            if holds_complex(value):
                return True
        return False

    def inputs(self, args, kwargs):
        if self.positional:
            inputs = [args[p] for p in self.positions]
            for i in self.arrays:
                if inputs[i].dtype.kind not in "fc":
                    check_differentiable(inputs[i], self.owner.sig.wrt[i], self.owner.fun)
        else:
            inputs = self.owner.sig.values(args, kwargs)
            for i in self.arrays:
                check_differentiable(inputs[i], self.owner.sig.wrt[i], self.owner.fun)
        for i in self.others:
            check_differentiable(inputs[i], self.owner.sig.wrt[i], self.owner.fun)
        return inputs


_float64 = numpy.float64




def require_scalar(value, fun):
    """``value`` must be a real number or a 0-d real array: the output of a function ``grad``
    differentiates."""
    if type(value) is float or type(value) is _float64:
        return
    ndim = getattr(value, "ndim", None)
    if ndim == 0 or (ndim is None and isinstance(value, (int, numpy.number, complex))):
        if numpy.iscomplexobj(value):
            raise complex_output_error(qualified_name(fun) + where(fun), value)
        return
    shape = numpy.shape(value) if ndim is not None else type(value).__name__
    raise NonDifferentiableError(
        "srcdiff.grad needs %s to return a scalar, but it returned %s %s. Reduce the output to a scalar "
        "(for example with .sum()), or use srcdiff.vjp(%s) to pull back a cotangent shaped like the output."
        % (qualified_name(fun), "an array of shape" if ndim is not None else "a", shape, getattr(fun, "__name__", "f")))


def _lean_runner(caller, fn, unpack, joint, wrap, single, fun):
    """``run(args)`` for a ``Caller`` of array arguments only: check their dtypes, call ``fn``, check
    that the value is a number (``unpack``: ``fn`` returns it beside the gradients), fit each
    gradient to its argument; returns what ``value_and_grad`` (``joint``) or ``grad`` returns.

    Written out as Python for this caller's arguments (no loops, no calls per argument), so that a
    cached call costs little more than calling ``fn`` itself; the text is ``run.__srcdiff_source__``.
    Its names are bound here, from the target (``ndarray``: the array type of its namespace)."""
    positions = tuple(caller.positions)
    grads = ["g%d" % i for i in range(len(positions))]
    lines = ["def run(args):"]
    lines += ["    x%d = args[%d]" % (i, p) for i, p in enumerate(positions)]
    complex_at = {i for i, _, _ in caller.complex_params}
    tests = ['x%d.dtype.kind %s' % (i, '!= "f"' if p in complex_at else 'not in "fc"') for i, p in enumerate(positions)]
    others = sorted(complex_at - set(positions))  # arguments that are not differentiated: any type
    lines += ["    a%d = args[%d]" % (p, p) for p in others]
    tests += ["(type(a%d) is not ndarray or a%d.dtype.kind == \"c\") and holds_complex(a%d)" % (p, p, p)
              for p in others]
    tests += ["holds_complex(namespace.get(%r))" % name for name in caller.complex_globals]  # global variables
    lines += ["    if %s:" % " or ".join(tests),
              "        return caller.owner.checked_call(args)  # refuses dtypes; computes a complex output to check it"]
    lines += ["    value, out = fn(*args)" if unpack else "    out = fn(*args)"]
    if unpack:
        lines += ["    if type(value) is not float and type(value) is not float64:",
                  "        require_scalar(value, fun)"]
    listed = ", ".join(grads) + ("," if len(grads) == 1 else "")
    lines += ["    %s = out" % (grads[0] if wrap else listed)]
    for i, g in enumerate(grads):  # ``fitted_array`` written out
        lines += ["    if type(%s) is not ndarray or %s.shape != x%d.shape or %s.dtype is not x%d.dtype and "
                  "%s.dtype != x%d.dtype:" % (g, g, i, g, i, g, i),
                  "        %s = fit(%s, x%d)" % (g, g, i)]
    result = grads[0] if single else "(%s)" % listed
    lines += ["    return %s" % ("value, " + result if joint else result)]
    source = "\n".join(lines) + "\n"
    namespace = {"caller": caller, "fn": fn, "fun": fun, "fit": fit, "require_scalar": require_scalar,
                 "holds_complex": holds_complex, "namespace": caller.namespace,
                 "float64": _float64, "ndarray": caller.owner.target.module.ndarray}
    filename = "<srcdiff caller %s>" % hashlib.sha1(source.encode()).hexdigest()[:10]
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # for tracebacks
    exec(compile(source, filename, "exec"), namespace)
    run = namespace["run"]
    run.__srcdiff_source__ = source
    return run
