"""Whether a value is, holds or names something complex: what decides, call by call, whether a
function's output may be complex (``analysis.complexity`` finds which arguments to ask)."""
from __future__ import annotations

import warnings

import numpy

_ndarray = numpy.ndarray


def holds_complex(value):
    """Whether ``value`` (an argument) is or holds a complex number or names a complex dtype; True for
    objects of other kinds, whose contents are not looked at."""
    t = type(value)
    if t is _ndarray:
        return value.dtype.kind == "c"
    if t is float or t is int or t is bool or value is None:
        return False
    if t is list or t is tuple:
        return any(holds_complex(v) for v in value)
    if t is dict:
        return any(holds_complex(v) for v in value.values())
    if isinstance(value, (numpy.generic, _ndarray, complex)):
        return numpy.iscomplexobj(value)
    if isinstance(value, (str, type, numpy.dtype)):
        return names_complex_dtype(value)
    if hasattr(type(value), "__array_function__") and isinstance(getattr(value, "dtype", None), numpy.dtype):
        return value.dtype.kind == "c"  # a duck array (Dask): its dtype says it
    return True


def names_complex_dtype(obj):
    """Whether ``obj`` names a complex dtype (``complex``, ``numpy.complex64``, "c16"...)."""
    if obj is None or isinstance(obj, (bool, int, float)):
        return False
    with warnings.catch_warnings():  # "a" (a dict key, say) is a deprecated dtype alias
        warnings.simplefilter("ignore")
        try:
            return numpy.dtype(obj).kind == "c"
        except Exception:
            return False
