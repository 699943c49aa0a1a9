"""Public transformations: grad and value_and_grad (``Transformed``, the base of the objects they
return, is in transformed.py)."""
from __future__ import annotations

from typing import Any, Callable, overload

from . import methods
from .backend import targets
from .arguments import Signature, qualified_name, check_differentiable, fit  # noqa: F401  (public helpers)
from .arguments import resolve_wrt
from .backend.entries import KEYED_ARITY, KEYS_BY_ARITY, Caller, call_key, fast_fit
from .backend.entries import require_scalar as _require_scalar
from .context import stale
from .derivatives import ForwardGrad
from .errors import ArgumentError, NonDifferentiableError
from .tracebacks import for_user
from .front import records
from .hints import Function, Transformation, Wrt
from .transformed import Transformed, decorator


class ValueAndGrad(Transformed):
    role = "joint"

    def generated_for(self, args, kwargs):
        if self.has_aux:
            raise NonDifferentiableError("srcdiff cannot differentiate a has_aux=True gradient again")
        fn = self.checking().functions_for(args, kwargs)[self.role]
        return getattr(fn, "__srcdiff_unwrapped__", fn)  # the generated code itself, not its headroom wrapper

    def checking(self) -> ValueAndGrad:
        """This transformation with code that refuses a complex output itself: what a transformation
        applied on top of this one differentiates (no caller checks the output there)."""
        twin = self.__dict__.get("_checking")
        if twin is None:
            twin = self._checking = targets.bound(type(self)(self.fun, self._wrt), self.target)
            twin.check_real = True
        return twin

    def _caller(self, args, kwargs):
        key = self._variant_key(args, kwargs, self.argument_kinds(args, kwargs)[2])
        caller = self._callers.get(key)
        if caller is None or (caller.guards and stale(caller.guards)):  # a called helper was redefined
            caller = self._callers[key] = Caller(self, self.functions_for(args, kwargs), args, kwargs)
            if caller.run is not None:
                self._runs[key] = caller.run
        return caller

    def _fast_caller(self, args, kwargs):
        """The specialization for these arguments, found by their types alone when it can be."""
        caller = self._callers.get(call_key(args)) if not kwargs else None
        if caller is None or caller.statics or (caller.guards and stale(caller.guards)):
            # first call with these types, keywords, functions passed as arguments, or a redefined helper
            caller = self._caller(args, kwargs)
        return caller

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            if not kwargs and len(args) < KEYED_ARITY:  # array arguments only: the lean path
                run = self._runs.get(KEYS_BY_ARITY[len(args)](args))
                if run is not None:
                    return run(args)
            if records.holds_dataclass(self.sig, args, kwargs):
                return self._dataclass_call(args, kwargs)
            return self._call(args, kwargs)
        except Exception as exc:  # told in the user's terms (a try costs nothing until it catches)
            if targets.fall_back(self, exc):
                return self(*args, **kwargs)
            raise exc.with_traceback(for_user(exc))

    def _dataclass_call(self, args: tuple, kwargs: dict) -> Any:
        """Dataclasses differentiated: passed as NamedTuples of their fields, gradients made dataclasses again."""
        originals = self.sig.values(args, kwargs)
        out = self._call(*records.lowered_arguments(self.sig, args, kwargs))
        grads_first = isinstance(self, Grad)  # grad gives the gradients (with aux); value_and_grad (value, them)
        grads = (out[0] if self.has_aux else out) if grads_first else out[1]
        lifted = records.lift(grads, originals[0]) if self.sig.single else \
            tuple(records.lift(g, x) for g, x in zip(grads, originals))
        if grads_first:
            return (lifted, out[1]) if self.has_aux else lifted
        return out[0], lifted

    def checked_call(self, args: tuple) -> Any:
        """A call the lean path passes on: arguments whose dtypes need a closer look."""
        return self._call(args, {})

    def _call(self, args, kwargs):
        caller = self._fast_caller(args, kwargs)
        inputs = caller.inputs(args, kwargs)
        value, grads = caller.functions[self.role](*args, **kwargs)
        _require_scalar(value[0] if self.has_aux else value, self.fun)
        if len(self.sig.wrt) == 1 and not self.sig.single:
            grads = (grads,)
        if self.sig.single:
            return value, fast_fit(caller.kinds, inputs, (grads,))[0]
        return value, tuple(fast_fit(caller.kinds, inputs, grads))


class Grad(ValueAndGrad):
    role = "grad"

    def _call(self, args, kwargs):
        caller = self._fast_caller(args, kwargs)
        if caller.complex_always:  # whether the output is real is not known: value_and_grad computes it
            return self.with_value()(*args, **kwargs)[1]
        inputs = caller.inputs(args, kwargs)
        if caller.complex_params and caller.complex_inputs(args, kwargs):
            return self.with_value()(*args, **kwargs)[1]  # the output may be complex: compute it, to refuse it
        functions = caller.functions
        out = functions["grad"](*args, **kwargs)
        value = None
        if caller.returns_value:  # the output's shape is checked at run time
            value, out = out
            _require_scalar(value[0] if self.has_aux else value, self.fun)
        if self.sig.single:
            grads = fast_fit(caller.kinds, inputs, (out,))[0]
        else:
            grads = tuple(fast_fit(caller.kinds, inputs, (out,) if caller.tuple_out else out))
        return (grads, value[1]) if self.has_aux else grads

    def with_value(self):
        """``value_and_grad`` of the same function: for calls whose output must be checked to be real."""
        twin = self.__dict__.get("_twin")
        if twin is None:
            twin = self._twin = targets.bound(ValueAndGrad(self.fun, self._wrt), self.target)
        return twin



@overload
def grad(fun: Function, *, wrt: Wrt | None = None, has_aux: bool = False, mode: str = "reverse",
         argnums: Wrt | None = None, backend: str = "numpy", fallback: str | None = None,
         cache: bool = False) -> Grad | ForwardGrad: ...
@overload
def grad(fun: None = None, *, wrt: Wrt | None = None, has_aux: bool = False, mode: str = "reverse",
         argnums: Wrt | None = None, backend: str = "numpy",
         fallback: str | None = None, cache: bool = False) -> Callable[[Function], Grad | ForwardGrad]: ...
def grad(fun: Function | None = None, *, wrt: Wrt | None = None, has_aux: bool = False, mode: str = "reverse",
         argnums: Wrt | None = None, backend: str = "numpy",
         fallback: str | None = None, cache: bool = False) -> Transformation | Callable[[Function], Transformation]:
    """The gradient of a scalar-valued ``fun`` with respect to argument(s) ``wrt``.

    Parameters
    ----------
    fun
        The function; without it, ``grad(wrt=...)`` returns a decorator.
    wrt, argnums
        The argument(s) differentiated: an index, a parameter name, or a tuple of them (then a
        tuple of gradients). 0 by default; ``argnums`` is JAX's and autograd's name for it.
    has_aux
        ``fun`` returns ``(loss, aux)``, and the gradient function ``(gradient, aux)``.
    mode
        ``"reverse"``, or ``"forward"``: the same gradient by one forward pass per input entry.
    backend
        The target the code is generated for (``"numpy"``; see the user guide's Backends page).
    fallback
        ``"numpy"``: where ``backend`` cannot make or compile the derivative, warn
        (``FallbackWarning``) and use the NumPy backend instead of raising.
    cache
        With ``backend="numba"``: keep the generated code and Numba's machine code in the user's
        cache directory (``$SRCDIFF_CACHE_DIR``, else ``$XDG_CACHE_HOME/srcdiff``, else
        ``~/.cache/srcdiff``), so that a new process's first call compiles nothing. Refused for
        other backends. Without it srcdiff writes no files.

    Returns
    -------
    Grad | ForwardGrad
        Called like ``fun``, it returns the gradient, shaped and typed like the argument.

    Examples
    --------
    >>> import numpy as np, srcdiff
    >>> def f(x):
    ...     return np.sum(x ** 2)
    >>> srcdiff.grad(f)(np.array([1.0, 2.0]))
    array([2., 4.])
    """
    if methods.is_user_method(fun):  # grad(model.loss): with respect to the object unless wrt says otherwise
        return methods.bind(lambda f, w: grad(f, wrt=w, has_aux=has_aux, mode=mode, backend=backend,
                                              fallback=fallback, cache=cache), fun, wrt, argnums)
    wrt = resolve_wrt(wrt, argnums)
    if mode not in ("reverse", "forward"):
        raise ArgumentError("mode=%r: use mode='reverse' or mode='forward'" % (mode,))
    if mode == "forward":
        if has_aux:
            raise ArgumentError("has_aux is supported in reverse mode only")
        target = targets.lookup(backend, fallback, cache)
        return (lambda f: ForwardGrad(f, wrt, target)) if fun is None else ForwardGrad(fun, wrt, target)
    return decorator(Grad, fun, wrt, has_aux, backend, fallback, cache)


@overload
def value_and_grad(fun: Function, *, wrt: Wrt | None = None, has_aux: bool = False, argnums: Wrt | None = None,
                   backend: str = "numpy", fallback: str | None = None,
                   cache: bool = False) -> ValueAndGrad: ...
@overload
def value_and_grad(fun: None = None, *, wrt: Wrt | None = None, has_aux: bool = False, argnums: Wrt | None = None,
                   backend: str = "numpy", fallback: str | None = None,
                   cache: bool = False) -> Callable[[Function], ValueAndGrad]: ...
def value_and_grad(fun: Function | None = None, *, wrt: Wrt | None = None, has_aux: bool = False,
                   argnums: Wrt | None = None, backend: str = "numpy",
                   fallback: str | None = None,
                   cache: bool = False) -> ValueAndGrad | Callable[[Function], ValueAndGrad]:
    """``(fun(*args), gradient)`` from one forward and one reverse sweep.

    Parameters
    ----------
    fun, wrt, argnums, backend, fallback, cache
        As for ``grad``.
    has_aux
        ``fun`` returns ``(loss, aux)``, and the result is ``((loss, aux), gradient)``.

    Returns
    -------
    ValueAndGrad
        Called like ``fun``, it returns ``(value, gradient)``.

    Examples
    --------
    >>> import numpy as np, srcdiff
    >>> def f(x):
    ...     return np.sum(x ** 2)
    >>> srcdiff.value_and_grad(f)(np.array([1.0, 2.0]))
    (np.float64(5.0), array([2., 4.]))
    """
    if methods.is_user_method(fun):
        return methods.bind(lambda f, w: value_and_grad(f, wrt=w, has_aux=has_aux, backend=backend,
                                                        fallback=fallback, cache=cache), fun, wrt, argnums)
    return decorator(ValueAndGrad, fun, resolve_wrt(wrt, argnums), has_aux, backend, fallback, cache)
