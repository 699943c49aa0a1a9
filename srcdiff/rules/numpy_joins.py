"""Rules for NumPy functions that join, split, tile, repeat and pad arrays.

Adjoints of joins cut the incoming adjoint back into pieces shaped like the inputs; adjoints
of splits join the pieces' adjoints; copies made by ``tile``, ``repeat`` and ``pad`` (edge,
reflect, symmetric, wrap) add their adjoints back into the entry they copied.
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from ..runtime.kernels import split_like, unstack
from ..runtime.kernels_shapes import (PAD_MODES, join_adjoint, pad_adjoint, repeat_adjoint, split_adjoint,
                                      tile_adjoint, unstack_adjoint)
from ..runtime.kernels_edits import pad_values_adjoint, pad_values_tangent
from .registry import adjoint, available, tangent
from .refusals import refuse_unless


@adjoint(numpy.concatenate, numpy.concat)
def concatenate(y, arrays, axis=0):
    d[arrays] = split_like(d[y], arrays, axis)


@tangent(numpy.concatenate, numpy.concat)
def concatenate(y, arrays, axis=0):
    t[y] = numpy.concatenate(t[arrays], axis)


@adjoint(numpy.stack)
def stack(y, arrays, axis=0):
    d[arrays] = unstack(d[y], axis)


@tangent(numpy.stack)
def stack(y, arrays, axis=0):
    t[y] = numpy.stack(t[arrays], axis)


@adjoint(numpy.hstack)
def hstack(y, tup):
    d[tup] = join_adjoint(d[y], tup, "h")


@tangent(numpy.hstack)
def hstack(y, tup):
    t[y] = numpy.hstack(t[tup])


@adjoint(numpy.vstack)
def vstack(y, tup):
    d[tup] = join_adjoint(d[y], tup, "v")


@tangent(numpy.vstack)
def vstack(y, tup):
    t[y] = numpy.vstack(t[tup])


@adjoint(numpy.dstack)
def dstack(y, tup):
    d[tup] = join_adjoint(d[y], tup, "d")


@tangent(numpy.dstack)
def dstack(y, tup):
    t[y] = numpy.dstack(t[tup])


@adjoint(numpy.column_stack)
def column_stack(y, tup):
    d[tup] = join_adjoint(d[y], tup, "column")


@tangent(numpy.column_stack)
def column_stack(y, tup):
    t[y] = numpy.column_stack(t[tup])


@adjoint(numpy.append)
def append(y, arr, values, axis=None):
    d[arr] = split_like(d[y], [arr, values], axis)[0]
    d[values] = split_like(d[y], [arr, values], axis)[1]


@tangent(numpy.append)
def append(y, arr, values, axis=None):
    t[y] = numpy.append(t[arr], t[values], axis)


@adjoint(numpy.split, numpy.array_split)
def split(y, ary, indices_or_sections, axis=0):
    d[ary] = split_adjoint(d[y], ary, indices_or_sections, axis)


@tangent(numpy.split)
def split(y, ary, indices_or_sections, axis=0):
    t[y] = numpy.split(t[ary], indices_or_sections, axis)


@tangent(numpy.array_split)
def array_split(y, ary, indices_or_sections, axis=0):
    t[y] = numpy.array_split(t[ary], indices_or_sections, axis)


@adjoint(numpy.hsplit)
def hsplit(y, ary, indices_or_sections):
    d[ary] = split_adjoint(d[y], ary, indices_or_sections, 0, "h")


@tangent(numpy.hsplit)
def hsplit(y, ary, indices_or_sections):
    t[y] = numpy.hsplit(t[ary], indices_or_sections)


@adjoint(numpy.vsplit)
def vsplit(y, ary, indices_or_sections):
    d[ary] = split_adjoint(d[y], ary, indices_or_sections, 0, "v")


@tangent(numpy.vsplit)
def vsplit(y, ary, indices_or_sections):
    t[y] = numpy.vsplit(t[ary], indices_or_sections)


@adjoint(numpy.dsplit)
def dsplit(y, ary, indices_or_sections):
    d[ary] = split_adjoint(d[y], ary, indices_or_sections, 0, "d")


@tangent(numpy.dsplit)
def dsplit(y, ary, indices_or_sections):
    t[y] = numpy.dsplit(t[ary], indices_or_sections)


@adjoint(*available(numpy, "unstack"))
def unstack_(y, x, axis=0):
    d[x] = unstack_adjoint(d[y], x, axis)


@tangent(*available(numpy, "unstack"))
def unstack_(y, x, axis=0):
    t[y] = numpy.unstack(t[x], axis=axis)


@adjoint(numpy.tile)
def tile(y, A, reps):
    d[A] = tile_adjoint(d[y], A, reps)


@tangent(numpy.tile)
def tile(y, A, reps):
    t[y] = numpy.tile(t[A], reps)


@adjoint(numpy.repeat)
def repeat(y, a, repeats, axis=None):
    d[a] = repeat_adjoint(d[y], a, repeats, axis)


@tangent(numpy.repeat)
def repeat(y, a, repeats, axis=None):
    t[y] = numpy.repeat(t[a], repeats, axis)


@adjoint(numpy.pad)
def pad(y, array, pad_width, mode="constant", constant_values=0):
    d[array] = pad_adjoint(d[y], array, pad_width, mode)
    d[constant_values] = pad_values_adjoint(d[y], array, pad_width, constant_values)


@tangent(numpy.pad)
def pad(y, array, pad_width, mode="constant", constant_values=0):
    t[y] = numpy.pad(t[array], pad_width, mode) + pad_values_tangent(array, pad_width, t[constant_values])


def _pad_check(args):
    """The mode must be written as a constant: a mode known only at run time might be one that is
    not a copy of entries (``mean``, ``maximum``), whose adjoint ``pad_adjoint`` cannot give."""
    mode = args.get("mode", "constant")
    if mode in PAD_MODES:
        return None
    if mode is Ellipsis:
        return ("srcdiff differentiates numpy.pad only when its mode is written as a constant string",
                "Write the mode in the call, e.g. np.pad(x, 1, mode='reflect') (one of %s)." % ", ".join(PAD_MODES))
    return ("srcdiff differentiates numpy.pad in the modes %s; got mode=%r" % (", ".join(PAD_MODES), mode),
            "Pad with one of those modes, or build the padding with numpy.concatenate.")


refuse_unless(numpy.pad, _pad_check, unknown=True)
