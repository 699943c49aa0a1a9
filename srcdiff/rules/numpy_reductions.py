"""Rules for NumPy reductions (sum, mean, prod, max, var, nan-variants, average, ptp, median).

Every rule handles ``axis`` (None, an int, a negative int, a tuple) and ``keepdims``: the adjoint
broadcasts the incoming adjoint back over the reduced axes with ``expand``. Ties of ``max``/``min``
(and of their ``amax``/``nanmax`` variants, and ``ptp``) split the adjoint evenly between the tied
entries; NaN entries skipped by a nan-reduction get a zero gradient.
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from ..runtime.helpers import expand
from ..runtime.kernels import centered, expand_scaled, extremum_weights, prod_partials, reduced_count
from ..runtime.kernels_math import safe_divisor, strong_mul
from ..runtime.kernels_reduce import (median_weights, nan_centered, nan_count, nanmean_weights, not_nan, ptp_weights,
                                      weights_back, weights_like)
from .registry import adjoint, shapes, tangent
from .refusals import refuse_unless


@adjoint(numpy.sum)
def sum_(y, a, axis=None, keepdims=False):
    if axis is None and not keepdims:
        d[a] = expand(d[y], a)
    else:
        d[a] = expand(d[y], a, axis, keepdims)


@tangent(numpy.sum)
def sum_(y, a, axis=None, keepdims=False):
    if axis is None and not keepdims:
        t[y] = numpy.sum(t[a])
    else:
        t[y] = numpy.sum(t[a], axis=axis, keepdims=keepdims)


@adjoint(numpy.mean)
def mean(y, a, axis=None, keepdims=False):
    if axis is None and not keepdims:
        d[a] = expand(d[y] / numpy.size(a), a)
    else:
        d[a] = expand_scaled(d[y], a, y, axis, keepdims)


@tangent(numpy.mean)
def mean(y, a, axis=None, keepdims=False):
    if axis is None and not keepdims:
        t[y] = numpy.mean(t[a])
    else:
        t[y] = numpy.mean(t[a], axis=axis, keepdims=keepdims)


@adjoint(numpy.prod)
def prod(y, a, axis=None, keepdims=False):
    d[a] = expand(d[y], a, axis, keepdims) * prod_partials(a, axis, keepdims)


@tangent(numpy.prod)
def prod(y, a, axis=None, keepdims=False):
    t[y] = numpy.sum(t[a] * prod_partials(a, axis, keepdims), axis=axis, keepdims=keepdims)


# ties split evenly: each of k tied maxima gets 1/k of the adjoint
@adjoint(numpy.max, numpy.min, numpy.amax, numpy.amin, numpy.nanmax, numpy.nanmin)
def max_(y, a, axis=None, keepdims=False):
    d[a] = expand(d[y], a, axis, keepdims) * extremum_weights(a, y, axis, keepdims)


@tangent(numpy.max, numpy.min, numpy.amax, numpy.amin)
def max_(y, a, axis=None, keepdims=False):
    t[y] = numpy.sum(t[a] * extremum_weights(a, y, axis, keepdims), axis=axis, keepdims=keepdims)


# the NaN-ignoring functions: an entry they drop gets exactly 0, even where its tangent is NaN data
@tangent(numpy.nanmax, numpy.nanmin)
def nanmax(y, a, axis=None, keepdims=False):
    t[y] = numpy.sum(strong_mul(extremum_weights(a, y, axis, keepdims), t[a]), axis=axis, keepdims=keepdims)


@adjoint(numpy.ptp)
def ptp(y, a, axis=None, keepdims=False):
    d[a] = expand(d[y], a, axis, keepdims) * ptp_weights(a, axis)


@tangent(numpy.ptp)
def ptp(y, a, axis=None, keepdims=False):
    t[y] = numpy.sum(t[a] * ptp_weights(a, axis), axis=axis, keepdims=keepdims)


@adjoint(numpy.var)
def var(y, a, axis=None, ddof=0, keepdims=False):
    d[a] = expand(numpy.real(d[y]), a, axis, keepdims) * (2.0 / (reduced_count(a, y) - ddof)) * centered(a, axis)


@tangent(numpy.var)
def var(y, a, axis=None, ddof=0, keepdims=False):
    t[y] = numpy.real(numpy.sum(t[a] * centered(a, axis), axis=axis, keepdims=keepdims)) * (
        2.0 / (reduced_count(a, y) - ddof))


# a constant input has std 0 and a zero gradient (not 0 / 0)
@adjoint(numpy.std)
def std(y, a, axis=None, ddof=0, keepdims=False):
    d[a] = expand(numpy.real(d[y]) / safe_divisor(y), a, axis, keepdims) * centered(a, axis) / (
        reduced_count(a, y) - ddof)


@tangent(numpy.std)
def std(y, a, axis=None, ddof=0, keepdims=False):
    t[y] = numpy.real(numpy.sum(t[a] * centered(a, axis), axis=axis, keepdims=keepdims)) / (
        (reduced_count(a, y) - ddof) * safe_divisor(y))


@adjoint(numpy.nansum)
def nansum(y, a, axis=None, keepdims=False):
    d[a] = expand(d[y], a, axis, keepdims) * not_nan(a)


@tangent(numpy.nansum)
def nansum(y, a, axis=None, keepdims=False):
    t[y] = numpy.sum(strong_mul(not_nan(a), t[a]), axis=axis, keepdims=keepdims)


@adjoint(numpy.nanmean)
def nanmean(y, a, axis=None, keepdims=False):
    d[a] = expand(d[y], a, axis, keepdims) * nanmean_weights(a, axis)


@tangent(numpy.nanmean)
def nanmean(y, a, axis=None, keepdims=False):
    t[y] = numpy.sum(strong_mul(nanmean_weights(a, axis), t[a]), axis=axis, keepdims=keepdims)


@adjoint(numpy.nanprod)
def nanprod(y, a, axis=None, keepdims=False):
    d[a] = expand(d[y], a, axis, keepdims) * prod_partials(numpy.where(numpy.isnan(a), 1.0, a), axis,
                                                           keepdims) * not_nan(a)


@tangent(numpy.nanprod)
def nanprod(y, a, axis=None, keepdims=False):
    t[y] = numpy.sum(strong_mul(not_nan(a), t[a] * prod_partials(numpy.where(numpy.isnan(a), 1.0, a), axis,
                                                                  keepdims)), axis=axis, keepdims=keepdims)


@adjoint(numpy.nanvar)
def nanvar(y, a, axis=None, ddof=0, keepdims=False):
    d[a] = expand(numpy.real(d[y]), a, axis, keepdims) * nan_centered(a, a, axis) * (2.0 / (nan_count(a, axis) - ddof))


@tangent(numpy.nanvar)
def nanvar(y, a, axis=None, ddof=0, keepdims=False):
    t[y] = numpy.real(numpy.sum(strong_mul(nan_centered(a, a, axis), t[a]) * (2.0 / (nan_count(a, axis) - ddof)),
                                axis=axis, keepdims=keepdims))


@adjoint(numpy.nanstd)
def nanstd(y, a, axis=None, ddof=0, keepdims=False):
    d[a] = expand(numpy.real(d[y]) / safe_divisor(y), a, axis, keepdims) * nan_centered(a, a, axis) / (
        nan_count(a, axis) - ddof)


@tangent(numpy.nanstd)
def nanstd(y, a, axis=None, ddof=0, keepdims=False):
    t[y] = numpy.real(numpy.sum(strong_mul(nan_centered(a, a, axis), t[a]) / (nan_count(a, axis) - ddof),
                                axis=axis, keepdims=keepdims)) / safe_divisor(y)


# without weights: the mean; with weights: sum(a * w) / sum(w) along axis (weights differentiable)
@adjoint(numpy.average)
def average(y, a, axis=None, weights=None, returned=False, keepdims=False):
    if weights is None:
        if axis is None and not keepdims:
            d[a] = expand(d[y] / numpy.size(a), a)
        else:
            d[a] = expand_scaled(d[y], a, y, axis, keepdims)
    else:
        wb = weights_like(weights, a, axis)
        total = numpy.sum(wb, axis=axis, keepdims=True)
        g = expand(d[y], a, axis, keepdims)
        d[a] = g * wb / total
        d[weights] = weights_back(g * (a - expand(y, a, axis, keepdims)) / total, weights, a, axis)


@tangent(numpy.average)
def average(y, a, axis=None, weights=None, returned=False, keepdims=False):
    if weights is None:
        t[y] = numpy.mean(t[a], axis=axis, keepdims=keepdims)
    else:
        wb = weights_like(weights, a, axis)
        total = numpy.sum(wb, axis=axis, keepdims=True)
        t[y] = numpy.sum((t[a] * wb + weights_like(t[weights], a, axis) * (a - expand(y, a, axis, keepdims))) / total,
                         axis=axis, keepdims=keepdims)


@adjoint(numpy.median)
def median(y, a, axis=None, overwrite_input=False, keepdims=False):
    d[a] = expand(d[y], a, axis, keepdims) * median_weights(a, axis)


@tangent(numpy.median)
def median(y, a, axis=None, overwrite_input=False, keepdims=False):
    t[y] = numpy.sum(t[a] * median_weights(a, axis), axis=axis, keepdims=keepdims)


def _average_check(args):
    if args.get("returned") not in (None, False):
        return ("srcdiff differentiates numpy.average only with returned=False",
                "Compute the sum of weights separately: numpy.sum(weights).")
    return None


def _median_check(args):
    if args.get("overwrite_input") not in (None, False):
        return ("srcdiff cannot differentiate numpy.median(..., overwrite_input=True): it destroys its input",
                "Drop overwrite_input=True.")
    return None


refuse_unless(numpy.average, _average_check)
refuse_unless(numpy.median, _median_check)

shapes(reduce=(numpy.sum, numpy.mean, numpy.prod, numpy.max, numpy.min, numpy.amax, numpy.amin, numpy.var,
               numpy.std, numpy.nansum, numpy.nanmean, numpy.nanprod, numpy.nanmax, numpy.nanmin, numpy.nanvar,
               numpy.nanstd, numpy.average, numpy.ptp, numpy.median))
