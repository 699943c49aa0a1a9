"""Runtime helpers for duck arrays (the ``dask`` target): the same results as srcdiff's NumPy
helpers, without branching on array values (a branch would compute a Dask array)."""
from __future__ import annotations

import numpy

from . import helpers, kernels, kernels_math


def strong_mul(g, p):
    """``g * p``, exactly 0 where ``g`` or ``p`` is 0 (``kernels_math.strong_mul`` without its fast
    path)."""
    if type(g) is float and type(p) is float:
        return kernels_math.strong_mul(g, p)
    return numpy.where((g == 0) | (p == 0), 0.0, g * p)


def strong_div(g, q, positive=False):
    """``g / q``, exactly 0 where ``g`` is 0 or ``q`` infinite, NaN where ``q < 0`` for
    ``positive``."""
    if type(g) is float and type(q) is float:
        return kernels_math.strong_div(g, q, positive)
    r = g / q
    zero_partial = numpy.isinf(q)
    if positive and getattr(q, "dtype", numpy.dtype(float)).kind != "c":
        r = numpy.where(q < 0, numpy.nan, r)
        zero_partial = zero_partial & (q > 0)
    return numpy.where((g == 0) | zero_partial, 0.0, r)


def _duck(x):
    from ..backend.duck import is_duck
    return is_duck(x)


def _refuse(what):
    """Stop code that needs ``what`` (a NumPy function its duck array library lacks)."""
    raise NotImplementedError("%s is not available for duck arrays" % what)


def add_at(target, index, value):
    """``target[index] += value``: on a duck array a lazy write at a basic index (Dask's
    ``__setitem__``); repeated fancy indices would need ``numpy.add.at``, which Dask lacks."""
    if not _duck(target):
        return helpers.add_at(target, index, value)
    if not helpers.basic_index(index):
        _refuse("numpy.add.at (the adjoint of reading with an array index)")
    if target.dtype.kind != "c" and iscomplexobj_of(value):
        value = numpy.real(value)
    target[index] = target[index] + value
    return target


def first_at(target, index, value, keep):
    """``helpers.first_at``; on a duck array ``add_at``."""
    if _duck(target):
        return add_at(target, index, value)
    return helpers.first_at(target, index, value, keep)


def snapshot(value):
    """A copy of a value about to be overwritten (a duck array: a new object over the same graph,
    which a later lazy write into the old one leaves alone)."""
    return value.copy() if _duck(value) else helpers.snapshot(value)


def owned(g):
    return g.copy() if _duck(g) else helpers.owned(g)


def private_copy(x):
    return x.copy() if _duck(x) else helpers.private_copy(x)


def detached(value):
    return value.copy() if _duck(value) else helpers.detached(value)


def saved_at(container, key):
    if type(container) is dict and key not in container:
        return helpers.MISSING
    return snapshot(container[key])


def written_part(g, index):
    """``g[index]`` for a basic index; a fancy index could repeat entries (refused for duck arrays)."""
    if not _duck(g):
        return helpers.written_part(g, index)
    if not helpers.basic_index(index):
        _refuse("the adjoint of a write at an array index (numpy.add.at)")
    return g[index].copy()


def size_of(x, axis=None):
    """``numpy.size(x, axis)`` read from a duck array's shape (Dask lacks ``numpy.size``)."""
    if not _duck(x):
        return numpy.size(x, axis)
    return x.size if axis is None else x.shape[axis]


def isrealobj_of(x):
    return not iscomplexobj_of(x)


def iscomplexobj_of(x):
    dtype = getattr(x, "dtype", None)
    return dtype.kind == "c" if dtype is not None else numpy.iscomplexobj(x)


def expand_scaled(g, a, y, axis=None, keepdims=False):
    count = size_of(a) // max(size_of(y), 1)
    return kernels.expand(g / count, a, axis, keepdims)


def reduced_count(a, y):
    return size_of(a) // max(size_of(y), 1)


def broadcast_count(y, x):
    ny, nx = size_of(y), size_of(x)
    return float(ny // nx) if nx else 0.0
