"""A transformed function's entry for one combination of argument types: the cache key of a
call, the checks its arguments need on every call, and its gradients fitted to the arguments."""
from __future__ import annotations

import numpy

from .arguments import check_differentiable, fit

_ndarray = numpy.ndarray


def call_key(args):
    """What a call's positional arguments decide about the generated code: types, and shapes of arrays."""
    return tuple([a.shape if type(a) is _ndarray else type(a) for a in args])


def input_kind(value):
    t = type(value)
    if t is float:
        return "float"
    if t is _ndarray:
        return "array"
    return "other"


def fast_fit(kinds, inputs, grads):
    """``fit`` with fast paths for float64-style arrays and Python floats."""
    out = []
    for kind, x, g in zip(kinds, inputs, grads):
        if kind == "array":
            if type(g) is not _ndarray or g.shape != x.shape or (g.dtype is not x.dtype and g.dtype != x.dtype):
                g = fit(g, x)
        elif kind == "float":
            g = float(g)
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
        self.statics = owner._kinds(args, kwargs)[2]
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
        self.tuple_out = len(sig.wrt) == 1 and not sig.single  # wrt=(0,) wants a one-element tuple
        # the common case, served by ``arrays_fitted``: positional arrays only, nothing else to check
        self.lean = self.positional and not self.statics and not self.guards and not self.others and \
            not owner.has_aux and all(k == "array" for k in self.kinds)
        self.single = sig.single

    def lean_call(self, role, args):
        """The generated function called on array arguments whose dtypes can be differentiated."""
        for p in self.positions:
            if args[p].dtype.kind not in "fc":
                self.inputs(args, {})  # raises, naming the argument
        return self.functions[role](*args)

    def arrays_fitted(self, args, grads):
        """``fit`` of each gradient to its array argument (``lean`` callers): one gradient, or a tuple."""
        if self.single or self.tuple_out:
            grads = (grads,)
        out = []
        for p, g in zip(self.positions, grads):
            x = args[p]
            if type(g) is not _ndarray or g.shape != x.shape or (g.dtype is not x.dtype and g.dtype != x.dtype):
                g = fit(g, x)
            out.append(g)
        return out[0] if self.single else tuple(out)

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
