"""Numeric helpers for ``numpy.r_`` and ``numpy.c_``, which normalize writes as calls of ``index_join``.

``numpy.r_[a, 0:3, b]`` indexes an object rather than calling a function, so normalization
rewrites it as ``index_join(numpy.r_, a, slice(0, 3, None), b)``. The join is linear in its array
and scalar items; ranges (slices) are constants. The adjoint and tangent apply the same join to
integer labels of the items' entries, which places every entry exactly as NumPy does, whatever the
directive (``'0,2'``, ``'-1'``, ``c_``'s ``'-1,2,0'``) makes of shapes.
"""
import numpy

from ..errors import NonDifferentiableError

CONCATENATORS = (numpy.r_, numpy.c_)
FIX = "Use np.concatenate, np.stack or np.column_stack (with np.arange for ranges) instead."


def is_index_object(obj):
    """Is ``obj`` a NumPy object that computes by being indexed (``np.r_``, ``np.s_``, ``np.mgrid``)?"""
    cls = type(obj)
    return (getattr(cls, "__module__", "") or "").startswith("numpy") and hasattr(cls, "__getitem__") and \
        not callable(obj) and not isinstance(obj, (numpy.ndarray, numpy.generic, type))


def index_join(concatenator, *items):
    """``concatenator[items]``: ``numpy.r_[items]`` or ``numpy.c_[items]``."""
    return concatenator[items]


def directive_problem(item, position):
    """Why srcdiff does not differentiate through the string item ``item`` (None if it does)."""
    if position != 0:
        return "a string inside numpy.r_[...] or numpy.c_[...] must come first"
    parts = item.split(",")
    if len(parts) > 3 or not all(p.strip().lstrip("-").isdigit() for p in parts):
        return ("srcdiff differentiates numpy.r_/numpy.c_ directives of integers only ('0', '-1', '0,2', "
                "'0,2,0'), not %r" % item)
    return None


def _labels(concatenator, items):
    """(the join of integer labels numbering every array or scalar item's entries, -1 for ranges;
    for each item its (first label, shape), None for directives and ranges)."""
    parts, where, start = [], [], 0
    for k, item in enumerate(items):
        if isinstance(item, str):
            problem = directive_problem(item, k)
            if problem:
                raise NonDifferentiableError(problem + ". " + FIX)
            parts.append(item)
            where.append(None)
        elif isinstance(item, slice):
            parts.append(numpy.full(numpy.shape(numpy.r_[item]), -1))
            where.append(None)
        else:
            shape = numpy.shape(item)
            size = int(numpy.prod(shape))
            parts.append(numpy.arange(start, start + size).reshape(shape))
            where.append((start, shape))
            start += size
    labels = concatenator[tuple(parts)]
    if type(labels) is not numpy.ndarray:  # 'r' and 'c' make a numpy.matrix
        raise NonDifferentiableError("srcdiff does not differentiate numpy.r_/numpy.c_ results that are "
                                     "matrices. " + FIX)
    return labels, where, start


def index_join_adjoint(g, concatenator, items, position):
    """Adjoint of ``index_join(concatenator, *items)`` with respect to ``items[position]``."""
    labels, where, total = _labels(concatenator, items)
    if where[position] is None:
        return None
    g = numpy.asarray(g)
    flat = numpy.zeros(total, dtype=g.dtype)
    mask = labels >= 0
    flat[labels[mask]] = g[mask]
    start, shape = where[position]
    return flat[start:start + int(numpy.prod(shape))].reshape(shape)


def index_join_tangent(concatenator, items, tangents):
    """Tangent of ``index_join``: the items' tangents (zero for ranges) joined the same way."""
    labels, where, total = _labels(concatenator, items)
    pieces = [numpy.ravel(t) if w is not None and t is not None else numpy.zeros(0 if w is None else
                                                                                 int(numpy.prod(w[1])))
              for w, t in zip(where, tangents)]
    flat = numpy.concatenate(pieces + [numpy.zeros(0)])
    out = numpy.zeros(labels.shape, dtype=flat.dtype)
    mask = labels >= 0
    out[mask] = flat[labels[mask]]
    return out


JOIN_KERNELS = (index_join, index_join_adjoint, index_join_tangent)  # generated code passes them np.r_ itself
