"""Rules for NumPy functions that pick entries: where, clip, take, triangles, diagonals, sort, select.

An adjoint puts the incoming adjoint back where each entry was picked from (adding where an
entry was picked more than once); entries that were not picked get 0. ``numpy.where`` never
multiplies by its mask, so a NaN or inf in the branch that was not taken leaves no trace in the
gradient of the branch that was.
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from ..runtime.kernels import diag_adjoint
from ..runtime.kernels_shapes import (choose_adjoint, compress_adjoint, diagonal_adjoint, extract_adjoint, finite_mask,
                                      permutation_of, permute, permute_adjoint, select_adjoint, select_default_adjoint,
                                      sort_order, take_adjoint, take_along_axis_adjoint)
from .registry import adjoint, shapes, tangent


@adjoint(numpy.where, elementwise=True)
def where(out, condition, x, y):
    d[x] = numpy.where(condition, d[out], 0.0)
    d[y] = numpy.where(condition, 0.0, d[out])


@tangent(numpy.where)
def where(out, condition, x, y):
    t[out] = numpy.where(condition, t[x], t[y])


@adjoint(numpy.clip, elementwise=True)
def clip(y, a, a_min=None, a_max=None):
    if a_min is None:
        d[a] = d[y] * (a <= a_max)
        d[a_max] = d[y] * (a > a_max)
    elif a_max is None:
        d[a] = d[y] * (a >= a_min)
        d[a_min] = d[y] * (a < a_min)
    else:
        d[a] = d[y] * ((a >= a_min) & (a <= a_max))
        d[a_min] = d[y] * (a < a_min)
        d[a_max] = d[y] * (a > a_max)


@tangent(numpy.clip)
def clip(y, a, a_min=None, a_max=None):
    if a_min is None:
        t[y] = t[a] * (a <= a_max) + t[a_max] * (a > a_max)
    elif a_max is None:
        t[y] = t[a] * (a >= a_min) + t[a_min] * (a < a_min)
    else:
        t[y] = t[a] * ((a >= a_min) & (a <= a_max)) + t[a_min] * (a < a_min) + t[a_max] * (a > a_max)


# NaN and +-inf become constants: their gradient is 0
@adjoint(numpy.nan_to_num, elementwise=True)
def nan_to_num(y, x, copy=True, nan=0.0, posinf=None, neginf=None):
    d[x] = d[y] * finite_mask(x)


@tangent(numpy.nan_to_num)
def nan_to_num(y, x, copy=True, nan=0.0, posinf=None, neginf=None):
    t[y] = t[x] * finite_mask(x)


@adjoint(numpy.take)
def take(y, a, indices, axis=None, mode="raise"):
    d[a] = take_adjoint(d[y], a, indices, axis, mode)


@tangent(numpy.take)
def take(y, a, indices, axis=None, mode="raise"):
    t[y] = numpy.take(t[a], indices, axis, mode=mode)


@adjoint(numpy.take_along_axis)
def take_along_axis(y, arr, indices, axis=-1):
    d[arr] = take_along_axis_adjoint(d[y], arr, indices, axis)


@tangent(numpy.take_along_axis)
def take_along_axis(y, arr, indices, axis=-1):
    t[y] = numpy.take_along_axis(t[arr], indices, axis)


@adjoint(numpy.compress)
def compress(y, condition, a, axis=None):
    d[a] = compress_adjoint(d[y], condition, a, axis)


@tangent(numpy.compress)
def compress(y, condition, a, axis=None):
    t[y] = numpy.compress(condition, t[a], axis)


@adjoint(numpy.extract)
def extract(y, condition, arr):
    d[arr] = extract_adjoint(d[y], condition, arr)


@tangent(numpy.extract)
def extract(y, condition, arr):
    t[y] = numpy.extract(condition, t[arr])


@adjoint(numpy.select)
def select(y, condlist, choicelist, default=0):
    d[choicelist] = select_adjoint(d[y], condlist, choicelist)
    d[default] = select_default_adjoint(d[y], condlist, default)


@tangent(numpy.select)
def select(y, condlist, choicelist, default=0):
    t[y] = numpy.select(condlist, t[choicelist], t[default])


@adjoint(numpy.choose)
def choose(y, a, choices, mode="raise"):
    d[choices] = choose_adjoint(d[y], a, choices, mode)


@tangent(numpy.choose)
def choose(y, a, choices, mode="raise"):
    t[y] = numpy.choose(a, t[choices], mode=mode)


@adjoint(numpy.triu)
def triu(y, m, k=0):
    d[m] = numpy.triu(d[y], k)


@tangent(numpy.triu)
def triu(y, m, k=0):
    t[y] = numpy.triu(t[m], k)


@adjoint(numpy.tril)
def tril(y, m, k=0):
    d[m] = numpy.tril(d[y], k)


@tangent(numpy.tril)
def tril(y, m, k=0):
    t[y] = numpy.tril(t[m], k)


@adjoint(numpy.diagonal)
def diagonal(y, a, offset=0, axis1=0, axis2=1):
    d[a] = diagonal_adjoint(d[y], a, offset, axis1, axis2)


@tangent(numpy.diagonal)
def diagonal(y, a, offset=0, axis1=0, axis2=1):
    t[y] = numpy.diagonal(t[a], offset, axis1, axis2)


@adjoint(numpy.linalg.diagonal)
def linalg_diagonal(y, x, offset=0):
    d[x] = diagonal_adjoint(d[y], x, offset, -2, -1)


@tangent(numpy.linalg.diagonal)
def linalg_diagonal(y, x, offset=0):
    t[y] = numpy.linalg.diagonal(t[x], offset=offset)


@adjoint(numpy.diag)
def diag(y, v, k=0):
    d[v] = diag_adjoint(d[y], v, k)


@tangent(numpy.diag)
def diag(y, v, k=0):
    t[y] = numpy.diag(t[v], k)


@adjoint(numpy.diagflat)
def diagflat(y, v, k=0):
    d[v] = numpy.reshape(numpy.diagonal(d[y], k), numpy.shape(v))


@tangent(numpy.diagflat)
def diagflat(y, v, k=0):
    t[y] = numpy.diagflat(t[v], k)


# sort: each entry's adjoint goes back to where it came from (ties: in stable order)
@adjoint(numpy.sort)
def sort(y, a, axis=-1, kind=None):
    d[a] = permute_adjoint(d[y], a, sort_order(a, axis), axis)


@tangent(numpy.sort)
def sort(y, a, axis=-1, kind=None):
    t[y] = permute(t[a], sort_order(a, axis), axis)


@adjoint(numpy.partition)
def partition(y, a, kth, axis=-1, kind="introselect"):
    d[a] = permute_adjoint(d[y], a, permutation_of(a, y, axis), axis)


@tangent(numpy.partition)
def partition(y, a, kth, axis=-1, kind="introselect"):
    t[y] = permute(t[a], permutation_of(a, y, axis), axis)


shapes(elementwise=(numpy.nan_to_num,))
