"""Numeric helpers for norm rules: ``numpy.linalg.norm``, ``matrix_norm`` and ``vector_norm``."""
from __future__ import annotations

import numpy

from .helpers import expand
from .kernels import refuse


def _norm_axes(x, axis):
    """(axes reduced, is a matrix norm) for ``numpy.linalg.norm``'s ``axis`` argument."""
    nd = numpy.ndim(x)
    if axis is None:
        return tuple(range(nd)), nd == 2
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(a % nd for a in axes), len(axes) == 2


def norm_partials(x, y, ord=None, axis=None, keepdims=False):
    """d norm(x) / d x, shaped like x (a subgradient where the norm is not differentiable, 0 at 0);
    conjugated for complex x (see ``numpy_complex``)."""
    axes, matrix = _norm_axes(x, axis)
    xc = numpy.conj(x) if numpy.iscomplexobj(x) else x
    yk = numpy.expand_dims(y, tuple(a for a in axes if not keepdims)) if not keepdims and numpy.ndim(y) \
        else y
    if axis is None and not keepdims:
        yk = y
    if ord is None or ord == "fro" or (not matrix and ord == 2):
        if axis is None and not matrix:
            return xc / (y if y != 0 else 1.0)
        return xc / numpy.where(yk == 0, 1.0, yk)
    if not matrix:
        ax = numpy.abs(x)
        if ord in (numpy.inf, -numpy.inf):
            hit = ax == yk
            return numpy.sign(xc) * hit / numpy.sum(hit, axis=axes, keepdims=True)
        if ord == 0:
            return numpy.zeros_like(x, dtype=float)  # a count of non-zeros: piecewise constant
        safe = numpy.where(yk == 0, 1.0, yk)
        return numpy.sign(xc) * (ax / safe) ** (ord - 1)
    return numpy.conj(_matrix_norm_partials(x, ord, axes)) * (yk != 0)


def _matrix_norm_partials(x, ord, axes):
    moved = numpy.moveaxis(x, axes, (-2, -1))
    if ord in ("nuc", 2, -2):
        u, sv, vt = numpy.linalg.svd(moved, full_matrices=False)
        if ord == "nuc":
            grad = u @ vt
        else:
            k = 0 if ord == 2 else -1
            grad = u[..., :, k:k + 1 if k == 0 else None] @ vt[..., k:k + 1 if k == 0 else None, :]
    elif ord in (1, -1, numpy.inf, -numpy.inf):
        over = -2 if ord in (1, -1) else -1  # column sums (ord 1) or row sums (ord inf)
        sums = numpy.sum(numpy.abs(moved), axis=over, keepdims=True)
        pick = numpy.max(sums, axis=-1 if over == -2 else -2, keepdims=True) if ord in (1, numpy.inf) else \
            numpy.min(sums, axis=-1 if over == -2 else -2, keepdims=True)
        hit = sums == pick
        grad = numpy.sign(moved) * hit / numpy.sum(hit, axis=-1 if over == -2 else -2, keepdims=True)
    else:
        grad = refuse(moved, "numpy.linalg.norm of a matrix with ord=%r has no derivative rule" % (ord,))
    return numpy.moveaxis(grad, (-2, -1), axes)


def norm_adjoint(g, x, y, ord=None, axis=None, keepdims=False):
    """Adjoint of ``numpy.linalg.norm`` (the norm is real: so is the adjoint that reaches it)."""
    axes, _ = _norm_axes(x, axis)
    g = numpy.real(g) if numpy.iscomplexobj(g) else g
    return expand(g, x, axes if axis is not None else None, keepdims) * norm_partials(x, y, ord, axis, keepdims)


def norm_tangent(tx, x, y, ord=None, axis=None, keepdims=False):
    """Tangent of ``numpy.linalg.norm``."""
    axes, _ = _norm_axes(x, axis)
    return numpy.real(numpy.sum(tx * norm_partials(x, y, ord, axis, keepdims), axis=axes, keepdims=keepdims))


def _vector_layout(x, axis):
    """``x`` with the normed axes moved last and flattened into one, and how to undo that."""
    x = numpy.asarray(x)
    if axis is None:
        return numpy.reshape(x, (-1,)), None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = tuple(k % x.ndim for k in axes)
    dest = tuple(range(x.ndim - len(axes), x.ndim))
    moved = numpy.moveaxis(x, axes, dest)
    return numpy.reshape(moved, moved.shape[:x.ndim - len(axes)] + (-1,)), (axes, dest, moved.shape)


def vector_norm_partials(x, y, ord=2, axis=None, keepdims=False):
    """d vector_norm(x) / d x, shaped like x (0 where the norm is 0)."""
    flat, info = _vector_layout(x, axis)
    yflat = numpy.reshape(y, numpy.shape(flat)[:-1])
    part = norm_partials(flat, yflat, None if ord == 2 else ord, -1 if flat.ndim > 1 else None)
    if info is None:
        return numpy.reshape(part, numpy.shape(x))
    axes, dest, shape = info
    return numpy.moveaxis(numpy.reshape(part, shape), dest, axes)


def vector_norm_adjoint(g, x, y, ord=2, axis=None, keepdims=False):
    """Adjoint of ``numpy.linalg.vector_norm`` (real: the norm is)."""
    g = numpy.real(g) if numpy.iscomplexobj(g) else g
    flat, _ = _vector_layout(x, axis)
    gk = numpy.reshape(g, numpy.shape(flat)[:-1] + (1,))
    layout = numpy.broadcast_to(gk, numpy.shape(flat))
    _, info = _vector_layout(x, axis)
    if info is None:
        spread = numpy.reshape(layout, numpy.shape(x))
    else:
        axes, dest, shape = info
        spread = numpy.moveaxis(numpy.reshape(layout, shape), dest, axes)
    return spread * vector_norm_partials(x, y, ord, axis, keepdims)


def vector_norm_tangent(tx, x, y, ord=2, axis=None, keepdims=False):
    """Tangent of ``numpy.linalg.vector_norm``."""
    prod = numpy.real(tx * vector_norm_partials(x, y, ord, axis, keepdims))
    flat, _ = _vector_layout(prod, axis)
    return numpy.reshape(numpy.sum(flat, axis=-1), numpy.shape(y))
