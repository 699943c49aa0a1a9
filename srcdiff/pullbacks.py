"""``vjp``: the split-mode transformation, ``(*args) -> (value, pullback)``; the pullback replays
the forward pass when its tapes were consumed, and says how much its tape holds."""
from __future__ import annotations

from typing import Any, overload

import numpy

from .transformed import Transformed, decorator
from .backend import targets
from .arguments import qualified_name, check_differentiable, fit, resolve_wrt
from .errors import ArgumentError
from .front import records
from .tracebacks import for_user
from .hints import Function, Pullback, Wrt
from .runtime.helpers import floating

_ndarray = numpy.ndarray


class VJP(Transformed):
    role = "split"

    def __call__(self, *args: Any, **kwargs: Any) -> tuple[Any, Pullback]:
        try:
            if records.holds_dataclass(self.sig, args, kwargs):
                return self._record_call(args, kwargs)
            return self._call(args, kwargs)
        except Exception as exc:
            if targets.fall_back(self, exc):
                return self(*args, **kwargs)
            raise exc.with_traceback(for_user(exc))

    def _record_call(self, args, kwargs):
        """Dataclasses and objects of user classes: passed as NamedTuples of their fields (as ``grad``
        passes them), the pullback's cotangents made dataclasses and objects again."""
        originals = self.sig.values(args, kwargs)
        value, pullback = self._call(*records.lowered_arguments(self.sig, args, kwargs))
        single = self.sig.single

        def lifted(ct):
            grads = pullback(ct)
            if single:
                return records.lift(grads, originals[0])
            return tuple(records.lift(g, x) for g, x in zip(grads, originals))
        lifted.tape_entries, lifted.tape_bytes = pullback.tape_entries, pullback.tape_bytes
        return value, lifted

    def _call(self, args, kwargs):
        functions = self.functions_for(args, kwargs)
        inputs = self.sig.values(args, kwargs)
        for value, name in zip(inputs, self.sig.wrt):
            check_differentiable(value, name, self.fun)
        forward = functions["forward"]
        value, residuals = forward(*args, **kwargs)
        backward = functions["backward"]
        single = self.sig.single
        fun = self.fun
        tape = residuals[0] if functions["result"].tape else None
        tape_len = len(tape) if tape is not None else 0
        fresh = [residuals]  # residuals no backward pass has consumed yet
        # a backward pass pops tapes and restores values in place (a typed tape's arrays are not
        # popped, but the arrays restored in place are residuals too)
        consumed = bool(functions["result"].tape) or _holds_tape(residuals)

        def pullback(ct):
            try:
                return backward_pass(ct)
            except Exception as exc:
                if targets.fall_back(self, exc):  # the backward code failed to compile: NumPy code's pullback
                    return self._call(args, kwargs)[1](ct)
                raise exc.with_traceback(for_user(exc))

        def backward_pass(ct):
            if numpy.shape(ct) != numpy.shape(value):
                raise ArgumentError("the cotangent passed to the pullback of %s has shape %s, but the output "
                                    "has shape %s" % (qualified_name(fun), numpy.shape(ct), numpy.shape(value)))
            if fresh:
                saved = fresh.pop() if consumed else fresh[0]
            else:  # the first backward pass consumed the tapes: replay the forward pass
                saved = forward(*args, **kwargs)[1]
            grads = backward(saved, floating(ct))  # the backward code takes its adjoints for floats
            if single:
                return fit(grads, inputs[0])
            if len(inputs) == 1:
                grads = (grads,)
            return tuple(fit(g, x) for g, x in zip(grads, inputs))
        pullback.tape_entries = tape_len
        pullback.tape_bytes = _tape_bytes(tape) if tape is not None else 0
        return value, pullback


def _holds_tape(residuals):
    """Do these residuals (nested tuples, callees' included) hold a tape (a list)? Walked without
    recursion: a recursive callee nests its residuals as deep as it recursed."""
    stack = [residuals]
    while stack:
        for r in stack.pop():
            if type(r) is list:
                return True
            if type(r) is tuple:
                stack.append(r)
    return False


def _tape_bytes(tape):
    """Bytes of data the tape holds: array buffers, 8 per Python number, nested residuals."""
    total = 0
    stack = [tape]
    while stack:
        for v in stack.pop():
            if isinstance(v, (_ndarray, numpy.generic)):
                total += v.nbytes
            elif isinstance(v, (float, int, complex)):
                total += 16 if isinstance(v, complex) else 8
            elif isinstance(v, (tuple, list)):
                stack.append(v)
    return total


@overload
def vjp(fun: Function, *, wrt: Wrt | None = None, argnums: Wrt | None = None, backend: str = "numpy",
        fallback: str | None = None, cache: bool = False) -> VJP: ...
@overload
def vjp(fun: Function, primal: Any, /, *primals: Any, wrt: Wrt | None = None, argnums: Wrt | None = None,
        backend: str = "numpy", fallback: str | None = None, cache: bool = False) -> tuple[Any, Pullback]: ...
def vjp(fun: Function, *primals: Any, wrt: Wrt | None = None, argnums: Wrt | None = None,
        backend: str = "numpy", fallback: str | None = None, cache: bool = False) -> VJP | tuple[Any, Pullback]:
    """``(*args) -> (value, pullback)``; ``pullback(ct)`` returns the vector-Jacobian product.

    Parameters
    ----------
    fun, wrt, argnums, backend, fallback, cache
        As for ``grad``.
    *primals
        JAX's form: the arguments, for ``(value, pullback)`` at once; the pullback then returns a
        tuple with one cotangent per primal (or per ``wrt`` entry if given).

    Returns
    -------
    VJP | tuple
        Without primals, a ``VJP`` called like ``fun``; with them, ``(value, pullback)``.

    Examples
    --------
    >>> import numpy as np, srcdiff
    >>> def f(x):
    ...     return np.sin(x)
    >>> value, pullback = srcdiff.vjp(f)(np.array([0.0, 1.0]))
    >>> pullback(np.array([1.0, 1.0]))
    array([1.        , 0.54030231])
    >>> value, pullback = srcdiff.vjp(f, np.array([0.0, 1.0]))
    >>> pullback(np.array([1.0, 1.0]))
    (array([1.        , 0.54030231]),)
    """
    if primals:
        return decorator(VJP, fun, resolve_wrt(wrt, argnums, tuple(range(len(primals)))), backend=backend,
                         fallback=fallback, cache=cache)(*primals)
    return decorator(VJP, fun, resolve_wrt(wrt, argnums), backend=backend, fallback=fallback, cache=cache)
