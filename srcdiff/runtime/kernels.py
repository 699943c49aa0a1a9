"""Numeric helpers called by rule templates whose formula depends on ranks or needs care."""
from __future__ import annotations

import numpy

from ..errors import NonDifferentiableError
from .helpers import expand, reduced, unbroadcast

_ndarray = numpy.ndarray


def matmul_lhs(g, a, b):
    """Adjoint of ``a @ b`` with respect to ``a`` for any ranks (1-D operands promoted)."""
    if type(a) is _ndarray and type(b) is _ndarray:  # fast paths for matrices and vectors
        if b.ndim == 2 and a.ndim == 2:
            return g @ b.T
        if b.ndim == 1 and a.ndim == 2:
            return numpy.multiply.outer(g, b)
        if b.ndim == 2 and a.ndim == 1:
            return b @ g
    a, b = _operands(a, b)
    if numpy.ndim(b) == 1:
        if numpy.ndim(a) == 1:
            return g * b
        return numpy.multiply.outer(g, b) if numpy.ndim(g) else g * b
    if numpy.ndim(a) == 1:
        return unbroadcast(numpy.matmul(b, numpy.expand_dims(g, -1))[..., 0], a)
    return unbroadcast(numpy.matmul(g, numpy.swapaxes(b, -1, -2)), a)


def matmul_rhs(g, a, b):
    """Adjoint of ``a @ b`` with respect to ``b`` for any ranks (1-D operands promoted)."""
    if type(a) is _ndarray and type(b) is _ndarray:
        if a.ndim == 2 and b.ndim == 2:
            return a.T @ g
        if a.ndim == 2 and b.ndim == 1:
            return g @ a
        if a.ndim == 1 and b.ndim == 2:
            return numpy.multiply.outer(a, g)
    a, b = _operands(a, b)
    if numpy.ndim(a) == 1:
        if numpy.ndim(b) == 1:
            return g * a
        return unbroadcast(numpy.multiply.outer(a, g) if numpy.ndim(g) == 1
                           else numpy.expand_dims(a, -1) * numpy.expand_dims(g, -2), b)
    if numpy.ndim(b) == 1:
        return unbroadcast(numpy.matmul(numpy.swapaxes(a, -1, -2), numpy.expand_dims(g, -1))[..., 0], b)
    return unbroadcast(numpy.matmul(numpy.swapaxes(a, -1, -2), g), b)


def _operands(a, b):
    """Lists and tuples of numbers (``np.dot([x0, x1], w)``) as arrays, as NumPy reads them."""
    return (numpy.asarray(a) if isinstance(a, (list, tuple)) else a,
            numpy.asarray(b) if isinstance(b, (list, tuple)) else b)


def dot_lhs(g, a, b):
    """Adjoint of ``numpy.dot(a, b)`` with respect to ``a``."""
    a, b = _operands(a, b)
    if numpy.ndim(a) == 0 or numpy.ndim(b) == 0:
        return unbroadcast(g * b, a) if numpy.ndim(a) else numpy.sum(g * b)
    if numpy.ndim(b) <= 2:
        return matmul_lhs(g, a, b)
    # dot(a, b)[i.., j.., m] = sum_k a[i.., k] b[j.., k, m]
    axes_b = [i for i in range(numpy.ndim(b)) if i != numpy.ndim(b) - 2]
    g_axes = list(range(numpy.ndim(a) - 1, numpy.ndim(g)))
    return numpy.tensordot(g, b, (g_axes, axes_b))


def dot_rhs(g, a, b):
    """Adjoint of ``numpy.dot(a, b)`` with respect to ``b``."""
    a, b = _operands(a, b)
    if numpy.ndim(a) == 0 or numpy.ndim(b) == 0:
        return unbroadcast(g * a, b) if numpy.ndim(b) else numpy.sum(g * a)
    if numpy.ndim(b) <= 2:
        return matmul_rhs(g, a, b)
    lead = numpy.ndim(a) - 1
    moved = numpy.tensordot(a, g, (list(range(lead)), list(range(lead))))  # (k, j.., m)
    return numpy.moveaxis(moved, 0, -2)


def tensordot_lhs(g, a, b, axes):
    """Adjoint of ``numpy.tensordot(a, b, axes)`` with respect to ``a``."""
    axes_a, axes_b = _tensordot_axes(a, b, axes)
    free_a = [i for i in range(numpy.ndim(a)) if i not in axes_a]
    free_b = [i for i in range(numpy.ndim(b)) if i not in axes_b]
    g_b = list(range(len(free_a), numpy.ndim(g)))
    out = numpy.tensordot(g, b, (g_b, free_b))  # axes: free_a..., then b's summed axes in b's order
    order = free_a + [axes_a[axes_b.index(k)] for k in sorted(axes_b)]
    return numpy.transpose(out, numpy.argsort(order))


def tensordot_rhs(g, a, b, axes):
    """Adjoint of ``numpy.tensordot(a, b, axes)`` with respect to ``b``."""
    axes_a, axes_b = _tensordot_axes(a, b, axes)
    free_a = [i for i in range(numpy.ndim(a)) if i not in axes_a]
    free_b = [i for i in range(numpy.ndim(b)) if i not in axes_b]
    g_a = list(range(len(free_a)))
    out = numpy.tensordot(a, g, (free_a, g_a))  # axes: a's summed axes in a's order, then free_b...
    order = [axes_b[axes_a.index(k)] for k in sorted(axes_a)] + free_b
    return numpy.transpose(out, numpy.argsort(order))


def inner_lhs(g, a, b):
    """Adjoint of ``numpy.inner(a, b)`` (a sum over the last axes) with respect to ``a``."""
    if numpy.ndim(a) == 0 or numpy.ndim(b) == 0:
        return unbroadcast(g * b, a) if numpy.ndim(a) else numpy.sum(g * b)
    return tensordot_lhs(g, a, b, ([numpy.ndim(a) - 1], [numpy.ndim(b) - 1]))


def inner_rhs(g, a, b):
    """Adjoint of ``numpy.inner(a, b)`` with respect to ``b``."""
    if numpy.ndim(a) == 0 or numpy.ndim(b) == 0:
        return unbroadcast(g * a, b) if numpy.ndim(b) else numpy.sum(g * a)
    return tensordot_rhs(g, a, b, ([numpy.ndim(a) - 1], [numpy.ndim(b) - 1]))


def _tensordot_axes(a, b, axes):
    if isinstance(axes, int):
        na = numpy.ndim(a)
        return list(range(na - axes, na)), list(range(axes))
    axes_a, axes_b = axes
    axes_a = [axes_a] if isinstance(axes_a, int) else list(axes_a)
    axes_b = [axes_b] if isinstance(axes_b, int) else list(axes_b)
    return [x % numpy.ndim(a) for x in axes_a], [x % numpy.ndim(b) for x in axes_b]


def prod_partials(a, axis=None, keepdims=False):
    """d prod(a) / d a: the product of the other entries, exact where ``a`` has zeros."""
    a = numpy.asarray(a)
    if axis is None:
        flat = a.reshape(-1)
        return _exclusive_products(flat, 0).reshape(a.shape)
    if isinstance(axis, tuple):
        moved = numpy.moveaxis(a, axis, tuple(range(-len(axis), 0)))
        shape = moved.shape
        flat = moved.reshape(shape[: -len(axis)] + (-1,))
        part = _exclusive_products(flat, -1).reshape(shape)
        return numpy.moveaxis(part, tuple(range(-len(axis), 0)), axis)
    return _exclusive_products(a, axis)


def _exclusive_products(a, axis):
    a = numpy.moveaxis(a, axis, -1)
    ones = numpy.ones(a.shape[:-1] + (1,), dtype=a.dtype)
    left = numpy.cumprod(numpy.concatenate([ones, a[..., :-1]], axis=-1), axis=-1)
    right = numpy.cumprod(numpy.concatenate([ones, a[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return numpy.moveaxis(left * right, -1, axis)


def extremum_weights(a, y, axis=None, keepdims=False):
    """Where ``a`` attains its max/min ``y`` along ``axis``, 1/(number of ties); elsewhere 0."""
    hit = a == reduced(y, axis, keepdims)
    count = numpy.sum(hit, axis=axis, keepdims=True)
    return hit / count


def expand_scaled(g, a, y, axis=None, keepdims=False):
    """``expand`` of ``g`` divided by the number of entries each output averaged (for mean)."""
    count = numpy.size(a) // max(numpy.size(y), 1)
    return expand(g / count, a, axis, keepdims)


def centered(a, axis=None):
    """``a`` minus its mean over ``axis`` (kept dims), for var and std; conjugated for complex ``a``,
    since d|c|^2 = 2 Re(conj(c) dc) (see ``numpy_complex``)."""
    c = a - numpy.mean(a, axis=axis, keepdims=True)
    return numpy.conj(c) if numpy.iscomplexobj(c) else c


def reduced_count(a, y):
    """How many entries of ``a`` went into each entry of the reduction ``y``."""
    return numpy.size(a) // max(numpy.size(y), 1)


def diff_adjoint(g, n=1, axis=-1):
    """Adjoint of ``numpy.diff(a, n, axis)``: the negative diff of ``g`` padded with zeros."""
    for _ in range(n):
        pad = [(0, 0)] * numpy.ndim(g)
        pad[axis] = (1, 1)
        g = -numpy.diff(numpy.pad(g, pad), axis=axis)
    return g


def cumsum_adjoint(g, a, axis=None):
    """Adjoint of ``numpy.cumsum``: reversed cumulative sum, reshaped like ``a``."""
    if axis is None:
        return numpy.flip(numpy.cumsum(numpy.flip(g))).reshape(numpy.shape(a))
    return numpy.flip(numpy.cumsum(numpy.flip(g, axis), axis=axis), axis)


def trace_adjoint(g, a, offset=0, axis1=0, axis2=1):
    """Adjoint of ``numpy.trace``: ``g`` placed on the chosen diagonal."""
    out = numpy.zeros(numpy.shape(a), dtype=numpy.result_type(g, float))
    diag = numpy.diagonal(out, offset, axis1, axis2)
    diag.setflags(write=True)
    diag[...] = numpy.expand_dims(g, -1) if numpy.ndim(g) else g
    return out


def diag_adjoint(g, v, k=0):
    """Adjoint of ``numpy.diag``: extract the diagonal of g, or place g back on one."""
    if numpy.ndim(v) == 1:
        return numpy.diagonal(g, k).copy()
    out = numpy.zeros(numpy.shape(v), dtype=numpy.result_type(g, float))
    i = numpy.arange(numpy.size(g))
    out[i + max(-k, 0), i + max(k, 0)] = g
    return out


def split_like(g, parts, axis=0):
    """Cut ``g`` along ``axis`` into pieces shaped like the concatenated ``parts``."""
    if axis is None:  # the parts were flattened first
        sizes = numpy.cumsum([numpy.size(p) for p in parts])[:-1]
        return [piece.reshape(numpy.shape(p)) for piece, p in zip(numpy.split(g, sizes), parts)]
    sizes = numpy.cumsum([numpy.shape(p)[axis] for p in parts])[:-1]
    return numpy.split(g, sizes, axis=axis)


def unstack(g, axis=0):
    """Adjoint of ``numpy.stack``: one slice of ``g`` per stacked input."""
    return [numpy.take(g, i, axis=axis) for i in range(numpy.shape(g)[axis])]


def transpose_inverse(axes):
    """Axes that undo ``numpy.transpose(a, axes)`` (None stays None; negative axes allowed)."""
    if axes is None:
        return None
    n = len(axes)
    return tuple(int(i) for i in numpy.argsort([a % n for a in axes]))


def det_adjoint(g, a, y):
    """Adjoint of ``numpy.linalg.det``: g * det(a) * inv(a)^T, batched over leading axes."""
    scale = numpy.expand_dims(g * y, (-1, -2))
    return scale * numpy.swapaxes(numpy.linalg.inv(a), -1, -2)


def solve_adjoint_a(g, y):
    """Adjoint of ``numpy.linalg.solve(a, b)`` with respect to ``a``, given g = solve(a^T, d_y)."""
    if numpy.ndim(y) == 1:
        return -numpy.multiply.outer(g, y)
    return -numpy.matmul(g, numpy.swapaxes(y, -1, -2))


def refuse(value, message):
    """Raise NonDifferentiableError(message); a call instead of a ``raise`` statement, so that srcdiff
    can differentiate the kernel that makes it (a second derivative transforms kernels' source)."""
    raise NonDifferentiableError(message)


def astype(a, dtype, copy=True):
    """``a.astype(dtype)``, as a function a rule can be registered for."""
    return a.astype(dtype, copy=copy)


def item(a):
    """``a.item()``, as a function a rule can be registered for."""
    return a.item()


def astype_adjoint(g, a, y):
    """Gradient through a cast: passed on for float results, zero for integer or bool ones; real
    when the input or the result is real (see ``numpy_complex``)."""
    if numpy.asarray(y).dtype.kind in "fc":
        if numpy.iscomplexobj(g) and not (numpy.iscomplexobj(a) and numpy.iscomplexobj(y)):
            g = numpy.real(g)
        return numpy.asarray(g).astype(numpy.result_type(a, float), copy=False)
    return numpy.zeros(numpy.shape(a))


def fan_out(g, items):
    """Adjoint of ``sum(items)``: ``g`` summed down to the shape of each item (the rows of an
    array, which builtin ``sum`` adds up, make an array again)."""
    parts = [unbroadcast(g, item) for item in items]
    if isinstance(items, numpy.ndarray):
        return numpy.array(parts, dtype=numpy.result_type(g, items)).reshape(items.shape)
    return parts


def array_adjoint(g, obj):
    """Adjoint of ``numpy.array(obj)``: rows of ``g`` for a list or tuple, else ``g`` itself."""
    if isinstance(obj, (list, tuple)):
        return [array_adjoint(row, item) for row, item in zip(g, obj)]
    return g


def pick_adjoint(g, items, y):
    """Adjoint of builtin ``max(items)``/``min(items)``: ``g`` for the first item equal to the result."""
    out = [0.0] * len(items)
    for i, item in enumerate(items):
        if numpy.all(item == y):
            out[i] = g
            break
    return numpy.array(out) if isinstance(items, _ndarray) else out


def pick_tangent(t, items, y):
    """Tangent of builtin ``max(items)``/``min(items)``: the tangent of the first item equal to the result."""
    for i, item in enumerate(items):
        if numpy.all(item == y):
            return t[i]
    return 0.0


def dict_values(mapping):
    """``mapping.values()`` as a list (what a loop over it sees)."""
    return list(mapping.values())


def dict_items(mapping):
    """``mapping.items()`` as a list of (key, value) pairs."""
    return list(mapping.items())


def dict_keys(mapping):
    """``mapping.keys()`` as a list."""
    return list(mapping.keys())


def values_adjoint(g, d):
    """Adjoint of ``d.values()``: the values' adjoints back under their keys."""
    return {k: v for k, v in zip(d, g)}


def items_adjoint(g, d):
    """Adjoint of ``d.items()``: the adjoint of each value back under its key."""
    return {k: pair[1] for k, pair in zip(d, g)}
