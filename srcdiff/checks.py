"""check_grad: compare srcdiff's gradient with central finite differences in float64."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy

from .hints import Function, Wrt


@dataclass
class GradCheckReport:
    """How far srcdiff's gradient is from finite differences, and where it is furthest."""

    max_rel_error: float  # over entries larger than atol (relative error is noise below that)
    max_abs_error: float  # over all entries
    worst: str  # the entry nearest to (or furthest past) its tolerance: argument and index, or a direction
    analytic: float  # srcdiff's value there
    numeric: float  # the finite difference there
    checks: int

    def __str__(self) -> str:
        return ("check_grad: %d comparisons, max relative error %.3g, max absolute error %.3g; worst entry %s: "
                "srcdiff %.10g, finite differences %.10g" % (self.checks, self.max_rel_error, self.max_abs_error,
                                                             self.worst, self.analytic, self.numeric))


def _flatten(x):
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _flatten(item)]
    if isinstance(x, dict):
        return [leaf for k in x for leaf in _flatten(x[k])]
    return [x]


def check_grad(fun: Function, *args: Any, wrt: Wrt | None = None, rtol: float = 1e-5, atol: float = 1e-7,
               eps: float = 1e-6, directions: int = 8, max_full: int = 200, seed: int = 0,
               argnums: Wrt | None = None) -> GradCheckReport:
    """Compare ``srcdiff.grad(fun, wrt=wrt)`` with central finite differences in float64.

    An entry that misses is measured again with steps 10 and 100 times larger before it counts as
    a mismatch: the rounding error of a difference quotient grows with ``|f| / step``, so a
    function with large values (``|f|`` of 1e5) can miss by rounding alone.

    Parameters
    ----------
    fun, wrt, argnums
        As for ``grad``.
    *args
        The arguments to check the gradient at.
    rtol, atol
        A comparison fails when it differs by more than ``atol + rtol * |finite difference|``.
    eps
        The relative step of the finite differences.
    directions, max_full, seed
        Inputs of at most ``max_full`` entries are checked entry by entry; larger ones along
        ``directions`` random directions drawn with ``seed``.

    Returns
    -------
    GradCheckReport
        The largest errors and the worst entry.

    Raises
    ------
    AssertionError
        Naming the worst entry, when any comparison fails.

    Examples
    --------
    >>> import numpy as np, srcdiff
    >>> def f(x):
    ...     return np.sum(np.sin(x))
    >>> report = srcdiff.check_grad(f, np.array([0.1, 0.2]))
    >>> report.max_rel_error < 1e-6
    True
    """
    from .api import Signature, grad
    from .arguments import resolve_wrt
    from .partials import plain
    wrt = resolve_wrt(wrt, argnums)
    fun = plain(fun)
    sig = Signature(fun, wrt)
    args = tuple(_as64(a) for a in args)
    g = grad(fun, wrt=wrt)(*args)
    grads = [g] if sig.single else list(g)
    rng = numpy.random.default_rng(seed)
    tally = _Tally(atol)

    def f_at(pos, leaf_index, value):
        new_args = list(args)
        new_args[pos] = _replace_leaf(args[pos], leaf_index, value)
        return float(numpy.real(fun(*new_args)))

    for pos, name, gi in zip(sig.positions, sig.wrt, grads):
        leaves = _flatten(args[pos])
        gleaves = _flatten(gi)
        total = sum(numpy.size(leaf) for leaf in leaves)
        for li, (leaf, gleaf) in enumerate(zip(leaves, gleaves)):
            leaf_arr = numpy.asarray(leaf, dtype=float)
            g_arr = numpy.asarray(gleaf, dtype=float)
            label_stem = name + _leaf_label(args[pos], li)
            for label, direction in _probes(label_stem, leaf_arr, total <= max_full, directions, rng):
                step = eps * max(1.0, float(numpy.max(numpy.abs(leaf_arr))) if leaf_arr.size else 1.0)

                def difference(step):
                    plus = f_at(pos, li, _like(leaf, leaf_arr + step * direction))
                    minus = f_at(pos, li, _like(leaf, leaf_arr - step * direction))
                    return (plus - minus) / (2 * step)
                analytic = float(numpy.sum(g_arr * direction))
                tally.add(label, analytic, *_numeric(difference, step, analytic, rtol, atol))
    return tally.report()


def _probes(stem, leaf_arr, entrywise, directions, rng):
    """(label, direction) pairs: every entry's unit vector, or ``directions`` random directions."""
    if entrywise:
        return [("%s[%s]" % (stem, ", ".join(map(str, idx))) if leaf_arr.ndim else stem, _unit(leaf_arr.shape, idx))
                for idx in numpy.ndindex(*leaf_arr.shape)]
    return [("%s along random direction %d" % (stem, k), rng.standard_normal(leaf_arr.shape))
            for k in range(directions)]


def _numeric(difference, step, analytic, rtol, atol):
    """(finite difference, its error, the tolerance): at ``step``, or at a 10 or 100 times wider
    step when the first misses and the wider one agrees (rounding in f / step for large |f|)."""
    numeric = difference(step)
    err = abs(analytic - numeric)
    tolerance = atol + rtol * abs(numeric)
    for factor in (10.0, 100.0):
        if err <= tolerance:
            break
        wider = difference(factor * step)
        if abs(analytic - wider) <= atol + rtol * abs(wider):
            numeric, err, tolerance = wider, abs(analytic - wider), atol + rtol * abs(wider)
    return numeric, err, tolerance


class _Tally:
    """The largest errors, the worst comparison and the failures of a gradient check."""

    def __init__(self, atol):
        self.atol = atol
        self.worst = None  # (error / tolerance, label, analytic, numeric)
        self.max_rel = self.max_abs = 0.0
        self.count = 0
        self.failures = []

    def add(self, label, analytic, numeric, err, tolerance):
        size = max(abs(numeric), abs(analytic))
        self.count += 1
        self.max_abs = max(self.max_abs, err) if not numpy.isnan(err) else numpy.nan
        if size > self.atol or numpy.isnan(err):
            self.max_rel = max(self.max_rel, err / size) if not numpy.isnan(err) else numpy.nan
        if numpy.isnan(err):
            ratio = 0.0 if numpy.isnan(analytic) and numpy.isnan(numeric) else numpy.inf
        else:
            ratio = err / tolerance if tolerance > 0 else (numpy.inf if err else 0.0)
        if self.worst is None or ratio > self.worst[0]:
            self.worst = (ratio, label, analytic, numeric)
        if not err <= tolerance and not (numpy.isnan(analytic) and numpy.isnan(numeric)):
            self.failures.append(label)  # a NaN gradient where finite differences are finite fails too

    def report(self):
        if self.worst is None:
            return GradCheckReport(0.0, 0.0, "nothing to check", 0.0, 0.0, 0)
        report = GradCheckReport(self.max_rel, self.max_abs, self.worst[1], self.worst[2], self.worst[3], self.count)
        if self.failures:
            raise AssertionError("gradient mismatch in %d of %d comparisons; %s" % (len(self.failures), self.count,
                                                                                    report))
        return report


def _as64(a):
    if isinstance(a, numpy.ndarray) and a.dtype.kind == "f" and a.dtype != numpy.float64:
        return a.astype(numpy.float64)
    return a


def _unit(shape, idx):
    e = numpy.zeros(shape)
    e[idx] = 1.0
    return e


def _like(original, array):
    if isinstance(original, float):
        return float(array)
    if isinstance(original, numpy.ndarray):
        return array.astype(original.dtype)
    return array


def _leaf_label(tree, index):
    path = _paths(tree)
    return path[index] if index < len(path) else ""


def _paths(tree, prefix=""):
    if isinstance(tree, (list, tuple)):
        return [p for i, item in enumerate(tree) for p in _paths(item, "%s[%d]" % (prefix, i))]
    if isinstance(tree, dict):
        return [p for k in tree for p in _paths(tree[k], "%s[%r]" % (prefix, k))]
    return [prefix]


def _replace_leaf(tree, index, value):
    counter = [0]

    def walk(node):
        if isinstance(node, list):
            return [walk(x) for x in node]
        if isinstance(node, tuple):
            return tuple(walk(x) for x in node)
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        i = counter[0]
        counter[0] += 1
        return value if i == index else node
    return walk(tree)
