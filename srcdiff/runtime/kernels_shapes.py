"""Numeric helpers for shape, join and selection rules: scatter-adds, inverse permutations, splits."""
from __future__ import annotations

import numpy

from .helpers import unbroadcast

_PROMOTE = {"h": numpy.atleast_1d, "v": numpy.atleast_2d, "d": numpy.atleast_3d}


def flatten(a):
    """``a.flatten()``: a new one-dimensional array (``ravel`` may return a view)."""
    return numpy.ravel(a).copy()


def rollaxis_destination(a, axis, start=0):
    """Where ``numpy.rollaxis(a, axis, start)`` puts ``axis`` (so ``moveaxis`` can undo it)."""
    n = numpy.ndim(a)
    axis = axis % n
    start = start + n if start < 0 else start
    return start - 1 if axis < start else start


def first_two(axes):
    """``numpy.rot90``'s plane: (0, 1) unless given (template defaults must be scalars)."""
    return (0, 1) if axes is None else axes


def negated(shift):
    """``-shift`` for an int or a tuple of ints (the shift that undoes ``numpy.roll``)."""
    if isinstance(shift, (tuple, list)):
        return tuple(-s for s in shift)
    return -shift


def atleast_adjoint(g, arys, y):
    """Adjoint of ``numpy.atleast_1d/2d/3d(*arys)``: each adjoint reshaped back to its input's shape
    (broadcast first to its result's shape: a result reached only through a sum may hold a scalar)."""
    parts, results = ([g], [y]) if len(arys) == 1 else (list(g), list(y))
    return [numpy.reshape(numpy.broadcast_to(p, numpy.shape(r)), numpy.shape(a))
            for p, r, a in zip(parts, results, arys)]


def join_adjoint(g, parts, kind):
    """Adjoint of ``numpy.hstack`` ("h"), ``vstack`` ("v"), ``dstack`` ("d") and ``column_stack`` ("column")."""
    if kind == "column":
        shapes = [numpy.shape(p) if numpy.ndim(p) >= 2 else (numpy.size(p), 1) for p in parts]
        axis = 1
    else:
        shapes = [numpy.shape(_PROMOTE[kind](numpy.zeros(numpy.shape(p)))) for p in parts]
        axis = {"h": 1, "v": 0, "d": 2}[kind]
        if kind == "h" and len(shapes[0]) == 1:
            axis = 0
    cuts = numpy.cumsum([s[axis] for s in shapes])[:-1]
    return [numpy.reshape(piece, numpy.shape(p)) for piece, p in zip(numpy.split(g, cuts, axis=axis), parts)]


def _split_axis(ary, axis, kind):
    if kind == "h":
        return 1 if numpy.ndim(ary) > 1 else 0
    return {"v": 0, "d": 2}.get(kind, axis)


def split_adjoint(g, ary, indices_or_sections, axis=0, kind=None):
    """Adjoint of ``numpy.split``/``array_split`` (and ``hsplit`` "h", ``vsplit`` "v", ``dsplit`` "d"):
    the pieces' adjoints joined back, each broadcast to its piece's shape (a piece reached only
    through a sum may hold a scalar adjoint)."""
    shape = list(numpy.shape(ary))
    ax = _split_axis(ary, axis, kind) % len(shape)
    lengths = [len(p) for p in numpy.array_split(numpy.arange(shape[ax]), indices_or_sections)]
    pieces = []
    for gi, n in zip(g, lengths):
        shape[ax] = n
        pieces.append(numpy.broadcast_to(gi, tuple(shape)))
    return numpy.concatenate(pieces, axis=ax)


def unstack_adjoint(g, x, axis=0):
    """Adjoint of ``numpy.unstack``: the slices' adjoints stacked back (scalars broadcast to a slice)."""
    shape = list(numpy.shape(x))
    del shape[axis]
    return numpy.stack([numpy.broadcast_to(gi, tuple(shape)) for gi in g], axis=axis)


def tile_adjoint(g, a, reps):
    """Adjoint of ``numpy.tile(a, reps)``: the copies of each entry summed."""
    reps = (reps,) if numpy.ndim(reps) == 0 else tuple(reps)
    shape = numpy.shape(a)
    n = max(len(shape), len(reps))
    shape_n = (1,) * (n - len(shape)) + tuple(shape)
    reps_n = (1,) * (n - len(reps)) + reps
    interleaved = [d for pair in zip(reps_n, shape_n) for d in pair]
    summed = numpy.sum(numpy.reshape(g, interleaved), axis=tuple(range(0, 2 * n, 2)))
    return numpy.reshape(summed, shape)


def _scatter_add(shape, index, values, dtype):
    out = numpy.zeros(shape, dtype=dtype)
    numpy.add.at(out, index, values)
    return out


def _dtype(g, a):
    return numpy.result_type(g, a, float)


def repeat_adjoint(g, a, repeats, axis=None):
    """Adjoint of ``numpy.repeat(a, repeats, axis)``: the copies of each entry summed."""
    if axis is None:
        n = numpy.size(a)
        index = numpy.repeat(numpy.arange(n), repeats)
        return numpy.reshape(_scatter_add((n,), index, g, _dtype(g, a)), numpy.shape(a))
    n = numpy.shape(a)[axis]
    index = numpy.repeat(numpy.arange(n), repeats)
    moved = numpy.moveaxis(g, axis, 0)
    shape = (n,) + moved.shape[1:]
    return numpy.moveaxis(_scatter_add(shape, index, moved, _dtype(g, a)), 0, axis)


PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def pad_adjoint(g, array, pad_width, mode="constant"):
    """Adjoint of ``numpy.pad`` in a mode that copies entries (constant 0, edge, reflect, symmetric, wrap)."""
    size = numpy.size(array)
    source = numpy.arange(size).reshape(numpy.shape(array))
    if mode == "constant":
        source = numpy.pad(source, pad_width, mode="constant", constant_values=-1)
    else:
        source = numpy.pad(source, pad_width, mode=mode)
    keep = source >= 0
    out = _scatter_add((size,), source[keep], numpy.asarray(g)[keep], _dtype(g, array))
    return out.reshape(numpy.shape(array))


def take_adjoint(g, a, indices, axis=None, mode="raise"):
    """Adjoint of ``numpy.take``: ``g`` added back at the taken positions (repeats add up)."""
    if axis is None:
        n = numpy.size(a)
        index = _wrap_index(numpy.asarray(indices), n, mode)
        return numpy.reshape(_scatter_add((n,), index, g, _dtype(g, a)), numpy.shape(a))
    axis = axis % numpy.ndim(a)
    n = numpy.shape(a)[axis]
    index = _wrap_index(numpy.asarray(indices), n, mode)
    full = (slice(None),) * axis + (index,)
    return _scatter_add(numpy.shape(a), full, g, _dtype(g, a))


def _wrap_index(index, n, mode):
    if mode == "wrap":
        return index % n
    if mode == "clip":
        return numpy.clip(index, 0, n - 1)
    return numpy.where(index < 0, index + n, index)


def take_along_axis_adjoint(g, arr, indices, axis=-1):
    """Adjoint of ``numpy.take_along_axis``: ``g`` added back where each entry was taken from."""
    if axis is None:
        n = numpy.size(arr)
        return numpy.reshape(_scatter_add((n,), numpy.ravel(indices) % n, numpy.ravel(g), _dtype(g, arr)),
                             numpy.shape(arr))
    nd = numpy.ndim(arr)
    axis = axis % nd
    shape = numpy.shape(arr)
    index = []
    for k in range(nd):
        if k == axis:
            index.append(numpy.asarray(indices) % shape[axis])
        else:
            rows = numpy.arange(numpy.shape(g)[k]) % shape[k]
            index.append(rows.reshape([-1 if j == k else 1 for j in range(nd)]))
    return _scatter_add(shape, tuple(index), g, _dtype(g, arr))


def diagonal_adjoint(g, a, offset=0, axis1=0, axis2=1):
    """Adjoint of ``numpy.diagonal``: ``g`` (diagonal on the last axis) placed back on that diagonal."""
    out = numpy.zeros(numpy.shape(a), dtype=_dtype(g, a))
    diag = numpy.diagonal(out, offset, axis1, axis2)
    diag.setflags(write=True)
    diag[...] = g
    return out


def sort_order(a, axis=-1):
    """The stable argsort ``numpy.sort`` agrees with (flattened when ``axis`` is None)."""
    if axis is None:
        return numpy.argsort(numpy.ravel(a), kind="stable")
    return numpy.argsort(a, axis=axis, kind="stable")


def permutation_of(a, y, axis=-1):
    """Indices ``p`` with ``take_along_axis(a, p, axis) == y`` for ``y`` a rearrangement of ``a``."""
    if axis is None:
        a, axis = numpy.ravel(a), 0
    order_a = numpy.argsort(a, axis=axis, kind="stable")
    rank_y = numpy.argsort(numpy.argsort(y, axis=axis, kind="stable"), axis=axis, kind="stable")
    return numpy.take_along_axis(order_a, rank_y, axis=axis)


def permute_adjoint(g, a, order, axis=-1):
    """Adjoint of ``take_along_axis(a, order, axis)`` for a permutation ``order`` (``axis`` None: flat)."""
    out = numpy.zeros(numpy.size(a) if axis is None else numpy.shape(a), dtype=_dtype(g, a))
    numpy.put_along_axis(out, order, g, axis=0 if axis is None else axis)
    return numpy.reshape(out, numpy.shape(a))


def permute(t, order, axis=-1):
    """``take_along_axis(t, order, axis)`` (``t`` flattened when ``axis`` is None): a tangent through a sort."""
    if axis is None:
        return numpy.take_along_axis(numpy.ravel(t), order, axis=0)
    return numpy.take_along_axis(t, order, axis=axis)


def select_adjoint(g, condlist, choicelist):
    """Adjoint of ``numpy.select`` with respect to each choice: ``g`` where that choice was picked."""
    taken = numpy.zeros(numpy.shape(g), dtype=bool)
    out = []
    for cond, choice in zip(condlist, choicelist):
        mask = numpy.broadcast_to(cond, numpy.shape(g)) & ~taken
        taken = taken | mask
        out.append(unbroadcast(numpy.where(mask, g, 0.0), choice))
    return out


def select_default_adjoint(g, condlist, default):
    """Adjoint of ``numpy.select`` with respect to ``default``: ``g`` where no condition held."""
    none = numpy.ones(numpy.shape(g), dtype=bool)
    for cond in condlist:
        none = none & ~numpy.broadcast_to(cond, numpy.shape(g))
    return unbroadcast(numpy.where(none, g, 0.0), default)


def choose_adjoint(g, a, choices, mode="raise"):
    """Adjoint of ``numpy.choose(a, choices)``: ``g`` where each choice was picked."""
    n = len(choices)
    index = numpy.asarray(a)
    if mode == "wrap":
        index = index % n
    elif mode == "clip":
        index = numpy.clip(index, 0, n - 1)
    return [unbroadcast(numpy.where(index == j, g, 0.0), choices[j]) for j in range(n)]


def compress_adjoint(g, condition, a, axis=None):
    """Adjoint of ``numpy.compress(condition, a, axis)``: ``g`` placed back at the kept positions."""
    cond = numpy.asarray(condition, dtype=bool)
    if axis is None:
        out = numpy.zeros(numpy.size(a), dtype=_dtype(g, a))
        out[numpy.flatnonzero(cond)] = g
        return out.reshape(numpy.shape(a))
    axis = axis % numpy.ndim(a)
    out = numpy.zeros(numpy.shape(a), dtype=_dtype(g, a))
    out[(slice(None),) * axis + (numpy.flatnonzero(cond),)] = g
    return out


def extract_adjoint(g, condition, arr):
    """Adjoint of ``numpy.extract(condition, arr)``: ``g`` placed back where ``condition`` holds."""
    out = numpy.zeros(numpy.size(arr), dtype=_dtype(g, arr))
    out[numpy.flatnonzero(numpy.ravel(condition))] = g
    return out.reshape(numpy.shape(arr))


def finite_mask(x):
    """1.0 where ``x`` is finite, 0.0 at NaN and +-inf (``nan_to_num`` replaces those by constants)."""
    return numpy.isfinite(x).astype(float)


# ------------------------------------------------------ filled and spaced constructors


def fill_adjoint(g, fill_value, y):
    """Adjoint of ``numpy.full``/``full_like`` with respect to ``fill_value``: ``g`` summed down to its
    shape; 0 when the result ``y`` is integer or boolean (the fill value was truncated)."""
    if numpy.asarray(y).dtype.kind not in "fc":
        return numpy.zeros(numpy.shape(fill_value))
    if numpy.iscomplexobj(g) and not (numpy.iscomplexobj(fill_value) and numpy.iscomplexobj(y)):
        g = numpy.real(g)  # a real fill value or result has a real gradient (see numpy_complex)
    return unbroadcast(g, fill_value)


def fill_tangent(v, y):
    """Tangent of ``numpy.full``/``full_like``: the fill value's tangent ``v`` spread to the shape of
    the result ``y``; 0 when ``y`` is integer or boolean."""
    if numpy.asarray(y).dtype.kind not in "fc":
        return numpy.zeros(numpy.shape(y))
    if numpy.iscomplexobj(v) and not numpy.iscomplexobj(y):
        v = numpy.real(v)
    return numpy.full(numpy.shape(y), v)


def spacing_weights(y, num, endpoint=True, axis=0):
    """``w = numpy.linspace(0, 1, num, endpoint)`` along ``axis`` of the spaced result ``y`` (length 1
    elsewhere), so that ``numpy.linspace(start, stop)`` is ``start + (stop - start) * w``."""
    shape = [1] * numpy.ndim(y)
    shape[axis] = num
    return numpy.linspace(0.0, 1.0, num, endpoint).reshape(shape)


def _array_base(base):
    return not isinstance(base, (float, int)) and numpy.ndim(base) > 0  # NumPy's own test in logspace


def logspace_exponents(start, stop, num=50, endpoint=True, base=10.0, axis=0):
    """The exponents ``numpy.logspace`` raises ``base`` to: ``numpy.linspace(start, stop)``, after giving
    ``start`` and ``stop`` as many axes as an array ``base`` broadcast with them (as NumPy does)."""
    if _array_base(base):
        ndmax = numpy.broadcast(start, stop, base).ndim
        start, stop = numpy.array(start, ndmin=ndmax), numpy.array(stop, ndmin=ndmax)
    return numpy.linspace(start, stop, num, endpoint, axis=axis)


def logspace_base(base, start, stop, axis=0):
    """``base`` as ``numpy.logspace`` raises it to the exponents: a number as it is; an array with as
    many axes as it has broadcast with ``start`` and ``stop``, and a new one at ``axis``."""
    if _array_base(base):
        ndmax = numpy.broadcast(start, stop, base).ndim
        return numpy.expand_dims(numpy.array(base, ndmin=ndmax), axis)
    return base


def logspace_base_adjoint(g, base, start, stop, axis=0):
    """Adjoint of ``logspace_base``: ``g`` summed down to the shape of ``base``."""
    if _array_base(base):
        return numpy.reshape(unbroadcast(g, logspace_base(base, start, stop, axis)), numpy.shape(base))
    return unbroadcast(g, base)
