"""``Transformed``, the base of the objects srcdiff's transformations return: code generated lazily per
specialization (argument kinds and shapes), ``.source``, the user's signature."""
from __future__ import annotations

from typing import Any

import numpy

from .backend import cache, codegen, deep, disk_cache, duck, targets
from .modes import callees as calls
from .front import generators, objects, reader, records
from . import pipeline_seam
from .arguments import Signature, qualified_name, short_repr
from .partials import plain
from .backend.entries import call_key
from .context import stale
from .errors import ArgumentError, NonDifferentiableError
from .backend.travel import Portable
from .hints import Function, Wrt
_ndarray = numpy.ndarray


SCALAR_TYPES = (float, int, bool, complex, numpy.floating, numpy.integer, numpy.bool_, numpy.complexfloating)


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
        self.sig = Signature(fun, wrt)
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

    def functions_for(self, args, kwargs):
        """The generated functions specialized for these arguments (cached per argument types)."""
        if not kwargs:
            functions = self._fast.get(call_key(args))
            if functions is not None:
                return functions
        kinds = self.argument_kinds(args, kwargs)
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
            functions = self._variants[key] = self.generate(*kinds, subject=subject)
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
            return self.fun.generated_for(args, kwargs)
        return self.fun

    def generated_for(self, args, kwargs):
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

    def argument_kinds(self, args: tuple, kwargs: dict) -> tuple[frozenset, frozenset, tuple, tuple]:
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
            if isinstance(value, SCALAR_TYPES):
                scalars.add(names[i])
            elif isinstance(value, (list, tuple, dict)):
                containers.add(names[i])
                schema = records.schema_of(value) if names[i] in self.sig.wrt or \
                    objects.is_object_mirror(type(value)) else None
                if schema is not None:  # a differentiated NamedTuple: its fields are read by name
                    statics.append((names[i], schema))
            elif is_static_function(value):
                statics.append((names[i], value))
            elif type(value) is str and names[i] not in self.sig.wrt:  # a name for a dict key: ``ACTS[act]``
                statics.append((names[i], calls.Constant(value)))
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

    def generate(self, scalars=frozenset(), containers=frozenset(), statics=(), shapes=(), subject=None):
        subject = subject if subject is not None else self._subject((), {})
        if getattr(subject, "__code__", None) is None:
            reader.load(subject)  # raises SourceUnavailableError saying why
        generators.refuse_subject(subject)
        target, shapes = duck.split(self.target, shapes)
        key = (subject.__code__, self.role, tuple(self.sig.wrt), scalars, containers, calls.statics_key(statics),
               shapes, self.has_aux, calls.resolution_key(subject), self.check_real, target)
        make = disk_cache.maker(lambda: self._run_pipeline(scalars, containers, statics, shapes, subject=subject,
                                                           target=target), target, subject,
                                (key[1:3], sorted(scalars), sorted(containers), shapes, self.has_aux,
                                 self.check_real, target.name), statics)
        result = cache.get_or_make(key, make)
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
        return self.generate(statics=self.argument_kinds((), {})[2])

    def source_for(self, *args: Any, **kwargs: Any) -> str:
        """The generated source specialized for these arguments."""
        return self.functions_for(args, kwargs)["result"].compiled.source

    def stages(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        """(stage name, source) after every pass of the pipeline, for learning how it works."""
        subject = self._subject(args, kwargs)
        scalars, containers, statics, shapes = self.argument_kinds(args, kwargs)
        target, shapes = duck.split(self.target, shapes)
        return deep.transform(lambda: self._run_pipeline(scalars, containers, statics, shapes, record_stages=True,
                                                         subject=subject, target=target)).stages

    def _run_pipeline(self, scalars, containers, statics, shapes=(), record_stages=False, subject=None, target=None):
        return pipeline_seam.reverse(subject or self.fun, self.sig.wrt, kind=self.role, scalars=scalars,
                                 containers=containers, statics=dict(statics), shapes=shapes, has_aux=self.has_aux,
                                 record_stages=record_stages, check_real=self.check_real,
                                 target=target or self.target)

    def sources(self, *args: Any, **kwargs: Any) -> dict[str, str]:
        """{generated function name: source} for this function and every user function it calls."""
        result = self.functions_for(args, kwargs)["result"] if args or kwargs or self._result is None else self._result
        return codegen.generated_sources(result.compiled)

    def __repr__(self) -> str:
        return "<srcdiff %s of %s wrt %s>" % (type(self).__name__.lower(), qualified_name(self.fun),
                                              ", ".join(self.sig.wrt))

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


def decorator(cls: Any, fun: Function | None, wrt: Wrt, has_aux: bool = False,
               backend: str | targets.Target = "numpy", fallback: str | None = None, cache: bool = False) -> Any:
    target = targets.lookup(backend, fallback, cache)
    make = lambda f: targets.bound(cls(f, wrt, has_aux), target)  # noqa: E731
    return make if fun is None else make(fun)
