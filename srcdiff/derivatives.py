"""Forward mode and compositions: jvp, forward, jacobian, hessian, hvp, and grad(mode="forward")."""
from __future__ import annotations

import weakref
from typing import Any

import numpy

from . import pipeline_seam
from .backend import cache, deep, disk_cache, duck, targets
from .modes import callees as calls
from . import methods
from .front import generators, objects, reader, records
from .arguments import check_differentiable, fit
from .transformed import Transformed, decorator
from .arguments import resolve_wrt
from .backend.entries import require_scalar
from .analysis.complex_values import holds_complex
from .partials import plain
from .errors import ArgumentError, NonDifferentiableError
from .tracebacks import for_user, user_facing
from .backend.travel import Portable
from .backend.targets import Target
from .hints import Function, Wrt

_ndarray = numpy.ndarray


class Tangent(Transformed):
    """``srcdiff.forward(fun, wrt)``: the generated tangent function.

    Call it like ``fun`` plus keyword tangents (``t_x=...``, see ``.tangent_params``); it returns
    ``(value, tangent of the value)``.
    """

    role = "tangent"

    def generate(self, scalars=frozenset(), containers=frozenset(), statics=(), shapes=(), subject=None):
        subject = subject if subject is not None else self._subject((), {})
        if getattr(subject, "__code__", None) is None:
            reader.load(subject)  # raises SourceUnavailableError saying why
        generators.refuse_subject(subject)
        target, shapes = duck.split(self.target, shapes)
        key = (subject.__code__, "tangent", tuple(self.sig.wrt), scalars, containers, calls.statics_key(statics),
               shapes, calls.resolution_key(subject), target)
        make = disk_cache.maker(lambda: self._run_pipeline(scalars, containers, statics, shapes, subject=subject,
                                                           target=target), target, subject,
                                ("tangent", key[2], sorted(scalars), sorted(containers), shapes, target.name), statics)
        result = cache.get_or_make(key, make)
        fn = result.compiled.build(result.names["tangent"], subject, subject.__defaults__, subject.__kwdefaults__)
        if deep.recursive(result.compiled):  # its generated callees recurse: run them with headroom
            fn = deep.with_headroom(fn, subject)
        if target is duck.DASK:  # never a hidden compute, never a NumPy fallback
            fn = duck.lazy(fn)
        self._result = result
        return {"tangent": fn, "result": result, "subject": subject}

    def _run_pipeline(self, scalars, containers, statics, shapes=(), record_stages=False, subject=None, target=None):
        return pipeline_seam.forward(subject or self.fun, self.sig.wrt, scalars=scalars, containers=containers,
                                 statics=dict(statics), shapes=shapes, record_stages=record_stages,
                                 target=target or self.target)

    @property
    def tangent_params(self) -> list[str]:
        """The keyword names of the tangents a call takes (``t_x`` for ``x``), in ``wrt`` order."""
        if self._result is None:
            self._generate_generic()
        return list(self._result.tangent_params)

    @user_facing
    def __call__(self, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
        try:
            return self._tangent_call(*args, **kwargs)
        except targets.BackendError as exc:
            if targets.fall_back(self, exc, stacklevel=4):
                return self._tangent_call(*args, **kwargs)
            raise

    def _tangent_call(self, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
        params = self.tangent_params
        if len(kwargs) == len(params):  # tangents only: float arrays given positionally are checked cheaply
            tangents = tuple(kwargs.get(p) for p in params)
            if _plain_arrays(self.sig.positions, args, tangents):
                return self.functions_for(args, {})["tangent"](*args, **kwargs)
        primal_kwargs = {k: v for k, v in kwargs.items() if k not in params}
        functions = self.functions_for(args, primal_kwargs)
        inputs = self.sig.values(args, primal_kwargs)
        for x, name, param in zip(inputs, self.sig.wrt, params):
            if param not in kwargs:
                raise ArgumentError("%s needs the tangent of `%s` as the keyword argument %s=..." % (
                    functions["tangent"].__name__, name, param))
            check_differentiable(x, name, self.fun)
            check_tangent(kwargs[param], x, name, self.fun)
        kwargs.update((p, floating_tangent(kwargs[p])) for p in params)
        return functions["tangent"](*args, **kwargs)


_tangents: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def tangent_of(fun, wrt):
    global _last_tangent
    per_fun = _tangents.setdefault(fun, {}) if _weakrefable(fun) else {}
    key = wrt if not isinstance(wrt, list) else tuple(wrt)
    if key not in per_fun:
        per_fun[key] = Tangent(fun, wrt)
    if not isinstance(wrt, list):
        _last_tangent = (fun, wrt, per_fun[key])  # repeated jvp calls of one function skip the lookup
    return per_fun[key]


_last_tangent = (None, None, None)


def _weakrefable(obj):
    try:
        weakref.ref(obj)
        return True
    except TypeError:
        return False


def forward(fun: Function, wrt: Wrt | None = None, *, argnums: Wrt | None = None, backend: str = "numpy",
            fallback: str | None = None, cache: bool = False) -> Tangent:
    """The generated forward-mode function of ``fun`` (with ``.source``).

    Parameters
    ----------
    fun, wrt, argnums, backend, fallback, cache
        As for ``grad``.

    Returns
    -------
    Tangent
        Called like ``fun`` plus one keyword tangent per ``wrt`` argument (``t_x=...`` for ``x``;
        see ``.tangent_params``), it returns ``(value, tangent of the value)``.

    Examples
    --------
    >>> import numpy as np, srcdiff
    >>> def f(x):
    ...     return np.sin(x) * 2.0
    >>> tf = srcdiff.forward(f)
    >>> value, tangent = tf(np.array([0.0]), t_x=np.array([1.0]))
    >>> tangent
    array([2.])
    """
    return decorator(Tangent, fun, resolve_wrt(wrt, argnums), backend=backend, fallback=fallback, cache=cache)


def check_tangent(tangent, primal, name, fun):
    """A tangent must have its primal's structure and shape."""
    if isinstance(primal, (list, tuple)):
        if not isinstance(tangent, (list, tuple)) or len(tangent) != len(primal):
            raise ArgumentError("the tangent for `%s` of %s must be a %s of %d items like the argument, got a %s"
                                % (name, _fname(fun), type(primal).__name__, len(primal), type(tangent).__name__))
        for i, (t, p) in enumerate(zip(tangent, primal)):
            check_tangent(t, p, "%s[%d]" % (name, i), fun)
        return
    if isinstance(primal, dict):
        if not isinstance(tangent, dict) or set(tangent) != set(primal):
            raise ArgumentError("the tangent for `%s` of %s must be a dict with keys %s" % (
                name, _fname(fun), sorted(primal)))
        for k in primal:
            check_tangent(tangent[k], primal[k], "%s[%r]" % (name, k), fun)
        return
    if isinstance(tangent, (list, tuple, dict)):
        raise ArgumentError("the tangent for `%s` of %s is a %s, but the argument is %s: pass %s. Tangents "
                            "follow wrt (or argnums): one tangent for one argument, a tuple for several, as in "
                            "srcdiff.jvp(f, (x, y), (tx, ty), wrt=(0, 1))"
                            % (name, _fname(fun), type(tangent).__name__, _kind_of(primal),
                               "a float" if isinstance(primal, float) else "an array of its shape"))
    if numpy.shape(tangent) != numpy.shape(primal):
        raise ArgumentError("the tangent for `%s` of %s has shape %s, but the argument has shape %s"
                            % (name, _fname(fun), numpy.shape(tangent), numpy.shape(primal)))
    if numpy.iscomplexobj(tangent) and not numpy.iscomplexobj(primal):
        raise ArgumentError("the tangent for `%s` of %s is complex, but the argument is real: a real argument "
                            "only moves along real directions (pass numpy.real(t), or a complex argument)"
                            % (name, _fname(fun)))


def _kind_of(value):
    if isinstance(value, _ndarray):
        return "an array of shape %s" % (value.shape,)
    return "a %s" % type(value).__name__


def arrays_only(inputs, names, fun, what):
    """``jacobian`` and forward-mode ``grad`` build one basis direction per entry: no containers."""
    for x, name in zip(inputs, names):
        if isinstance(x, (list, tuple, dict)) or objects.is_user_object(x):
            keeps = "srcdiff.grad, vjp or jvp, which take objects" if objects.is_user_object(x) else \
                "srcdiff.grad (reverse mode keeps containers)"
            raise ArgumentError("%s differentiates float and array arguments, but `%s` of %s is a %s: use %s, or "
                                "pass an array" % (what, name, _fname(fun), type(x).__name__, keeps))


def real_only(value, fun, what, name=None):
    """``jacobian`` and ``hessian`` give real matrices: refuse complex arguments (``name``) and outputs."""
    if holds_complex(value):
        where = "its argument `%s` is complex" % name if name else "it returned a complex value"
        raise NonDifferentiableError(
            "srcdiff.%s differentiates real functions of real arguments, but %s is given to it and %s: complex "
            "numbers have no real Jacobian matrix here. Use srcdiff.jvp and srcdiff.vjp (which follow srcdiff's "
            "complex convention, see docs/complex.md), or split the numbers into real and imaginary parts."
            % (what, _fname(fun), where))


def _fname(fun):
    return getattr(fun, "__qualname__", repr(fun))


def jvp(fun: Function, primals: tuple, tangents: Any, *, wrt: Wrt | None = None,
        argnums: Wrt | None = None) -> tuple[Any, Any]:
    """``(fun(*primals), J @ tangents)``: a Jacobian-vector product by forward mode.

    Parameters
    ----------
    fun
        The function.
    primals
        The tuple of all positional arguments.
    tangents
        One tangent, or a tuple for a tuple ``wrt``, each shaped like its argument. Without
        ``wrt``, a tuple of tangents shaped like the primals, one each, is read as JAX reads it:
        the tangents of all of them (``srcdiff.jvp(f, (x, y), (tx, ty))``).
    wrt, argnums
        As for ``grad``.

    Returns
    -------
    tuple
        ``(value, tangent of the value)``.

    Examples
    --------
    >>> import numpy as np, srcdiff
    >>> def f(x, w):
    ...     return np.sum(x * w)
    >>> srcdiff.jvp(f, (np.array([1.0, 2.0]), np.array([3.0, 4.0])), np.array([1.0, 0.0]))
    (np.float64(11.0), np.float64(3.0))
    """
    try:
        if methods.is_user_method(fun) and isinstance(primals, tuple):  # with respect to the object by default
            method: Any = fun
            return _jvp(method.__func__, (method.__self__,) + primals, tangents,
                        methods.unbound_wrt(fun, resolve_wrt(wrt, argnums, default=None)))
        if wrt is None and argnums is None and _one_tangent_per_primal(primals, tangents):
            wrt = tuple(range(len(primals)))
        return _jvp(fun, primals, tangents, resolve_wrt(wrt, argnums))
    except Exception as exc:
        raise exc.with_traceback(for_user(exc))


def _jvp(fun, primals, tangents, wrt):
    if not isinstance(primals, tuple):
        raise ArgumentError("jvp takes the positional arguments as a tuple: jvp(f, (x, y), tangents)")
    last = _last_tangent
    t = last[2] if last[0] is fun and last[1] == wrt else tangent_of(fun, wrt)
    single = t.sig.single
    tangents = (tangents,) if single else tuple(tangents)
    if records.holds_dataclass(t.sig, primals, {}):  # dataclasses: NamedTuples of their fields, tangents too
        primals = records.lowered_arguments(t.sig, primals, {})[0]
        for tv, x, name in zip(tangents, t.sig.values(primals, {}), t.sig.wrt):
            if objects.is_user_object(x):
                objects.check_tangent(tv, x, name)
        tangents = tuple(records.lower(tv) for tv in tangents)
    if _plain_arrays(t.sig.positions, primals, tangents):  # the common case, checked cheaply
        fn = t.functions_for(primals, {})["tangent"]
        return fn(*primals, **dict(zip(t.tangent_params, tangents)))
    if len(tangents) != len(t.sig.wrt):
        raise ArgumentError("jvp of %s with respect to %s needs %d tangents, got %d" % (
            _fname(fun), ", ".join(t.sig.wrt), len(t.sig.wrt), len(tangents)))
    inputs = t.sig.values(primals, {})
    for x, name, tv in zip(inputs, t.sig.wrt, tangents):
        check_differentiable(x, name, fun)
        check_tangent(tv, x, name, fun)
    tangents = tuple(floating_tangent(tv) for tv in tangents)
    fn = t.functions_for(primals, {})["tangent"]
    return fn(*primals, **dict(zip(t.tangent_params, tangents)))


def _one_tangent_per_primal(primals, tangents):
    """Is ``tangents`` JAX's tuple of one tangent per primal (each shaped like its primal)?"""
    if not isinstance(primals, tuple) or not isinstance(tangents, (tuple, list)) or len(tangents) != len(primals):
        return False
    if len(primals) == 1 and isinstance(primals[0], (tuple, list, dict)):
        return False  # one container argument: its tangent is a container too
    return all(_same_structure(t, p) for t, p in zip(tangents, primals))


def _same_structure(tangent, primal):
    if isinstance(primal, (tuple, list)):
        return isinstance(tangent, (tuple, list)) and len(tangent) == len(primal) and \
            all(_same_structure(t, p) for t, p in zip(tangent, primal))
    if isinstance(primal, dict):
        return isinstance(tangent, dict) and set(tangent) == set(primal) and \
            all(_same_structure(tangent[k], primal[k]) for k in primal)
    return not isinstance(tangent, (tuple, list, dict)) and numpy.shape(tangent) == numpy.shape(primal)


def floating_tangent(tv):
    """An integer or boolean tangent (``np.array([1, 0])``) as floats: tangent code adds and scales
    tangents, which must not wrap around or or."""
    if isinstance(tv, numpy.ndarray) and tv.dtype.kind not in "fc":
        return tv.astype(float)
    if isinstance(tv, (bool, int, numpy.integer, numpy.bool_)):
        return float(tv)
    if isinstance(tv, (list, tuple)):
        return type(tv)(floating_tangent(v) for v in tv) if type(tv) in (list, tuple) else tv
    if isinstance(tv, dict):
        return {k: floating_tangent(v) for k, v in tv.items()}
    return tv


def _plain_arrays(positions, primals, tangents):
    """Is every differentiated argument a float array given positionally, with a float tangent
    array of its shape?"""
    if len(tangents) != len(positions):
        return False
    for p, tv in zip(positions, tangents):
        if p >= len(primals):
            return False
        x = primals[p]
        if type(x) is not _ndarray or type(tv) is not _ndarray or x.shape != tv.shape or \
                x.dtype.kind not in "fc" or tv.dtype.kind not in ("fc" if x.dtype.kind == "c" else "f"):
            return False  # (a complex tangent of a real argument is refused on the slow path)
    return True


# --------------------------------------------------------------------- jacobians

def _leaves(x):
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _leaves(item)]
    if isinstance(x, dict):
        return [leaf for k in x for leaf in _leaves(x[k])]
    return [x]


def basis_directions(x):
    """Unit tangents for every entry of a float or array argument: (index, tangent) pairs."""
    if isinstance(x, (list, tuple, dict)):
        raise ArgumentError("jacobian and forward-mode grad differentiate float and array arguments; "
                            "got a %s (use reverse mode for containers)" % type(x).__name__)
    shape = numpy.shape(x)
    if not shape:
        yield (), (1.0 if isinstance(x, float) else numpy.ones_like(x, dtype=float))
        return
    dtype = x.dtype if isinstance(x, _ndarray) and x.dtype.kind in "fc" else float
    for idx in numpy.ndindex(*shape):
        e = numpy.zeros(shape, dtype=dtype)
        e[idx] = 1.0
        yield idx, e


def zero_tangent(x):
    if isinstance(x, float):
        return 0.0
    return numpy.zeros(numpy.shape(x), dtype=x.dtype if isinstance(x, _ndarray) and x.dtype.kind in "fc" else float)


class ForwardGrad(Portable):
    """``grad(fun, mode="forward")``: one forward pass per input entry."""

    def __init__(self, fun: Function, wrt: Wrt, target: Target | None = None) -> None:
        self.fun = fun = plain(fun)
        self.tangent = tangent_of(fun, wrt) if target in (None, targets.NUMPY) else decorator(Tangent, fun, wrt,
                                                                                              backend=target)
        self.sig = self.tangent.sig

    @property
    def source(self) -> str:
        """The generated tangent function it calls once per input entry."""
        return self.tangent.source

    def source_for(self, *args: Any, **kwargs: Any) -> str:
        return self.tangent.source_for(*args, **kwargs)

    def sources(self, *args: Any, **kwargs: Any) -> dict[str, str]:
        return self.tangent.sources(*args, **kwargs)

    def stages(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return self.tangent.stages(*args, **kwargs)

    @user_facing
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        inputs = self.sig.values(args, kwargs)
        arrays_only(inputs, self.sig.wrt, self.fun, "grad(mode='forward')")
        for x, name in zip(inputs, self.sig.wrt):
            check_differentiable(x, name, self.fun)
        fn = self.tangent.functions_for(args, kwargs)["tangent"]
        names = self.tangent.tangent_params
        zeros = [zero_tangent(x) for x in inputs]
        grads = []
        if any(duck.is_duck(a) for a in list(args) + list(kwargs.values())):  # lazy: no writes into an ndarray
            for k, x in enumerate(inputs):
                parts = [self._directional(fn, args, kwargs, zeros, names, k, e) for _, e in basis_directions(x)]
                if numpy.iscomplexobj(x):
                    parts = [p - 1j * self._directional(fn, args, kwargs, zeros, names, k, 1j * e)
                             for p, (_, e) in zip(parts, basis_directions(x))]
                g = numpy.reshape(numpy.stack(parts), numpy.shape(x)) if numpy.ndim(x) else parts[0]
                grads.append(fit(g, x))
            return grads[0] if self.sig.single else tuple(grads)
        for k, x in enumerate(inputs):
            complex_input = numpy.iscomplexobj(x)
            g = numpy.zeros(numpy.shape(x), dtype=complex if complex_input else float)
            for idx, e in basis_directions(x):
                # srcdiff's convention for a complex input z = u + iv: the gradient is dL/du - i dL/dv
                g[idx] = self._directional(fn, args, kwargs, zeros, names, k, e)
                if complex_input:
                    g[idx] -= 1j * self._directional(fn, args, kwargs, zeros, names, k, 1j * e)
            grads.append(fit(g[()] if g.ndim == 0 else g, x))
        return grads[0] if self.sig.single else tuple(grads)

    def _directional(self, fn, args, kwargs, zeros, names, k, e):
        """The derivative of the output along the tangent ``e`` of input ``k``; a real output only."""
        tangents = list(zeros)
        tangents[k] = e
        value, tout = fn(*args, **kwargs, **dict(zip(names, tangents)))
        if numpy.ndim(tout) != 0:
            raise NonDifferentiableError("grad needs %s to return a scalar; use srcdiff.jacobian" % _fname(self.fun))
        require_scalar(value, self.fun)  # refuses a complex output
        return numpy.real(tout)


__all__ = ["forward", "jvp"]
