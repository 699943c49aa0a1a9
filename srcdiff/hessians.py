"""Second derivatives: ``hvp`` (forward mode over the generated gradient) and ``hessian`` (one
Hessian-vector product per input entry)."""
from __future__ import annotations

from typing import Any

import numpy

from .backend import deep, duck
from .front import objects
from .modes import callees as calls
from .api import Grad, check_differentiable, fit
from .arguments import resolve_wrt
from .derivatives import basis_directions, check_tangent, floating_tangent, real_only
from .partials import plain
from .errors import ArgumentError
from .tracebacks import user_facing
from .backend.travel import Portable
from .hints import Function, Wrt


class HVP(Portable):
    """``hvp(fun, wrt)``: ``(*args, v) -> H @ v``, forward mode over the generated gradient."""

    def __init__(self, fun: Function, wrt: Wrt = 0) -> None:
        if isinstance(wrt, (tuple, list)):
            raise ArgumentError("hvp and hessian take a single argument in wrt")
        self.fun = fun = plain(fun)
        self.gradient = Grad(fun, wrt)
        self.sig = self.gradient.sig
        self._tangents: dict = {}

    def tangent_function(self, args: tuple, kwargs: dict) -> tuple:
        """The forward-mode derivative of the generated gradient function, for these argument types."""
        functions = self.gradient.functions_for(args, kwargs)
        if functions["result"].complex_from is None:  # the output may be complex: code that checks it itself
            functions = self.gradient.checking().functions_for(args, kwargs)
        grad_fn = functions["grad"]
        grad_fn = getattr(grad_fn, "__srcdiff_unwrapped__", grad_fn)  # the generated code, not its headroom wrapper
        scalars, _, statics, shapes = self.gradient.argument_kinds(args, kwargs)
        target, shapes = duck.split(self.gradient.target, shapes)  # Dask arguments: code for Dask
        key = (grad_fn, shapes, target)  # one gradient function may serve many shapes (after the cap)
        if key not in self._tangents:
            if len(self._tangents) >= 256:  # a stream of new shapes: forget the old ones
                self._tangents.clear()
            fn, params = calls.tangent_function(grad_fn, list(self.sig.wrt), frozenset(scalars), statics, shapes,
                                                tangent_only=True, target=target)  # (not the gradient itself)
            if deep.recursive(fn.__srcdiff_compiled__):
                fn = deep.with_headroom(fn, self.fun)
            if target is duck.DASK:  # lazy, like the gradient's own code: nothing computed behind the user's back
                fn = duck.lazy(fn)
            self._tangents[key] = (grad_fn, fn, params, functions["result"].returns_value)
        return self._tangents[key]

    @property
    def source(self) -> str:
        """The generated Hessian-vector product: forward mode over the generated gradient."""
        raise AttributeError("hvp code is specialized to its arguments: use .source_for(*args)")

    def source_for(self, *args: Any, **kwargs: Any) -> str:
        """The generated Hessian-vector product for these arguments (``*args`` without ``v``)."""
        _, fn, _, _ = self.tangent_function(args, kwargs)
        return fn.__srcdiff_source__

    @user_facing
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        *primals, v = args
        args = tuple(primals)
        x = self.sig.values(args, kwargs)[0]
        refuse_object(x, self.sig.wrt[0], self.fun, "hvp")
        check_differentiable(x, self.sig.wrt[0], self.fun)
        check_tangent(v, x, self.sig.wrt[0], self.fun)
        _, fn, params, returns_value = self.tangent_function(args, kwargs)
        caller = self.gradient._fast_caller(args, kwargs)
        if caller.complex_params and caller.complex_inputs(args, kwargs):
            self.gradient.with_value()(*args, **kwargs)  # refuses a complex output
        t_out = fn(*args, **kwargs, **{params[0]: floating_tangent(v)})
        t_grad = t_out[1] if returns_value else t_out  # the gradient function may also return the value
        return fit(t_grad, x) if not isinstance(x, float) else float(t_grad)


def hvp(fun: Function, *, wrt: Wrt | None = None, argnums: Wrt | None = None) -> HVP:
    """``(*args, v) -> H @ v`` for a scalar ``fun``, without forming the Hessian ``H``.

    Parameters
    ----------
    fun
        A scalar-valued function.
    wrt, argnums
        The one argument differentiated (an index or a parameter name; 0 by default).

    Returns
    -------
    HVP
        Called with ``fun``'s arguments and then ``v`` (shaped like the argument), it returns
        ``H @ v``, by forward mode over the generated gradient.

    Examples
    --------
    >>> import numpy as np, srcdiff
    >>> def f(x):
    ...     return np.sum(x ** 3)
    >>> srcdiff.hvp(f)(np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    array([6., 0.])
    """
    return HVP(fun, resolve_wrt(wrt, argnums))


def hessian(fun: Function, *, wrt: Wrt | None = None, argnums: Wrt | None = None) -> Hessian:
    """The Hessian of a scalar ``fun``, shaped ``arg.shape + arg.shape`` (forward over reverse).

    Parameters
    ----------
    fun, wrt, argnums
        As for ``hvp``.

    Returns
    -------
    Hessian
        Called like ``fun``, it returns the Hessian matrix (a float for a float argument).

    Examples
    --------
    >>> import numpy as np, srcdiff
    >>> def f(x):
    ...     return x[0] ** 2 * x[1]
    >>> srcdiff.hessian(f)(np.array([1.0, 3.0]))
    array([[6., 2.],
           [2., 0.]])
    """
    return Hessian(fun, resolve_wrt(wrt, argnums))


class Hessian(Portable):
    """``hessian(fun, wrt)``: one Hessian-vector product (``.hvp``) per input entry; an object, so it pickles."""

    def __init__(self, fun: Function, wrt: Wrt = 0) -> None:
        self.hvp = HVP(fun, wrt)
        self.fun, self.sig, self.__name__ = self.hvp.fun, self.hvp.sig, "hessian_of_" + getattr(fun, "__name__", "f")

    @user_facing
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        x = self.sig.values(args, kwargs)[0]
        refuse_object(x, self.sig.wrt[0], self.fun, "hessian")  # one basis direction per entry
        real_only(x, self.fun, "hessian", self.sig.wrt[0])
        shape = numpy.shape(x)
        if duck.is_duck(x):  # a Dask array: its columns stacked lazily (numpy.stack dispatches to Dask)
            columns = [self.hvp(*args, duck.like(e, x), **kwargs) for _, e in basis_directions(x)]
            return numpy.stack(columns, axis=-1).reshape(shape + shape)
        H = numpy.zeros(shape + shape)
        for idx, e in basis_directions(x):
            H[(Ellipsis,) + idx] = self.hvp(*args, e, **kwargs)
        return float(H) if isinstance(x, float) else H


def refuse_object(x, name, fun, what):
    """Second derivatives go through arrays, not through the attributes of an object of a user class."""
    if objects.is_user_object(x):
        raise ArgumentError("%s differentiates floats and float arrays, but `%s` of %s is a %s object. "
                            "srcdiff.grad, value_and_grad, vjp and jvp take objects; for %s, pass the object's "
                            "arrays as arguments of a function and differentiate with respect to one of them." % (
                                what, name, getattr(fun, "__qualname__", "f"), type(x).__qualname__,
                                "a Hessian-vector product" if what == "hvp" else "a Hessian"))
