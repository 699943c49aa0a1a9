"""Argument handling: which parameters ``wrt`` names, refusing non-float inputs, and giving each
gradient the type and shape of its argument."""
from __future__ import annotations

import inspect
import reprlib

import numpy

from .errors import ArgumentError, SrcdiffError

_ndarray = numpy.ndarray

_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = 4


def short_repr(value):
    """``repr`` for error messages: an array is its shape and dtype, never its entries."""
    if isinstance(value, _ndarray):
        return "an array of shape %s and dtype %s" % (value.shape, value.dtype)
    text = _SHORT.repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def resolve_wrt(wrt, argnums, default=0):
    """``wrt``, or ``argnums`` (JAX's and autograd's name for it); ``default`` when neither is given."""
    if argnums is None:
        return default if wrt is None else wrt
    if wrt is not None:
        raise ArgumentError("pass wrt=%s or its alias argnums=%s, not both" % (short_repr(wrt), short_repr(argnums)))
    return argnums


class Signature:
    """Which parameters ``wrt`` names, resolved once when the transformation is created."""

    def __init__(self, fun, wrt):
        if inspect.ismethod(fun):
            name = getattr(fun, "__qualname__", "the method")
            raise ArgumentError(
                "%s is a bound method; srcdiff differentiates functions whose arguments it can see. "
                "Differentiate the class's function and pass the object as its first argument, with wrt "
                "counting it: srcdiff.grad(%s, wrt=1)(obj, ...)" % (name, name))
        try:
            sig = inspect.signature(fun)
        except (TypeError, ValueError):
            if callable(fun):  # a builtin: refused when it is first called (it has no source)
                sig = inspect.Signature([inspect.Parameter("x", inspect.Parameter.POSITIONAL_ONLY)])
            else:
                raise ArgumentError("srcdiff needs a Python function, got %s" % short_repr(fun)) from None
        self.fun = fun
        self.params = [p for p in sig.parameters.values()
                       if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        self.names = [p.name for p in self.params]
        self.single = not isinstance(wrt, (tuple, list))
        items = [wrt] if self.single else list(wrt)
        if not items:
            raise ArgumentError("wrt=() names no argument of %s(%s); pass an index or a parameter name" % (
                getattr(fun, "__name__", "function"), ", ".join(self.names)))
        self.wrt = [self._resolve(w) for w in items]
        self.positions = [self.names.index(n) for n in self.wrt]
        self.defaults = {p.name: p.default for p in self.params if p.default is not p.empty}

    def check_call(self, args, kwargs):
        """The arguments fit the user's function (else the error names it, not generated code)."""
        try:
            inspect.signature(self.fun).bind(*args, **kwargs)
        except TypeError as exc:
            raise ArgumentError("%s(%s) cannot take these arguments: %s" % (
                getattr(self.fun, "__name__", "function"), ", ".join(self.names), exc)) from None
        except ValueError:  # no introspectable signature: the call itself will tell
            pass

    def _resolve(self, w):
        label = "%s(%s)" % (getattr(self.fun, "__name__", "function"), ", ".join(self.names))
        if isinstance(w, bool) or not isinstance(w, (int, str)):
            raise ArgumentError("wrt=%r: pass a parameter index (int) or name (str) of %s" % (w, label))
        if isinstance(w, int):
            positional = [p.name for p in self.params if p.kind is not p.KEYWORD_ONLY]
            if not -len(positional) <= w < len(positional):
                if not positional:
                    raise ArgumentError("wrt=%d is out of range: %s has no positional parameters" % (w, label))
                raise ArgumentError("wrt=%d is out of range: %s has %d positional parameters (indices %d to %d, "
                                    "or %d to -1 from the end)" % (w, label, len(positional), 0,
                                                                    len(positional) - 1, -len(positional)))
            return positional[w]
        if w not in self.names:
            raise ArgumentError("wrt=%r is not a parameter of %s" % (w, label))
        return w

    def values(self, args, kwargs):
        """The argument values of the ``wrt`` parameters in this call."""
        out = []
        for pos, name in zip(self.positions, self.wrt):
            if pos < len(args) and self.params[pos].kind is not self.params[pos].KEYWORD_ONLY:
                out.append(args[pos])
            elif name in kwargs:
                out.append(kwargs[name])
            elif name in self.defaults:
                out.append(self.defaults[name])
            else:
                raise ArgumentError("missing argument `%s`" % name)
        return out


def check_differentiable(value, name, fun):
    """Refuse integer and boolean inputs: they have no gradient."""
    t = type(value)
    if t is float or t is complex:
        return
    if t is _ndarray:
        if value.dtype.kind in "fc":
            return
        raise ArgumentError(
            "cannot differentiate %s with respect to `%s`: it is an array of dtype %s, and gradients need "
            "floating-point inputs. Pass `%s.astype(float)`." % (qualified_name(fun), name, value.dtype, name))
    if t is int or t is bool or isinstance(value, (numpy.integer, numpy.bool_)):
        kind = type(value).__name__
        raise ArgumentError(
            "cannot differentiate %s with respect to `%s`: it is %s %s, and gradients need floating-point "
            "inputs. Pass a float (for example %r)." % (qualified_name(fun), name, "an" if kind[0] in "aeiou" else "a",
                                                        kind, float(value)))
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            check_differentiable(v, "%s[%d]" % (name, i), fun)
        return
    if isinstance(value, dict):
        for k, v in value.items():
            check_differentiable(v, "%s[%r]" % (name, k), fun)
        return
    if isinstance(value, numpy.floating):
        return
    if _is_duck(value):  # a Dask array (any array NumPy's functions dispatch to)
        if value.dtype.kind in "fc":
            return
        raise ArgumentError(
            "cannot differentiate %s with respect to `%s`: it is a %s of dtype %s, and gradients need "
            "floating-point inputs. Pass `%s.astype(float)`."
            % (qualified_name(fun), name, t.__name__, value.dtype, name))
    raise ArgumentError("cannot differentiate %s with respect to `%s`: srcdiff differentiates floats, float "
                        "arrays, and lists, tuples and dicts of them; got %s" % (qualified_name(fun), name, t.__name__))


def fit(g, x):
    """The gradient ``g`` in the type and shape of the argument ``x``."""
    t = type(x)
    if t is float:
        if type(g) is not float and _is_duck(g):  # data in duck arrays: a lazy 0-d array, not computed here
            return numpy.real(g) if g.dtype.kind == "c" else g
        return float(numpy.real(g) if numpy.iscomplexobj(g) else g)  # complex: a 0-d array too
    if t is _ndarray:
        if type(g) is not _ndarray and _is_duck(g):  # data in duck arrays: the gradient stays lazy too
            return _fit_duck(g, x)
        if x.dtype.kind != "c" and numpy.iscomplexobj(g):
            g = numpy.real(g)  # a real input whose gradient passed through complex values
        if type(g) is not _ndarray or g.dtype != x.dtype:
            g = numpy.asarray(g, dtype=x.dtype if x.dtype.kind in "fc" else float)
        if g.shape != x.shape:
            if g.size == x.size or g.ndim == 0:
                g = numpy.broadcast_to(g, x.shape).copy()
            else:
                raise SrcdiffError("internal error: gradient of shape %s for an argument of shape %s; please "
                                   "report this with the function's source" % (g.shape, x.shape))
        return g
    if t is list:
        return [fit(a, b) for a, b in zip(g, x)]
    if t is tuple:
        return tuple(fit(a, b) for a, b in zip(g, x))
    if isinstance(x, tuple) and hasattr(t, "_fields"):  # a NamedTuple: the gradient is one too
        return t(*[fit(a, b) for a, b in zip(g, x)])
    if t is dict:
        return {k: fit(g[k], v) for k, v in x.items()}
    if _is_duck(x):
        return _fit_duck(g, x)
    if isinstance(x, numpy.generic) and _is_duck(g):
        return _fit_duck(g, x)
    if isinstance(x, numpy.generic):
        if x.dtype.kind != "c" and numpy.iscomplexobj(g):
            g = numpy.real(g)  # as for arrays: a real input whose gradient passed through complex values
        return x.dtype.type(g)
    return g


def _is_duck(value):
    from .backend.duck import is_duck
    return is_duck(value)


def _complex_kind(g):
    """Whether ``g`` holds complex numbers, read from its dtype (``numpy.iscomplexobj`` may convert, computing)."""
    dtype = getattr(g, "dtype", None)
    return dtype.kind == "c" if dtype is not None else isinstance(g, complex)


def _fit_duck(g, x):
    """The gradient ``g`` for a duck array ``x`` (or a duck gradient for an ndarray ``x``): a duck array of
    ``x``'s shape and dtype, built lazily (a constant
    gradient becomes ``zeros_like(x) + g``, chunked like ``x``; nothing is computed)."""
    if type(g) is list or type(g) is tuple:  # the adjoint of iterating over x: one entry per row
        g = numpy.stack([numpy.zeros_like(x[0]) + r for r in g]) if len(g) else numpy.zeros_like(x)
    if x.dtype.kind != "c" and _complex_kind(g):
        g = numpy.real(g)
    if not _is_duck(g):
        g = numpy.zeros_like(x) + g  # dispatches to x's library
    if g.dtype != x.dtype:
        g = g.astype(x.dtype)
    if g.shape != x.shape:
        if g.ndim == 0:
            g = numpy.broadcast_to(g, x.shape)
        elif g.size == x.size:
            g = numpy.reshape(g, x.shape)
        else:
            raise SrcdiffError("internal error: gradient of shape %s for an argument of shape %s; please "
                               "report this with the function's source" % (g.shape, x.shape))
    return g


def qualified_name(fun):
    return getattr(fun, "__qualname__", None) or repr(fun)
