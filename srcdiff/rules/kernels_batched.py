"""Sums of adjoint terms over a reverse loop's steps, computed in one operation after the loop.

A reverse loop that adds ``matmul_lhs(g, W, x)`` to ``d_W`` on every step (the outer products of
an RNN's backward pass) gathers the ``g`` and ``x`` of each step instead, and ``batching`` emits one
``matmul_lhs_sum`` after the loop: the same sum, with one matrix product instead of one per step.
``unbroadcast_sum`` does the same for a bias added on every step.
"""
from __future__ import annotations

import numpy

from ..runtime import unbroadcast, zeros_like
from .kernels import matmul_lhs, matmul_rhs

_ndarray = numpy.ndarray


def _rows(arrays, rank):
    """``arrays`` (one per step, each of rank ``rank`` and the same shape) as one array with the
    steps along axis 0, or None when they are not all such arrays."""
    if not arrays or any(type(x) is not _ndarray for x in arrays):
        return None
    try:
        out = numpy.array(arrays)  # much faster than numpy.stack for many small arrays
    except ValueError:  # shapes differ
        return None
    return out if out.ndim == rank + 1 and out.dtype != object else None


def matmul_lhs_sum(gs, a, bs):
    """``sum(matmul_lhs(g, a, b) for g, b in zip(gs, bs))``: the adjoint of ``a`` in ``a @ b_k``
    summed over steps ``k``."""
    if type(a) is _ndarray and a.ndim == 2:
        g, b = _rows(gs, 1), _rows(bs, 1)
        if g is not None and b is not None:  # sum of outer(g_k, b_k) = G.T @ B
            return g.T @ b
        if _all_rank(gs, 2) and _all_rank(bs, 2):  # sum of g_k @ b_k.T, the columns side by side
            return numpy.concatenate(gs, 1) @ numpy.concatenate(bs, 1).T
    return _step_by_step(zeros_like(a), (matmul_lhs(g, a, b) for g, b in zip(gs, bs)))


def matmul_rhs_sum(gs, as_, b):
    """``sum(matmul_rhs(g, a, b) for g, a in zip(gs, as_))``: the adjoint of ``b`` in ``a_k @ b``
    summed over steps ``k``."""
    if type(b) is _ndarray and b.ndim == 2:
        g, a = _rows(gs, 1), _rows(as_, 1)
        if g is not None and a is not None:  # sum of outer(a_k, g_k) = A.T @ G
            return a.T @ g
        if _all_rank(gs, 2) and _all_rank(as_, 2):  # sum of a_k.T @ g_k, the rows stacked
            return numpy.concatenate(as_, 0).T @ numpy.concatenate(gs, 0)
    return _step_by_step(zeros_like(b), (matmul_rhs(g, a, b) for g, a in zip(gs, as_)))


def unbroadcast_sum(gs, x):
    """``sum(unbroadcast(g, x) for g in gs)``: the adjoint of ``x`` broadcast on every step."""
    g = _rows(gs, numpy.ndim(gs[0])) if gs else None
    if g is not None:  # one sum over the steps, then one unbroadcast
        return unbroadcast(g.sum(0), x)
    return _step_by_step(zeros_like(x), (unbroadcast(g, x) for g in gs))


def _step_by_step(total, terms):
    """The general case (no steps, ranks or shapes that differ): add the terms one by one."""
    for term in terms:
        total = total + term
    return total


def _all_rank(arrays, rank):
    return bool(arrays) and all(type(x) is _ndarray and x.ndim == rank for x in arrays)
