"""Numeric helpers for rules of NumPy functions that edit arrays: pad's constants, insert, delete, gradient.

Each of these is linear; its adjoint is found by running the function on integer labels (which
entry of the inputs each entry of the result comes from) or, for ``gradient``, on a few probes
that read off its banded stencil.
"""
from __future__ import annotations

import numpy

from .helpers import unbroadcast


def _scatter(n, labels, values, dtype):
    out = numpy.zeros(n, dtype=dtype)
    numpy.add.at(out, labels, values)
    return out


def _labels(x, sign=1):
    """Flat positions of ``x`` shaped like it: 0, 1, ... (``sign=-1``: -1, -2, ...)."""
    n = numpy.size(x)
    return (numpy.arange(n) if sign > 0 else -1 - numpy.arange(n)).reshape(numpy.shape(x))


def _dtype(g, x):
    return numpy.result_type(numpy.asarray(g), numpy.asarray(x), float)


# ------------------------------------------------------------------------- pad


def pad_values_adjoint(g, array, pad_width, constant_values=0):
    """Adjoint of ``numpy.pad(array, pad_width, constant_values=c)`` with respect to ``c``: the
    adjoint of the entries each (axis, side) constant fills, shaped as ``c`` was given."""
    nd = numpy.ndim(array)
    table = -1 - numpy.arange(2 * nd).reshape(nd, 2)  # one label per (axis, before/after)
    labels = numpy.pad(_labels(array), pad_width, mode="constant", constant_values=table)
    outside = labels < 0
    g = numpy.broadcast_to(g, numpy.shape(labels))
    out = _scatter(2 * nd, -1 - labels[outside], g[outside], _dtype(g, constant_values)).reshape(nd, 2)
    shape = numpy.shape(constant_values)
    if numpy.size(constant_values) == 1:
        return numpy.sum(out).reshape(shape)
    return unbroadcast(out, constant_values)


def pad_values_tangent(array, pad_width, t_values):
    """Tangent of ``numpy.pad`` through its constants: the constants' tangents where they are placed."""
    zeros = numpy.zeros(numpy.shape(array), dtype=numpy.result_type(numpy.asarray(t_values), float))
    return numpy.pad(zeros, pad_width, mode="constant", constant_values=t_values)


# ---------------------------------------------------------------------- insert


def _insert_labels(arr, obj, values, axis):
    return numpy.insert(_labels(arr), obj, _labels(numpy.asarray(values), -1), axis)


def insert_arr_adjoint(g, arr, obj, values, axis=None):
    """Adjoint of ``numpy.insert(arr, obj, values, axis)`` with respect to ``arr``."""
    labels = _insert_labels(arr, obj, values, axis)
    kept = labels >= 0
    g = numpy.broadcast_to(g, numpy.shape(labels))
    return _scatter(numpy.size(arr), labels[kept], g[kept], _dtype(g, arr)).reshape(numpy.shape(arr))


def insert_values_adjoint(g, arr, obj, values, axis=None):
    """Adjoint of ``numpy.insert`` with respect to ``values`` (summed where they were broadcast)."""
    labels = _insert_labels(arr, obj, values, axis)
    placed = labels < 0
    g = numpy.broadcast_to(g, numpy.shape(labels))
    return _scatter(numpy.size(values), -1 - labels[placed], g[placed], _dtype(g, values)).reshape(
        numpy.shape(values))


# ---------------------------------------------------------------------- delete


def delete_adjoint(g, arr, obj, axis=None):
    """Adjoint of ``numpy.delete(arr, obj, axis)``: ``g`` back where the kept entries came from, 0 elsewhere."""
    labels = numpy.delete(_labels(arr), obj, axis)
    g = numpy.broadcast_to(g, numpy.shape(labels))
    return _scatter(numpy.size(arr), numpy.ravel(labels), numpy.ravel(g), _dtype(g, arr)).reshape(numpy.shape(arr))


# -------------------------------------------------------------------- gradient


def _gradient_axes(f, varargs, axis):
    """[(axis, spacing arguments for a 1-D numpy.gradient along it)] as numpy.gradient reads them."""
    nd = numpy.ndim(f)
    axes = tuple(range(nd)) if axis is None else ((axis,) if numpy.ndim(axis) == 0 else tuple(axis))
    axes = tuple(a % nd for a in axes)
    if len(varargs) == 0:
        spacings = [()] * len(axes)
    elif len(varargs) == 1 and numpy.ndim(varargs[0]) == 0:
        spacings = [(varargs[0],)] * len(axes)
    elif len(varargs) == len(axes):
        spacings = [(v,) for v in varargs]
    else:
        raise TypeError("invalid number of arguments")
    return list(zip(axes, spacings))


def _gradient_transpose(g, n, spacing, edge_order):
    """G^T g along the last axis, for G the matrix of a 1-D numpy.gradient of length n.

    G has at most 3 entries per row, all within 2 of the diagonal, so 5 probes (ones at the
    positions j = r mod 5) read every entry: G[i, j] = (G probe_{j mod 5})[i] for |i - j| <= 2."""
    probes = (numpy.arange(n) % 5 == numpy.arange(5)[:, None]).astype(float)
    rows = numpy.stack([numpy.gradient(p, *spacing, edge_order=edge_order) for p in probes])
    j = numpy.arange(n)
    out = numpy.zeros(numpy.shape(g), dtype=numpy.result_type(g, float))
    for m in range(-2, 3):
        i = numpy.clip(j + m, 0, n - 1)
        coef = numpy.where((j + m >= 0) & (j + m < n), rows[j % 5, i], 0.0)
        out = out + coef * numpy.take(g, i, axis=-1)
    return out


def gradient_adjoint(g, f, varargs, axis=None, edge_order=1):
    """Adjoint of ``numpy.gradient(f, *varargs, axis=axis, edge_order=edge_order)`` with respect to ``f``."""
    pairs = _gradient_axes(f, varargs, axis)
    parts = [g] if len(pairs) == 1 else list(g)
    shape = numpy.shape(f)
    total = numpy.zeros(shape, dtype=numpy.result_type(f, float))
    for (ax, spacing), gi in zip(pairs, parts):
        moved = numpy.moveaxis(numpy.broadcast_to(gi, shape), ax, -1)
        total = total + numpy.moveaxis(_gradient_transpose(moved, shape[ax], spacing, edge_order), -1, ax)
    return total


def gradient_tangent(tf, varargs, axis=None, edge_order=1):
    """``numpy.gradient`` of the tangent (it is linear in ``f``)."""
    return numpy.gradient(tf, *varargs, axis=axis, edge_order=edge_order)


# --------------------------------------------------------------- real_if_close


def real_if_close_adjoint(g, y):
    """Adjoint of ``numpy.real_if_close``: ``g`` (real when the imaginary parts were dropped)."""
    return g if numpy.iscomplexobj(y) else numpy.real(g)


def real_if_close_tangent(ta, y):
    """Tangent of ``numpy.real_if_close``: the real part when the result dropped the imaginary parts."""
    return ta if numpy.iscomplexobj(y) else numpy.real(ta)

