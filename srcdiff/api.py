"""Public transformations: grad and value_and_grad, and ``Transformed``, the base of the objects
srcdiff's transformations return (code generated lazily per specialization, ``.source``)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, overload

import numpy

from . import first_use
from .backend import cache, codegen, deep, duck, targets
from .modes import callees as calls
from .front import generators, objects, reader, records
from . import methods
from .arguments import _Signature, _name, check_differentiable, fit  # noqa: F401  (public helpers)
from .arguments import resolve_wrt, short_repr
from .partials import plain
from .backend.entries import KEYED_ARITY, KEYS_BY_ARITY, Caller, call_key, fast_fit
from .backend.entries import require_scalar as _require_scalar
from .context import stale
from .errors import ArgumentError, NonDifferentiableError
from .tracebacks import for_user
from .backend.travel import Portable
from .hints import Function, Transformation, Wrt

if TYPE_CHECKING:
    from .derivatives import ForwardGrad

_ndarray = numpy.ndarray


_SCALAR_TYPES = (float, int, bool, complex, numpy.floating, numpy.integer, numpy.bool_, numpy.complexfloating)


class Transformed(Portable):
    """Base of transformed functions: lazy generation, ``.source``, the user's signature.

    Code is generated per *specialization*: which arguments are Python (or NumPy) scalars in the
    call, and the shapes of the arrays. Knowing that lets the generated code skip broadcasting
    bookkeeping (``unbroadcast``) wherever shapes are seen to agree. After ``MAX_SHAPE_VARIANTS``
    different shape combinations, new ones share code that is not specialized to shapes.
    """

    target = targets.NUMPY  # what the generated code may use (``backend=``; backend/targets.py)

    def __init__(self, fun: Function, wrt: Wrt, has_aux: bool = False) -> None:
        self.has_aux = has_aux
        self._wrt = wrt
        self.check_real = False  # generated code refuses a complex output itself (it is differentiated again)
        if not callable(fun):
            raise ArgumentError("srcdiff transforms functions; got %s" % short_repr(fun))
        fun = plain(fun)  # a functools.partial: its bound arguments are constants
        self.fun = fun
        self.sig = _Signature(fun, wrt)
        self._result: Any = None  # the pipeline's result for the last specialization generated
        self._variants: dict = {}  # argument types -> generated functions
        self._fast: dict = {}  # positional argument types and shapes -> generated functions, where nothing else matters
        self._shape_keys: set = set()  # the shape combinations code was specialized to
        self._callers: dict = {}  # argument types -> _Caller
        self._runs: dict = {}  # call_key -> the lean runner of a Caller of array arguments only (see Caller.run)
        cache.remember(self)  # the rules change: forget_generated
        self.__wrapped__ = fun
        self.__name__ = getattr(fun, "__name__", "function")
        self.__qualname__ = getattr(fun, "__qualname__", self.__name__)
        self.__doc__ = getattr(fun, "__doc__", None)

    def _functions(self, args, kwargs):
        """The generated functions specialized for these arguments (cached per argument types)."""
        if not kwargs:
            functions = self._fast.get(call_key(args))
            if functions is not None:
                return functions
        kinds = self._kinds(args, kwargs)
        if kinds[3] and kinds[3] not in self._shape_keys:
            if len(self._shape_keys) >= MAX_SHAPE_VARIANTS and not duck.marked(kinds[3]):  # (duck arrays: the
                # generic code would ask for sizes with functions Dask lacks; see _MAX_VARIANTS)
                kinds = kinds[:3] + ((),)  # many shapes: code that works for any shape
            else:
                self._shape_keys.add(kinds[3])
        key = self._variant_key(args, kwargs, kinds[2])
        functions = self._variants.get(key)
        if functions is None and (args or kwargs):  # () asks for the generic code (.source)
            self.sig.check_call(args, kwargs)
        subject = self._subject(args, kwargs)
        if functions is None or functions["subject"] is not subject or \
                (functions["result"].guards and stale(functions["result"].guards)):
            if len(self._variants) >= _MAX_VARIANTS:  # a stream of new shapes: forget the old ones
                self._variants.clear(), self._fast.clear(), self._callers.clear(), self._runs.clear()
            functions = self._variants[key] = self._generate(*kinds, subject=subject)
            self._callers.pop(key, None), self._runs.pop(key, None)
        if not kwargs and not kinds[2] and not functions["result"].guards and subject is self.fun and \
                not duck.marked(kinds[3]):  # (a duck array's call_key is its type alone)
            self._fast[call_key(args)] = functions  # the argument types and shapes alone decide
        return functions

    def forget_generated(self):
        """Drop the code generated so far (generated under rules that changed since)."""
        self._variants.clear(), self._fast.clear(), self._callers.clear(), self._runs.clear()
        self._result = None

    def _subject(self, args, kwargs):
        """The Python function differentiated for these arguments: the user's, or, for a derivative
        of a derivative (``grad(grad(f))``), the code generated for the inner one."""
        if isinstance(self.fun, Transformed):
            targets.refuse_again(self.fun)  # code of another target's tape and ranges: not differentiated again
            return self.fun._generated(args, kwargs)
        return self.fun

    def _generated(self, args, kwargs):
        """The generated function computing what calling this object computes (before fitting
        types), for a transformation applied on top of this one."""
        raise NonDifferentiableError("srcdiff cannot differentiate %r again: differentiate srcdiff.grad, "
                                     "srcdiff.value_and_grad or srcdiff.forward" % (self,))

    @staticmethod
    def _variant_key(args, kwargs, statics):
        """Argument types (shapes for arrays), plus which functions the function-valued parameters hold."""
        key = call_key(args)
        if kwargs:
            key += tuple(sorted((k, v.shape if type(v) is _ndarray else type(v)) for k, v in kwargs.items()))
        if statics:
            key += (calls.statics_key(statics),)
        key += duck.call_key(args, kwargs)  # duck arrays: their shapes and dtypes too (() for none)
        return key

    def _kinds(self, args: tuple, kwargs: dict) -> tuple[frozenset, frozenset, tuple, tuple]:
        """(parameters holding scalars, parameters holding lists/tuples/dicts, parameters holding
        functions as a sorted tuple of (name, function), parameters holding arrays as a tuple of
        (name, shape)) in this call."""
        names = self.sig.names
        scalars, containers, statics, shapes, ducks = set(), set(), [], [], []
        for i, p in enumerate(self.sig.params):
            if i < len(args) and p.kind is not p.KEYWORD_ONLY:
                value = args[i]
            elif p.name in kwargs:
                value = kwargs[p.name]
            elif p.name in self.sig.defaults:
                value = self.sig.defaults[p.name]
            else:
                continue
            if isinstance(value, _SCALAR_TYPES):
                scalars.add(names[i])
            elif isinstance(value, (list, tuple, dict)):
                containers.add(names[i])
                schema = records.schema_of(value) if names[i] in self.sig.wrt or \
                    objects.is_object_mirror(type(value)) else None
                if schema is not None:  # a differentiated NamedTuple: its fields are read by name
                    statics.append((names[i], schema))
            elif is_static_function(value):
                statics.append((names[i], value))
            elif type(value) is _ndarray:
                shapes.append((names[i], value.shape))
            elif duck.is_duck(value):
                ducks.append(names[i])
                if duck.known_shape(value) is not None:
                    shapes.append((names[i], duck.known_shape(value)))
        if ducks:  # the target for duck arrays (see duck.split)
            shapes.append((duck.MARK, tuple(ducks)))
        return (frozenset(scalars), frozenset(containers), tuple(sorted(statics, key=lambda item: item[0])),
                tuple(shapes))

    role = "split"

    def _generate(self, scalars=frozenset(), containers=frozenset(), statics=(), shapes=(), subject=None):
        subject = subject if subject is not None else self._subject((), {})
        if getattr(subject, "__code__", None) is None:
            reader.load(subject)  # raises SourceUnavailableError saying why
        generators.refuse_subject(subject)
        target, shapes = duck.split(self.target, shapes)
        key = (subject.__code__, self.role, tuple(self.sig.wrt), scalars, containers, calls.statics_key(statics),
               shapes, self.has_aux, calls.resolution_key(subject), self.check_real, target)
        result = cache.get_or_make(key, lambda: self._run_pipeline(scalars, containers, statics, shapes,
                                                                   subject=subject, target=target))
        functions = {role: result.compiled.build(name, subject, subject.__defaults__, subject.__kwdefaults__)
                     for role, name in result.names.items()}
        if deep.recursive(result.compiled):  # its generated callees recurse: run them with headroom
            functions = {role: deep.with_headroom(fn, subject) for role, fn in functions.items()}
        if target is duck.DASK:  # never a hidden compute, never a NumPy fallback
            functions = {role: duck.lazy(fn) for role, fn in functions.items()}
        functions["result"] = result
        functions["subject"] = subject
        self._result = result
        return functions

    @property
    def source(self) -> str:
        """The generated Python source: of the last specialization called, else of the generic one."""
        if self._result is None:
            self._generate_generic()
        return self._result.compiled.source

    def _generate_generic(self):
        """The code for no arguments in particular, specialized to the functions and modules that
        parameter defaults hold (``act=np.tanh``, ``xp=np``)."""
        return self._generate(statics=self._kinds((), {})[2])

    def source_for(self, *args: Any, **kwargs: Any) -> str:
        """The generated source specialized for these arguments."""
        return self._functions(args, kwargs)["result"].compiled.source

    def stages(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        """(stage name, source) after every pass of the pipeline, for learning how it works."""
        subject = self._subject(args, kwargs)
        scalars, containers, statics, shapes = self._kinds(args, kwargs)
        target, shapes = duck.split(self.target, shapes)
        return deep.transform(lambda: self._run_pipeline(scalars, containers, statics, shapes, record_stages=True,
                                                         subject=subject, target=target)).stages

    def _run_pipeline(self, scalars, containers, statics, shapes=(), record_stages=False, subject=None, target=None):
        pipeline = first_use.module("srcdiff.pipeline")  # importing it costs more than the rest of srcdiff
        return pipeline.reverse(subject or self.fun, self.sig.wrt, kind=self.role, scalars=scalars,
                                 containers=containers, statics=dict(statics), shapes=shapes, has_aux=self.has_aux,
                                 record_stages=record_stages, check_real=self.check_real,
                                 target=target or self.target)

    def sources(self, *args: Any, **kwargs: Any) -> dict[str, str]:
        """{generated function name: source} for this function and every user function it calls."""
        result = self._functions(args, kwargs)["result"] if args or kwargs or self._result is None else self._result
        return codegen.generated_sources(result.compiled)

    def __repr__(self) -> str:
        return "<srcdiff %s of %s wrt %s>" % (type(self).__name__.lower(), _name(self.fun), ", ".join(self.sig.wrt))

    def _repr_html_(self) -> str | None:
        """In a notebook: the repr and the generated source (``.source``), highlighted; None (the
        plain repr) when srcdiff cannot generate it, so a refusal surfaces at the call instead."""
        import html

        from .errors import SrcdiffError
        from .highlight import highlight_html
        try:
            source = self.source
        except SrcdiffError:
            return None
        return "<code>%s</code>%s" % (html.escape(repr(self)), highlight_html(source))


def is_static_function(value):
    """A function or module passed as an argument (``act=np.tanh``, ``xp=np``): generated code is
    specialized to it."""
    return calls.is_static(value)


MAX_SHAPE_VARIANTS = 8  # shape combinations a transformed function generates specialized code for
_MAX_VARIANTS = 256  # argument combinations remembered per transformed function


class ValueAndGrad(Transformed):
    role = "joint"

    def _generated(self, args, kwargs):
        if self.has_aux:
            raise NonDifferentiableError("srcdiff cannot differentiate a has_aux=True gradient again")
        fn = self.checking()._functions(args, kwargs)[self.role]
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
        key = self._variant_key(args, kwargs, self._kinds(args, kwargs)[2])
        caller = self._callers.get(key)
        if caller is None or (caller.guards and stale(caller.guards)):  # a called helper was redefined
            caller = self._callers[key] = Caller(self, self._functions(args, kwargs), args, kwargs)
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
            return self._with_value()(*args, **kwargs)[1]
        inputs = caller.inputs(args, kwargs)
        if caller.complex_params and caller.complex_inputs(args, kwargs):
            return self._with_value()(*args, **kwargs)[1]  # the output may be complex: compute it, to refuse it
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

    def _with_value(self):
        """``value_and_grad`` of the same function: for calls whose output must be checked to be real."""
        twin = self.__dict__.get("_twin")
        if twin is None:
            twin = self._twin = targets.bound(ValueAndGrad(self.fun, self._wrt), self.target)
        return twin


def _decorator(cls: Any, fun: Function | None, wrt: Wrt, has_aux: bool = False,
               backend: str | targets.Target = "numpy", fallback: str | None = None) -> Any:
    target = targets.lookup(backend, fallback)
    make = lambda f: targets.bound(cls(f, wrt, has_aux), target)  # noqa: E731
    return make if fun is None else make(fun)


@overload
def grad(fun: Function, *, wrt: Wrt | None = None, has_aux: bool = False, mode: str = "reverse",
         argnums: Wrt | None = None, backend: str = "numpy", fallback: str | None = None) -> Grad | ForwardGrad: ...
@overload
def grad(fun: None = None, *, wrt: Wrt | None = None, has_aux: bool = False, mode: str = "reverse",
         argnums: Wrt | None = None, backend: str = "numpy",
         fallback: str | None = None) -> Callable[[Function], Grad | ForwardGrad]: ...
def grad(fun: Function | None = None, *, wrt: Wrt | None = None, has_aux: bool = False, mode: str = "reverse",
         argnums: Wrt | None = None, backend: str = "numpy",
         fallback: str | None = None) -> Transformation | Callable[[Function], Transformation]:
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
                                              fallback=fallback), fun, wrt, argnums)
    wrt = resolve_wrt(wrt, argnums)
    if mode not in ("reverse", "forward"):
        raise ArgumentError("mode=%r: use mode='reverse' or mode='forward'" % (mode,))
    if mode == "forward":
        from .derivatives import ForwardGrad
        if has_aux:
            raise ArgumentError("has_aux is supported in reverse mode only")
        target = targets.lookup(backend, fallback)
        return (lambda f: ForwardGrad(f, wrt, target)) if fun is None else ForwardGrad(fun, wrt, target)
    return _decorator(Grad, fun, wrt, has_aux, backend, fallback)


@overload
def value_and_grad(fun: Function, *, wrt: Wrt | None = None, has_aux: bool = False, argnums: Wrt | None = None,
                   backend: str = "numpy", fallback: str | None = None) -> ValueAndGrad: ...
@overload
def value_and_grad(fun: None = None, *, wrt: Wrt | None = None, has_aux: bool = False, argnums: Wrt | None = None,
                   backend: str = "numpy", fallback: str | None = None) -> Callable[[Function], ValueAndGrad]: ...
def value_and_grad(fun: Function | None = None, *, wrt: Wrt | None = None, has_aux: bool = False,
                   argnums: Wrt | None = None, backend: str = "numpy",
                   fallback: str | None = None) -> ValueAndGrad | Callable[[Function], ValueAndGrad]:
    """``(fun(*args), gradient)`` from one forward and one reverse sweep.

    Parameters
    ----------
    fun, wrt, argnums, backend, fallback
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
                                                        fallback=fallback), fun, wrt, argnums)
    return _decorator(ValueAndGrad, fun, resolve_wrt(wrt, argnums), has_aux, backend, fallback)
