"""Sums of adjoint terms over a reverse loop's steps, computed in one operation after the loop.

A reverse loop that adds ``matmul_lhs(g, W, x)`` to ``d_W`` on every step (the outer products of
an RNN's backward pass) gathers the ``g`` and ``x`` of each step instead, and ``batching`` emits one
``matmul_lhs_sum`` after the loop: the same sum, with one matrix product instead of one per step.
``unbroadcast_sum`` does the same for a bias added on every step.
"""
from __future__ import annotations

import numpy

from .helpers import unbroadcast, zeros_like
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
    total = _products_summed(gs, bs, columns=True) if type(a) is _ndarray and a.ndim == 2 else None
    if total is not None:
        return total
    return _step_by_step(zeros_like(a), (matmul_lhs(g, a, b) for g, b in zip(gs, bs)))


def matmul_rhs_sum(gs, as_, b):
    """``sum(matmul_rhs(g, a, b) for g, a in zip(gs, as_))``: the adjoint of ``b`` in ``a_k @ b``
    summed over steps ``k``."""
    total = _products_summed(as_, gs, columns=False) if type(b) is _ndarray and b.ndim == 2 else None
    if total is not None:
        return total
    return _step_by_step(zeros_like(b), (matmul_rhs(g, a, b) for g, a in zip(gs, as_)))


def _products_summed(lefts, rights, columns):
    """One product for all steps: ``sum outer(l_k, r_k)`` for vectors (``L.T @ R``); for
    matrices ``sum l_k @ r_k.T`` (the columns side by side) when ``columns``, else
    ``sum l_k.T @ r_k`` (the rows stacked). None when the steps are not all of one such kind."""
    left, right = _rows(lefts, 1), _rows(rights, 1)
    if left is not None and right is not None:
        return left.T @ right
    if _all_rank(lefts, 2) and _all_rank(rights, 2):
        axis = 1 if columns else 0
        left, right = numpy.concatenate(lefts, axis), numpy.concatenate(rights, axis)
        return left @ right.T if columns else left.T @ right
    return None


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
