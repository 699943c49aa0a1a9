"""Numeric helpers for reduction and cumulative rules: NaN masks, weights, zero-safe cumprod."""
from __future__ import annotations

import numpy

from .helpers import unbroadcast


def not_nan(a):
    """1.0 where ``a`` is a number, 0.0 where it is NaN (the entries nan-reductions skip)."""
    return (~numpy.isnan(a)).astype(float)


def nan_count(a, axis=None):
    """How many non-NaN entries of ``a`` each reduction over ``axis`` saw (reduced axes kept)."""
    return numpy.sum(~numpy.isnan(a), axis=axis, keepdims=True)


def nanmean_weights(a, axis=None):
    """d nanmean(a) / d a: 1 / (number of non-NaN entries) where ``a`` is not NaN, else 0."""
    mask = ~numpy.isnan(a)
    return mask / numpy.maximum(numpy.sum(mask, axis=axis, keepdims=True), 1)


def nan_centered(x, a, axis=None):
    """``x`` minus its mean over the entries where ``a`` is not NaN; 0 where ``a`` is NaN (linear in x);
    conjugated for complex ``x``, as ``centered`` is."""
    mask = numpy.isnan(a)
    kept = numpy.where(mask, 0.0, x)
    count = numpy.maximum(numpy.sum(~mask, axis=axis, keepdims=True), 1)
    c = numpy.where(mask, 0.0, kept - numpy.sum(kept, axis=axis, keepdims=True) / count)
    return numpy.conj(c) if numpy.iscomplexobj(c) else c


def ptp_weights(a, axis=None):
    """d ptp(a) / d a: the max's tie-split weights minus the min's (0 when all entries tie)."""
    hi = a == numpy.max(a, axis=axis, keepdims=True)
    lo = a == numpy.min(a, axis=axis, keepdims=True)
    return hi / numpy.sum(hi, axis=axis, keepdims=True) - lo / numpy.sum(lo, axis=axis, keepdims=True)


def _to_last(a, axis):
    """``a`` with the reduced axes moved last and flattened into one: (moved array, undo info)."""
    a = numpy.asarray(a)
    if axis is None:
        return a.reshape(-1), None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = tuple(x % a.ndim for x in axes)
    dest = tuple(range(a.ndim - len(axes), a.ndim))
    moved = numpy.moveaxis(a, axes, dest)
    return moved.reshape(moved.shape[:a.ndim - len(axes)] + (-1,)), (axes, dest, moved.shape)


def _from_last(w, a, info):
    if info is None:
        return w.reshape(numpy.shape(a))
    axes, dest, shape = info
    return numpy.moveaxis(w.reshape(shape), dest, axes)


def median_weights(a, axis=None):
    """d median(a) / d a: 1 on the middle entry of each sorted slice, or 1/2 on the two middle ones."""
    flat, info = _to_last(a, axis)
    n = flat.shape[-1]
    order = numpy.argsort(flat, axis=-1, kind="stable")
    w = numpy.zeros(flat.shape)
    lo, hi = (n - 1) // 2, n // 2
    numpy.put_along_axis(w, order[..., lo:lo + 1], 0.5 if lo != hi else 1.0, axis=-1)
    if hi != lo:
        numpy.put_along_axis(w, order[..., hi:hi + 1], 0.5, axis=-1)
    return _from_last(w, a, info)


def weights_like(weights, a, axis=None):
    """``numpy.average``'s weights shaped to broadcast against ``a`` (a 1-D weight runs along ``axis``)."""
    if numpy.shape(weights) == numpy.shape(a) or axis is None:
        return weights
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = sorted(x % numpy.ndim(a) for x in axes)
    shape = [1] * numpy.ndim(a)
    for k, ax in enumerate(axes):
        shape[ax] = numpy.shape(weights)[k]
    return numpy.reshape(weights, shape)


def weights_back(g, weights, a, axis=None):
    """Adjoint of ``weights_like``: ``g`` (shaped like ``a``) summed back to the weights' shape."""
    if numpy.shape(weights) == numpy.shape(a) or axis is None:
        return g
    shaped = weights_like(weights, a, axis)
    return numpy.reshape(unbroadcast(g, shaped), numpy.shape(weights))


def cumprod_adjoint(g, a, y, axis=None):
    """Adjoint of ``numpy.cumprod``, exact when ``a`` has zeros (reverse recursion, no division)."""
    if axis is None:
        return numpy.reshape(cumprod_adjoint(g, numpy.ravel(a), numpy.ravel(y), 0), numpy.shape(a))
    g = numpy.moveaxis(numpy.asarray(g, dtype=numpy.result_type(g, a, float)), axis, -1)
    am = numpy.moveaxis(a, axis, -1)
    ym = numpy.moveaxis(y, axis, -1)
    if numpy.all(am != 0):
        out = numpy.flip(numpy.cumsum(numpy.flip(g * ym, -1), axis=-1), -1) / am
    else:
        out = numpy.zeros(numpy.broadcast_shapes(g.shape, am.shape), dtype=g.dtype)
        carried = numpy.zeros(out.shape[:-1], dtype=g.dtype)
        n = am.shape[-1]
        for j in range(n - 1, -1, -1):
            carried = g[..., j] + (carried * am[..., j + 1] if j + 1 < n else 0.0)
            out[..., j] = carried * (ym[..., j - 1] if j > 0 else 1.0)
    return numpy.moveaxis(out, -1, axis)


def cumprod_tangent(ta, a, y, axis=None):
    """Tangent of ``numpy.cumprod``, exact when ``a`` has zeros (forward recursion)."""
    if axis is None:
        a = numpy.ravel(a)
        ta = numpy.ravel(ta)
        y = numpy.ravel(y)
        axis = 0
    tm = numpy.moveaxis(numpy.broadcast_to(ta, numpy.shape(a)), axis, -1)
    am = numpy.moveaxis(a, axis, -1)
    ym = numpy.moveaxis(y, axis, -1)
    if numpy.all(am != 0):
        return numpy.moveaxis(ym * numpy.cumsum(tm / am, axis=-1), -1, axis)
    out = numpy.zeros(tm.shape, dtype=numpy.result_type(tm, am, float))
    running = numpy.zeros(out.shape[:-1], dtype=out.dtype)
    for j in range(am.shape[-1]):
        running = running * am[..., j] + tm[..., j] * (ym[..., j - 1] if j > 0 else 1.0)
        out[..., j] = running
    return numpy.moveaxis(out, -1, axis)


def drop_initial(g, axis=None, include_initial=False):
    """``g`` without the leading entry ``include_initial=True`` added along ``axis`` (cumulative_*)."""
    if not include_initial:
        return g
    return numpy.take(g, numpy.arange(1, numpy.shape(g)[axis or 0]), axis=axis or 0)


def add_initial(g, value, axis=None, include_initial=False):
    """``g`` with ``value`` put in front along ``axis`` when ``include_initial`` (tangent of cumulative_*)."""
    if not include_initial:
        return g
    ax = axis or 0
    shape = list(numpy.shape(g))
    shape[ax] = 1
    return numpy.concatenate([numpy.full(shape, value, dtype=numpy.result_type(g, float)), g], axis=ax)


def trapezoid_weights(y, x=None, dx=1.0, axis=-1):
    """d trapezoid(y, x, dx) / d y along ``axis``: half-steps at the ends, averaged steps inside."""
    n = numpy.shape(y)[axis]
    if x is None:
        steps = numpy.full(max(n - 1, 0), float(dx))
    else:
        xm = numpy.moveaxis(numpy.asarray(x), axis if numpy.ndim(x) > 1 else 0, -1)
        steps = numpy.diff(xm, axis=-1)
    pad = [(0, 0)] * (numpy.ndim(steps) - 1)
    w = 0.5 * (numpy.pad(steps, pad + [(1, 0)]) + numpy.pad(steps, pad + [(0, 1)]))
    w = numpy.moveaxis(w, -1, axis) if numpy.ndim(w) > 1 else \
        numpy.reshape(w, [n if k == axis % numpy.ndim(y) else 1 for k in range(numpy.ndim(y))])
    return w


def trapezoid_adjoint(g, y, x=None, dx=1.0, axis=-1):
    """Adjoint of ``numpy.trapezoid`` with respect to ``y``."""
    return numpy.expand_dims(g, axis) * trapezoid_weights(y, x, dx, axis)


def trapezoid_x_adjoint(g, y, x, axis=-1):
    """Adjoint of ``numpy.trapezoid`` with respect to the sample points ``x``."""
    ym = numpy.moveaxis(y, axis, -1)
    pairs = 0.5 * (ym[..., 1:] + ym[..., :-1])  # d/d step_i
    pad = [(0, 0)] * (ym.ndim - 1)
    grad = numpy.pad(pairs, pad + [(1, 0)]) - numpy.pad(pairs, pad + [(0, 1)])
    grad = numpy.expand_dims(g, -1) * grad
    if numpy.ndim(x) == 1:
        return numpy.sum(numpy.reshape(grad, (-1, numpy.shape(grad)[-1])), axis=0)
    return numpy.moveaxis(grad, -1, axis)


def trapezoid_x_tangent(tx, y, axis=-1):
    """Tangent of ``numpy.trapezoid`` in the sample points: sum of diff(tx) * (pair means of y)."""
    ym = numpy.moveaxis(y, axis, -1)
    tm = numpy.moveaxis(tx, axis, -1) if numpy.ndim(tx) > 1 else tx
    return numpy.sum(numpy.diff(tm, axis=-1) * 0.5 * (ym[..., 1:] + ym[..., :-1]), axis=-1)

