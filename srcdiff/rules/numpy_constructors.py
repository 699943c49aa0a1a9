"""Rules for NumPy constructors whose values come from their arguments: full, linspace, logspace, geomspace.

``full(shape, v)`` is ``v`` broadcast to ``shape``: the adjoint sums back to ``v``'s shape (the shape
itself, and the array ``full_like`` copies it from, carry no derivative). ``linspace`` is linear in its
endpoints, ``start + (stop - start) * w`` with the weights ``w = linspace(0, 1, num, endpoint)`` along
``axis``; ``logspace`` is ``base ** linspace(start, stop)`` and ``geomspace`` is
``start * (stop / start) ** w``. An integer ``dtype`` truncates the result, whose derivative is then 0.
The other constructors (``zeros``, ``ones``, ``arange``, ``eye``...) are in ``numpy_nondiff``.
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from ..runtime.helpers import unbroadcast
from ..runtime.kernels import astype_adjoint
from ..runtime.kernels_shapes import (fill_adjoint, fill_tangent, logspace_base, logspace_base_adjoint,
                                      logspace_exponents, spacing_weights)
from .registry import adjoint, tangent
from .refusals import refuse_unless

# Template tests fold only on constants: ``dtype is None`` is true for the default (or a literal None),
# and ``base is not None`` for a literal base (the default 10.0 too). A variable takes the ``else``
# branch, which holds the general formula.


@adjoint(numpy.full)
def full(y, shape, fill_value, dtype=None, order="C"):
    if dtype is None:  # the result has the fill value's (inexact) type
        d[fill_value] = unbroadcast(d[y], fill_value)
    else:
        d[fill_value] = fill_adjoint(d[y], fill_value, y)


@tangent(numpy.full)
def full(y, shape, fill_value, dtype=None, order="C"):
    if dtype is None:
        t[y] = numpy.full(shape, t[fill_value])
    else:
        t[y] = fill_tangent(t[fill_value], y)


# the result has ``a``'s type unless ``dtype`` is given, so it may be integer even for a float fill value
@adjoint(numpy.full_like)
def full_like(y, a, fill_value, dtype=None, order="K", subok=True, shape=None):
    d[fill_value] = fill_adjoint(d[y], fill_value, y)


@tangent(numpy.full_like)
def full_like(y, a, fill_value, dtype=None, order="K", subok=True, shape=None):
    t[y] = fill_tangent(t[fill_value], y)


@adjoint(numpy.linspace)
def linspace(y, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    if dtype is None:
        g = d[y]
    else:
        g = astype_adjoint(d[y], y, y)  # 0 for an integer dtype
    w = spacing_weights(y, num, endpoint, axis)
    d[start] = unbroadcast(numpy.sum(g - g * w, axis=axis), start)
    d[stop] = unbroadcast(numpy.sum(g * w, axis=axis), stop)


@tangent(numpy.linspace)
def linspace(y, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    if dtype is None:
        t[y] = numpy.linspace(t[start], t[stop], num, endpoint, axis=axis)
    else:
        t[y] = astype_adjoint(numpy.linspace(t[start], t[stop], num, endpoint, axis=axis), y, y)


@adjoint(numpy.logspace)
def logspace(y, start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    if dtype is None:
        g = d[y] * y
    else:
        g = astype_adjoint(d[y], y, y) * y
    if base is not None:  # a literal number
        gu = g * numpy.log(base)
    else:
        radix = logspace_base(base, start, stop, axis)
        gu = g * numpy.log(radix)
        d[base] = logspace_base_adjoint(g * logspace_exponents(start, stop, num, endpoint, base, axis) / radix,
                                        base, start, stop, axis)
    w = spacing_weights(y, num, endpoint, axis)
    d[start] = unbroadcast(numpy.sum(gu - gu * w, axis=axis), start)
    d[stop] = unbroadcast(numpy.sum(gu * w, axis=axis), stop)


@tangent(numpy.logspace)
def logspace(y, start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    if dtype is None:
        if base is not None:  # a literal number
            t[y] = y * numpy.log(base) * numpy.linspace(t[start], t[stop], num, endpoint, axis=axis)
        else:
            radix = logspace_base(base, start, stop, axis)
            t[y] = y * numpy.log(radix) * logspace_exponents(t[start], t[stop], num, endpoint, base, axis) + \
                y * logspace_exponents(start, stop, num, endpoint, base, axis) / radix * \
                logspace_base(t[base], start, stop, axis)
    else:
        radix = logspace_base(base, start, stop, axis)
        t[y] = astype_adjoint(
            y * numpy.log(radix) * logspace_exponents(t[start], t[stop], num, endpoint, base, axis) +
            y * logspace_exponents(start, stop, num, endpoint, base, axis) / radix *
            logspace_base(t[base], start, stop, axis), y, y)


# y = start * (stop / start) ** w, so dy = y * ((1 - w) dstart / start + w dstop / stop); NumPy sets the
# first and last entries to start and stop exactly, where this is 1 and 0 (or 0 and 1) too
@adjoint(numpy.geomspace)
def geomspace(y, start, stop, num=50, endpoint=True, dtype=None, axis=0):
    if dtype is None:
        g = d[y] * y
    else:
        g = astype_adjoint(d[y], y, y) * y
    w = spacing_weights(y, num, endpoint, axis)
    d[start] = unbroadcast(numpy.sum(g - g * w, axis=axis) / start, start)
    d[stop] = unbroadcast(numpy.sum(g * w, axis=axis) / stop, stop)


@tangent(numpy.geomspace)
def geomspace(y, start, stop, num=50, endpoint=True, dtype=None, axis=0):
    if dtype is None:
        t[y] = y * numpy.linspace(numpy.divide(t[start], start), numpy.divide(t[stop], stop), num, endpoint,
                                  axis=axis)
    else:
        t[y] = astype_adjoint(y * numpy.linspace(numpy.divide(t[start], start), numpy.divide(t[stop], stop), num,
                                                 endpoint, axis=axis), y, y)


def _linspace_check(args):
    retstep = args.get("retstep", False)
    if retstep in (False,):
        return None
    return ("srcdiff differentiates numpy.linspace only with retstep=False; got retstep=%s"
            % ("a variable" if retstep is Ellipsis else repr(retstep)),
            ("Drop retstep and compute the step from the endpoints: (stop - start) / (num - 1), "
             "or (stop - start) / num with endpoint=False."))


refuse_unless(numpy.linspace, _linspace_check, unknown=True)
