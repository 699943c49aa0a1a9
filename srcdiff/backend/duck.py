"""Duck arrays (Dask and any array type with ``__array_function__`` and ``__array_ufunc__``):
recognizing them, keying code on their type, shape and dtype, the ``dask`` target their code is
written for, and running that code so that it never computes behind the user's back."""
from __future__ import annotations

import functools
import math
import re
import warnings

import numpy

from ..errors import SrcdiffError, located
from .targets import NUMPY, Target, numpy_named, register

_ndarray = numpy.ndarray
MARK = "\0duck"  # the entry of a call's shapes that says it holds duck arrays (``split`` removes it)


class DuckArrayError(SrcdiffError):
    """Generated code for duck arrays would need a function their library lacks, or a value computed."""


def is_duck(value):
    """An array of another library that NumPy's functions dispatch to (not an ndarray or a subclass)."""
    t = type(value)
    return t is not _ndarray and hasattr(t, "__array_function__") and hasattr(t, "__array_ufunc__") \
        and hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, (_ndarray, numpy.generic))


def known_shape(value):
    """The duck array's shape when every length is known (a Dask array after a boolean mask has NaN)."""
    shape = tuple(value.shape)
    return shape if all(isinstance(n, int) or (isinstance(n, numpy.integer)) for n in shape) and \
        not any(isinstance(n, float) and math.isnan(n) for n in shape) else None


def like(value, array):
    """``value`` (an ndarray) as an array of ``array``'s library, chunked like it where it is chunked."""
    chunks = getattr(array, "chunks", None)
    if chunks is not None and hasattr(type(array), "__dask_graph__"):
        import dask.array
        return dask.array.from_array(value, chunks=chunks)
    return numpy.asarray(value)


def call_key(args, kwargs):
    """What a call's duck arrays add to its cache key: their type, shape and dtype (() for none)."""
    out = [(i, type(a), tuple(a.shape), str(a.dtype)) for i, a in enumerate(args)
           if type(a) not in _PLAIN and is_duck(a)]
    if kwargs:
        out += [(k, type(v), tuple(v.shape), str(v.dtype)) for k, v in sorted(kwargs.items())
                if type(v) not in _PLAIN and is_duck(v)]
    return tuple(out)


_PLAIN = frozenset({_ndarray, float, int, bool, complex, list, tuple, dict, type(None)})


def split(target, shapes):
    """(the target a call's code is written for, its shapes without the duck mark)."""
    if shapes and shapes[-1][0] == MARK:
        return (DASK if target is NUMPY else target), shapes[:-1]
    return target, shapes


def marked(shapes):
    return bool(shapes) and shapes[-1][0] == MARK


# The target for duck arrays: no ``out=`` buffers, no text runner (its fast path is for ndarrays),
# and ``runtime/duck.py``'s versions of the helpers whose NumPy versions write in place, call
# ``numpy.add.at`` or branch on values (those refuse what Dask cannot do lazily, naming it).
DASK = register(Target("dask", out_buffers=False, lean_runner=False, live_globals=True,
                       overrides="srcdiff.runtime.duck"))


def _refuse_compute(*args, **kwargs):
    raise _Computed()


class _Computed(Exception):
    pass


_NOT_IMPLEMENTED = re.compile(r"The `([\w.]+)` function is not implemented by Dask")


def lazy(fn):
    """``fn`` (generated code for duck arrays) run so that a Dask function that would fall back to
    NumPy, or any computation of a Dask value, is refused naming it and the user's line."""
    try:
        import dask
    except ImportError:  # another duck array library: run as it is
        return fn

    @functools.wraps(fn)
    def run(*args, **kwargs):
        try:
            with dask.config.set(scheduler=_refuse_compute), warnings.catch_warnings():
                warnings.filterwarnings("error", message=".*is not implemented by Dask", category=FutureWarning)
                return fn(*args, **kwargs)
        except FutureWarning as exc:
            found = _NOT_IMPLEMENTED.search(str(exc))
            if found is None:
                raise
            raise _refusal(exc, "Dask does not implement %s, which this statement (or its derivative) calls"
                           % found.group(1),
                           "Rewrite the statement with functions dask.array implements, or pass NumPy arrays "
                           "(x.compute()).") from None
        except _Computed as exc:
            raise _refusal(exc, "this statement (or its derivative) needs the value of a Dask array (a branch "
                           "on it, float(), .item(), an index computed from it), which would compute it; "
                           "srcdiff keeps results over Dask arrays lazy",
                           "Compute what the branch needs before the call and pass it as an argument, or "
                           "pass NumPy arrays.") from None
        except SrcdiffError:
            raise
        except (ValueError, TypeError, NotImplementedError, AttributeError, IndexError) as exc:
            raise _refusal(exc, "Dask cannot run this statement (or its derivative): %s: %s"
                           % (type(exc).__name__, str(exc).splitlines()[0] if str(exc) else ""),
                           "Rewrite the statement with operations dask.array supports lazily, or pass NumPy "
                           "arrays.") from exc
    run.__srcdiff_unwrapped__ = getattr(fn, "__srcdiff_unwrapped__", fn)
    return run


def _refusal(exc, what, fix):
    from ..tracebacks import user_origin
    where = None
    tb = exc.__traceback__
    while tb is not None:
        where = user_origin(tb.tb_frame.f_code.co_filename, tb.tb_lineno) or where
        tb = tb.tb_next
    if where is None:
        return DuckArrayError("%s. %s" % (what, fix))
    import linecache
    filename, line, _ = where
    return DuckArrayError(located(filename, line, linecache.getline(filename, line).strip(), what, fix))


def helpers_for(target, helpers):
    """``helpers`` with the target's own versions where it has them (``Target.overrides``)."""
    if not getattr(target, "overrides", None):
        return helpers
    import importlib
    module = importlib.import_module(target.overrides)
    return {name: getattr(module, getattr(obj, "__name__", ""), obj) if getattr(obj, "__module__", "").startswith(
        "srcdiff.runtime.") else obj for name, obj in helpers.items()}



# NumPy functions generated code calls that Dask lacks (its fallback would compute the array),
# and the runtime helpers (runtime/duck.py) that read the same from the array's attributes
_ATTRIBUTE_READS = {"size": "size_of", "isrealobj": "isrealobj_of", "iscomplexobj": "iscomplexobj_of"}


def rewrite_calls(functions, helpers, ctx):
    """For a target with ``overrides``: calls of ``numpy.size`` (and the like) in the generated
    code call the target's helper of that name instead. Returns the helpers with them added."""
    if not getattr(ctx.target, "overrides", None):
        return helpers
    import importlib
    from .. import ir
    module = importlib.import_module(ctx.target.overrides)
    added = dict(helpers)

    is_numpy = numpy_named(helpers, ctx)
    for f in functions:
        for node in ir.walk(f):
            if isinstance(node, ir.Call) and isinstance(node.func, ir.Attr) and \
                    node.func.attr in _ATTRIBUTE_READS and isinstance(node.func.value, ir.Name) and \
                    is_numpy(node.func.value.id):
                helper = getattr(module, _ATTRIBUTE_READS[node.func.attr])
                node.func = ir.Name(ctx.bind(helper.__name__, helper))
                added[node.func.id] = helper
    return added
