"""``jacobian``: the full Jacobian matrix, by one forward pass per input entry or one backward
pass per output entry."""
from __future__ import annotations

from typing import Any

import numpy

from .api import Signature
from .arguments import resolve_wrt
from .backend.travel import Portable
from .derivatives import arrays_only, basis_directions, real_only, tangent_of, zero_tangent
from .errors import ArgumentError
from .partials import plain
from .pullbacks import vjp
from .tracebacks import user_facing
from .hints import Function, Wrt


def jacobian(fun: Function, *, wrt: Wrt | None = None, mode: str = "reverse",
             argnums: Wrt | None = None) -> Jacobian:
    """The full Jacobian, shaped ``output.shape + argument.shape`` (a tuple of them for a tuple ``wrt``).

    Parameters
    ----------
    fun, wrt, argnums
        As for ``grad``; the arguments differentiated are floats or float arrays.
    mode
        ``"forward"``: one forward pass per input entry (best for few inputs, many outputs);
        ``"reverse"``: one backward pass per output entry (best for many inputs, few outputs).

    Returns
    -------
    Callable
        Called like ``fun``, it returns the Jacobian matrix (a tuple of them for a tuple ``wrt``).

    Examples
    --------
    >>> import numpy as np, srcdiff
    >>> def f(x):
    ...     return x ** 2
    >>> srcdiff.jacobian(f)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    return Jacobian(fun, resolve_wrt(wrt, argnums), mode)


class Jacobian(Portable):
    """``jacobian(fun, wrt, mode)``: an object, so that it pickles like ``grad`` objects do."""

    def __init__(self, fun: Function, wrt: Wrt = 0, mode: str = "reverse") -> None:
        _check_mode(mode)
        self.fun = plain(fun)
        self.sig = Signature(self.fun, wrt)
        self.wrt, self.mode = wrt, mode
        self.__name__ = "jacobian_of_" + getattr(self.fun, "__name__", "f")

    @user_facing
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        fun, sig = self.fun, self.sig
        inputs = sig.values(args, kwargs)
        arrays_only(inputs, sig.wrt, fun, "jacobian")
        for x, name in zip(inputs, sig.wrt):
            real_only(x, fun, "jacobian", name)
        if self.mode == "forward":
            return _jacobian_forward(fun, self.wrt, sig, args, kwargs, inputs)
        return _jacobian_reverse(fun, self.wrt, sig, args, kwargs, inputs)


def _check_mode(mode):
    if mode not in ("forward", "reverse"):
        raise ArgumentError("mode=%r: use mode='reverse' or mode='forward'" % (mode,))


def _jacobian_forward(fun, wrt, sig, args, kwargs, inputs):
    t = tangent_of(fun, wrt)
    fn = t.functions_for(args, kwargs)["tangent"]
    zeros = [zero_tangent(x) for x in inputs]
    out = []
    for k, x in enumerate(inputs):
        columns, value = {}, None
        for idx, e in basis_directions(x):
            tangents = list(zeros)
            tangents[k] = e
            value, tout = fn(*args, **kwargs, **dict(zip(t.tangent_params, tangents)))
            real_only(value, fun, "jacobian")
            columns[idx] = numpy.asarray(tout, dtype=float)
        oshape = numpy.shape(value)
        J = numpy.zeros(oshape + numpy.shape(x))
        for idx, col in columns.items():
            J[(Ellipsis,) + idx] = col
        out.append(J)
    return out[0] if sig.single else tuple(out)


def _jacobian_reverse(fun, wrt, sig, args, kwargs, inputs):
    value, pullback = vjp(fun, wrt=wrt)(*args, **kwargs)
    real_only(value, fun, "jacobian")
    oshape = numpy.shape(value)
    blocks = [numpy.zeros(oshape + numpy.shape(x)) for x in inputs]
    for idx, e in basis_directions(numpy.asarray(value, dtype=float) if oshape else float(value)):
        rows = pullback(e if oshape else 1.0)
        rows = (rows,) if sig.single else rows
        for block, row in zip(blocks, rows):
            block[idx] = row
    return blocks[0] if sig.single else tuple(blocks)
