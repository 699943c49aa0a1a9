"""Rules for NumPy functions that edit arrays: insert, delete, gradient, real_if_close, row_stack.

All are linear in the arrays they are differentiated in; ``gradient`` is refused with respect to
its spacings (``varargs``), which enter nonlinearly. The kernels' own tangent rules (forward mode
over a generated gradient) follow the same linearity.
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from ..runtime import kernels_edits as ke
from ..runtime.kernels_edits import (delete_adjoint, gradient_adjoint, gradient_tangent, insert_arr_adjoint,
                            insert_values_adjoint, pad_values_adjoint, pad_values_tangent, real_if_close_adjoint,
                            real_if_close_tangent)
from ..runtime.kernels_shapes import join_adjoint
from .registry import adjoint, available, tangent
from .refusals import constant_only


@adjoint(numpy.insert)
def insert(y, arr, obj, values, axis=None):
    d[arr] = insert_arr_adjoint(d[y], arr, obj, values, axis)
    d[values] = insert_values_adjoint(d[y], arr, obj, values, axis)


@tangent(numpy.insert)
def insert(y, arr, obj, values, axis=None):
    t[y] = numpy.insert(t[arr], obj, t[values], axis)


@adjoint(numpy.delete)
def delete(y, arr, obj, axis=None):
    d[arr] = delete_adjoint(d[y], arr, obj, axis)


@tangent(numpy.delete)
def delete(y, arr, obj, axis=None):
    t[y] = numpy.delete(t[arr], obj, axis)


@adjoint(numpy.gradient)
def gradient(y, f, varargs, axis=None, edge_order=1):
    d[f] = gradient_adjoint(d[y], f, varargs, axis, edge_order)


@tangent(numpy.gradient)
def gradient(y, f, varargs, axis=None, edge_order=1):
    t[y] = gradient_tangent(t[f], varargs, axis, edge_order)


@adjoint(numpy.real_if_close)
def real_if_close(y, a, tol=100):
    d[a] = real_if_close_adjoint(d[y], y)


@tangent(numpy.real_if_close)
def real_if_close(y, a, tol=100):
    t[y] = real_if_close_tangent(t[a], y)


# numpy.row_stack is numpy.vstack under an old name (deprecated in NumPy 2.0, gone in later ones)
@adjoint(*available(numpy, "row_stack"))
def row_stack(y, tup):
    d[tup] = join_adjoint(d[y], tup, "v")


@tangent(*available(numpy, "row_stack"))
def row_stack(y, tup):
    t[y] = numpy.vstack(t[tup])


constant_only(numpy.gradient, "Pass the sample spacings or coordinates as constants; srcdiff differentiates "
              "numpy.gradient with respect to the sampled values only.", "varargs")

# --------------------------------------------- tangents of the kernels (second derivatives)


@tangent(ke.pad_values_adjoint)
def pad_values_adjoint_(out, g, array, pad_width, constant_values=0):
    t[out] = pad_values_adjoint(t[g], array, pad_width, constant_values)


@tangent(ke.pad_values_tangent)
def pad_values_tangent_(out, array, pad_width, t_values):
    t[out] = pad_values_tangent(array, pad_width, t[t_values])


@tangent(ke.insert_arr_adjoint)
def insert_arr_adjoint_(out, g, arr, obj, values, axis=None):
    t[out] = insert_arr_adjoint(t[g], arr, obj, values, axis)


@tangent(ke.insert_values_adjoint)
def insert_values_adjoint_(out, g, arr, obj, values, axis=None):
    t[out] = insert_values_adjoint(t[g], arr, obj, values, axis)


@tangent(ke.delete_adjoint)
def delete_adjoint_(out, g, arr, obj, axis=None):
    t[out] = delete_adjoint(t[g], arr, obj, axis)


@tangent(ke.gradient_adjoint)
def gradient_adjoint_(out, g, f, varargs, axis=None, edge_order=1):
    t[out] = gradient_adjoint(t[g], f, varargs, axis, edge_order)


@tangent(ke.gradient_tangent)
def gradient_tangent_(out, tf, varargs, axis=None, edge_order=1):
    t[out] = gradient_tangent(t[tf], varargs, axis, edge_order)


@tangent(ke.real_if_close_adjoint)
def real_if_close_adjoint_(out, g, y):
    t[out] = real_if_close_adjoint(t[g], y)


@tangent(ke.real_if_close_tangent)
def real_if_close_tangent_(out, ta, y):
    t[out] = real_if_close_tangent(t[ta], y)
