"""Rules for NumPy functions that rearrange entries: transposes, reshapes, flips, rolls, broadcasts.

These are linear and mostly permutations, so an adjoint undoes the rearrangement (``moveaxis``
with the axes swapped, ``roll`` by minus the shift, ``unbroadcast`` after ``broadcast_to``) and
a tangent repeats it. Copies and casts are here too.
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from ..runtime.helpers import broadcast_like, expand, snapshot, unbroadcast
from ..runtime.kernels import array_adjoint, astype, astype_adjoint, item, transpose_inverse
from ..runtime.kernels_shapes import atleast_adjoint, first_two, flatten, negated, rollaxis_destination
from .registry import adjoint, shapes, tangent


@adjoint(numpy.transpose, numpy.permute_dims)
def transpose(y, a, axes=None):
    if axes is None:
        d[a] = numpy.transpose(d[y])
    else:
        d[a] = numpy.transpose(d[y], transpose_inverse(axes))


@tangent(numpy.transpose, numpy.permute_dims)
def transpose(y, a, axes=None):
    t[y] = numpy.transpose(t[a], axes)


@adjoint(numpy.matrix_transpose, numpy.linalg.matrix_transpose)
def matrix_transpose(y, x):
    d[x] = numpy.matrix_transpose(d[y])


@tangent(numpy.matrix_transpose, numpy.linalg.matrix_transpose)
def matrix_transpose(y, x):
    t[y] = numpy.matrix_transpose(t[x])


@adjoint(numpy.swapaxes)
def swapaxes(y, a, axis1, axis2):
    d[a] = numpy.swapaxes(d[y], axis1, axis2)


@tangent(numpy.swapaxes)
def swapaxes(y, a, axis1, axis2):
    t[y] = numpy.swapaxes(t[a], axis1, axis2)


@adjoint(numpy.moveaxis)
def moveaxis(y, a, source, destination):
    d[a] = numpy.moveaxis(d[y], destination, source)


@tangent(numpy.moveaxis)
def moveaxis(y, a, source, destination):
    t[y] = numpy.moveaxis(t[a], source, destination)


@adjoint(numpy.rollaxis)
def rollaxis(y, a, axis, start=0):
    d[a] = numpy.moveaxis(d[y], rollaxis_destination(a, axis, start), axis)


@tangent(numpy.rollaxis)
def rollaxis(y, a, axis, start=0):
    t[y] = numpy.rollaxis(t[a], axis, start)


@adjoint(numpy.reshape)
def reshape(y, a, shape):
    d[a] = numpy.reshape(d[y], numpy.shape(a))


@tangent(numpy.reshape)
def reshape(y, a, shape):
    t[y] = numpy.reshape(t[a], shape)


@adjoint(numpy.ravel)
def ravel(y, a):
    d[a] = numpy.reshape(d[y], numpy.shape(a))


@tangent(numpy.ravel)
def ravel(y, a):
    t[y] = numpy.ravel(t[a])


@adjoint(flatten)
def flatten_(y, a):
    d[a] = numpy.reshape(d[y], numpy.shape(a))


@tangent(flatten)
def flatten_(y, a):
    t[y] = flatten(t[a])  # a copy, like the primal: writing into one must not change the other's source


@adjoint(numpy.squeeze)
def squeeze(y, a, axis=None):
    d[a] = numpy.reshape(d[y], numpy.shape(a))


@tangent(numpy.squeeze)
def squeeze(y, a, axis=None):
    t[y] = numpy.squeeze(t[a], axis)


@adjoint(numpy.expand_dims)
def expand_dims(y, a, axis):
    d[a] = numpy.reshape(d[y], numpy.shape(a))


@tangent(numpy.expand_dims)
def expand_dims(y, a, axis):
    t[y] = numpy.expand_dims(t[a], axis)


@adjoint(numpy.atleast_1d, numpy.atleast_2d, numpy.atleast_3d)
def atleast_nd(y, arys):
    d[arys] = atleast_adjoint(d[y], arys, y)


@tangent(numpy.atleast_1d)
def atleast_1d(y, arys):
    t[y] = numpy.atleast_1d(*t[arys])


@tangent(numpy.atleast_2d)
def atleast_2d(y, arys):
    t[y] = numpy.atleast_2d(*t[arys])


@tangent(numpy.atleast_3d)
def atleast_3d(y, arys):
    t[y] = numpy.atleast_3d(*t[arys])


@adjoint(numpy.flip)
def flip(y, m, axis=None):
    d[m] = numpy.flip(d[y], axis)


@tangent(numpy.flip)
def flip(y, m, axis=None):
    t[y] = numpy.flip(t[m], axis)


@adjoint(numpy.fliplr)
def fliplr(y, m):
    d[m] = numpy.fliplr(d[y])


@tangent(numpy.fliplr)
def fliplr(y, m):
    t[y] = numpy.fliplr(t[m])


@adjoint(numpy.flipud)
def flipud(y, m):
    d[m] = numpy.flipud(d[y])


@tangent(numpy.flipud)
def flipud(y, m):
    t[y] = numpy.flipud(t[m])


@adjoint(numpy.rot90)
def rot90(y, m, k=1, axes=None):
    d[m] = numpy.rot90(d[y], -k, first_two(axes))


@tangent(numpy.rot90)
def rot90(y, m, k=1, axes=None):
    t[y] = numpy.rot90(t[m], k, first_two(axes))


@adjoint(numpy.roll)
def roll(y, a, shift, axis=None):
    d[a] = numpy.roll(d[y], negated(shift), axis)


@tangent(numpy.roll)
def roll(y, a, shift, axis=None):
    t[y] = numpy.roll(t[a], shift, axis)


@adjoint(numpy.broadcast_to)
def broadcast_to(y, array, shape):
    d[array] = unbroadcast(d[y], array)


@tangent(numpy.broadcast_to)
def broadcast_to(y, array, shape):
    t[y] = numpy.broadcast_to(t[array], shape)


@adjoint(numpy.broadcast_arrays)
def broadcast_arrays(y, args):
    d[args] = [unbroadcast(broadcast_like(d[y][i], y[i]), args[i]) for i in range(len(args))]


@tangent(numpy.broadcast_arrays)
def broadcast_arrays(y, args):
    t[y] = numpy.broadcast_arrays(*t[args])


# ------------------------------------------------------------ copies and casts


@adjoint(numpy.copy, numpy.asarray, numpy.asanyarray)
def copy(y, a):
    d[a] = d[y]


@adjoint(numpy.ascontiguousarray, numpy.asfortranarray)
def ascontiguousarray(y, a):
    d[a] = numpy.reshape(d[y], numpy.shape(a))  # a number becomes an array of shape (1,)


@tangent(numpy.copy)
def copy(y, a):
    t[y] = snapshot(t[a])  # a copy, like the primal: the code may write into it


@tangent(numpy.asarray, numpy.asanyarray)
def asarray(y, a):
    t[y] = t[a]


@tangent(numpy.ascontiguousarray, numpy.asfortranarray)
def ascontiguousarray(y, a):
    t[y] = numpy.reshape(t[a], numpy.shape(y))


@adjoint(numpy.array)
def array(y, object):
    d[object] = array_adjoint(d[y], object)


@tangent(numpy.array)
def array(y, object):
    t[y] = numpy.array(t[object])


@adjoint(astype)
def astype_(y, a, dtype, copy=True):
    d[a] = astype_adjoint(d[y], a, y)


@tangent(astype)
def astype_(y, a, dtype, copy=True):
    t[y] = astype_adjoint(t[a], a, y)


@adjoint(item)
def item_(y, a):
    d[a] = expand(d[y], a)


@tangent(item)
def item_(y, a):
    t[y] = numpy.sum(t[a])


shapes(scalar=(item,))
