"""Helpers that generated code calls: broadcasting adjoints, zeros of a structure, scatter-add."""
from __future__ import annotations

import copy as _copy

import numpy

from ..hints import T as _T

_ndarray = numpy.ndarray
_zeros = numpy.zeros
_SCALARS = (float, int, complex, bool)


def shape_of(x):
    """``numpy.shape`` with a fast path for arrays and Python numbers."""
    if type(x) is _ndarray:
        return x.shape
    if type(x) in _SCALARS:
        return ()
    return numpy.shape(x)


def unbroadcast(g, x):
    """The adjoint of broadcasting: sum ``g`` down to (or spread it up to) the shape of ``x``."""
    target = x.shape if type(x) is _ndarray else shape_of(x)
    gshape = g.shape if type(g) is _ndarray else shape_of(g)
    if gshape == target:
        return g
    lead = len(gshape) - len(target)
    if lead > 0 and gshape[lead:] == target:  # the common case: a bias added to every row
        return g.sum(axis=tuple(range(lead)))
    if lead < 0 or any(n == 1 and m != 1 for n, m in zip(gshape[::-1], target[::-1])):
        g = numpy.broadcast_to(g, numpy.broadcast_shapes(gshape, target))
        gshape = g.shape
        lead = len(gshape) - len(target)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(target) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if g.shape != target:
        g = numpy.broadcast_to(g, target)
    return g


def expand(g, x, axis=None, keepdims=False):
    """Adjoint of a reduction over ``axis``: put the reduced axes back and broadcast to ``x``."""
    target = shape_of(x)
    if axis is not None and not keepdims:
        g = numpy.expand_dims(g, _axes(axis, len(target)))
    return numpy.broadcast_to(g, target)


def _axes(axis, ndim):
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(a % ndim for a in axes)


def reduced(x, axis=None, keepdims=False):
    """``x`` with reduced axes kept as length one, to line up with ``expand``'s output."""
    if axis is None or keepdims:
        return x
    return numpy.expand_dims(x, _axes(axis, numpy.ndim(x) + (1 if not isinstance(axis, tuple) else len(axis))))


def popped_adjoint(g, like):
    """An item's adjoint taken off a tape's adjoint, zero where it is None: the item was dropped (a
    bare ``tape.pop()`` differentiated) or was a ``None`` placeholder (whose zero adjoint is None)."""
    if g is not None:
        return g
    return 0.0 if like is None else zeros_like(like)


def zeros_like(x):
    """A zero gradient shaped like ``x``: 0.0 for numbers, arrays of zeros, same containers."""
    t = type(x)
    if t is _ndarray:  # first, and the dtype passed by position: the common case costs 0.1 us less
        dtype = x.dtype
        return _zeros(x.shape, dtype if dtype.kind in "fc" else float)
    if t is float or t is int or t is bool:
        return 0.0
    if t is list or t is tuple:  # adjoints of containers are lists, so they can be added into
        return [zeros_like(v) for v in x]
    if t is dict:
        return {k: zeros_like(v) for k, v in x.items()}
    if t is complex:
        return 0j
    if x is None or isinstance(x, (str, bytes)):
        return None
    if isinstance(x, numpy.generic):
        return x.dtype.type(0) if x.dtype.kind in "fc" else 0.0
    if isinstance(x, (list, tuple)):  # a named tuple, such as numpy.linalg.qr's result
        return [zeros_like(v) for v in x]
    return numpy.zeros_like(x, dtype=float)


def as_sequence(x):
    """What a ``for`` loop iterates over, as something with ``len`` and indexing."""
    if type(x) in (list, tuple, _ndarray, range):
        return x
    return list(x)


def raise_error(exc, *args, **kwargs):
    """``raise exc(*args, **kwargs)``, or ``raise exc`` for an exception object: how the code keeps a
    ``raise`` or a failed ``assert`` of the user's function (front.syntax lowers both to a call)."""
    raise exc(*args, **kwargs) if isinstance(exc, type) else exc


def raise_from(exc, cause):
    """``raise exc from cause``."""
    raise exc from cause


def format_text(template, *values):
    """An f-string: ``f"n = {n!r:>4}"`` is ``format_text("n = {!r:>4}", n)``."""
    return template.format(*values)


def own_list(g):
    """A list of its own for the adjoint of a list that is appended to (the reverse sweep pops it):
    a copy of a list, or the rows of an array (the adjoint NumPy gives a list it read as an array)."""
    return list(g)


def basic_index(index):
    if isinstance(index, (int, slice, type(Ellipsis), type(None), numpy.integer)):
        return True
    if isinstance(index, tuple):
        return all(isinstance(i, (int, slice, type(Ellipsis), type(None), numpy.integer)) for i in index)
    return False


def add(a, b):
    """``a + b`` for adjoints that may be containers (lists, tuples, dicts of adjoints)."""
    ta = type(a)
    if ta is list or ta is tuple or (ta is not _ndarray and isinstance(a, tuple)):
        return [add(x, y) for x, y in zip(a, b)]
    if ta is dict:
        return {k: add(a[k], b[k]) if k in b else a[k] for k in a}
    if a is None:
        return b
    if b is None:
        return a
    try:
        return a + b
    except TypeError:
        if ta is float and a == 0.0 and type(b) in (list, tuple, dict):  # a slot a store's adjoint zeroed
            return dict(b) if type(b) is dict else list(b)
        raise


def add_at(target, index, value):
    """``target[index] += value`` in place, adding repeated fancy indices up correctly."""
    t = type(target)
    if t is list or t is dict:
        if t is list and type(index) is slice:
            target[index] = add(target[index], value)
        else:
            target[index] = add(target[index], value)
    else:
        if type(target) is numpy.ndarray and target.dtype.kind != "c" and numpy.iscomplexobj(value):
            value = numpy.real(value)  # a real array's adjoint is real: Re pairs with a real change
        if basic_index(index):
            target[index] += value
        else:
            numpy.add.at(target, index, value)
    return target


def first_at(target, index, value, keep):
    """``add_at(target, index, value)`` where ``target[index]`` still holds the zeros ``zeros_like`` made
    (optimize/first_writes.py proves it): the parts of ``value`` that ``keep`` marks (new arrays that
    nothing else holds) become the slot's as they are where they have the zeros' shape and dtype,
    instead of being added to the zeros; the rest is added as ``add`` does. (``0.0 + v`` is ``v``
    but for the sign of a zero.)"""
    if type(target) is not list:
        return add_at(target, index, value)
    zero = target[index]
    if type(value) is tuple and type(zero) is list:
        target[index] = [_first(z, v, k) for z, v, k in zip(zero, value, keep)]
    else:
        target[index] = _first(zero, value, keep if type(value) is not tuple else False)
    return target


def _first(zero, value, keep):
    if keep and type(value) is _ndarray and type(zero) is _ndarray and value.shape == zero.shape and \
            value.dtype == zero.dtype and value.base is None and value.flags.writeable:
        return value
    return add(zero, value)


def real_for(target, value):
    """``value``, or its real part when ``target`` (an adjoint array written in place) is real: a
    real array's adjoint is real, also where complex values made it (``d_a[1:3] += d_z * 1j``)."""
    if type(target) is numpy.ndarray and target.dtype.kind != "c" and numpy.iscomplexobj(value):
        return numpy.real(value)
    return value


_NO_OPERAND = object()


def spare(a, other=_NO_OPERAND):
    """``a`` as the output buffer of an elementwise operation on ``a`` (and ``other``), or None
    (a new array) when writing into it could change the result: ``a`` is not a float or complex
    array owning its memory, or the result's shape or dtype differs from ``a``'s. Generated code
    passes only temporaries that nothing reads afterwards."""
    if type(a) is not _ndarray or a.base is not None or not a.flags.writeable or a.dtype.kind not in "fc":
        return None
    if other is not _NO_OPERAND:
        try:
            shape = other.shape if type(other) is _ndarray else shape_of(other)
            if shape != a.shape and numpy.broadcast_shapes(a.shape, shape) != a.shape:
                return None
            if numpy.result_type(a, other) != a.dtype:
                return None
        except (TypeError, ValueError):
            return None
    return a


def snapshot(value):
    """A copy of the part of an array about to be overwritten (other values as they are)."""
    if type(value) is _ndarray or isinstance(value, numpy.generic):
        return value.copy()
    return value


def detached(value):
    """``value`` with every array in it copied: a result the reverse sweep must not restore."""
    if isinstance(value, _ndarray):
        return value.copy()
    if isinstance(value, tuple):
        items = [detached(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)  # namedtuples
    if isinstance(value, (list, dict)):
        out = _copy.copy(value)  # keeps the subclass and its attributes
        for k in (range(len(out)) if isinstance(out, list) else list(out)):
            out[k] = detached(out[k])
        return out
    return value


def owned(g):
    """``g`` as an array the caller may modify (a copy when it is a view or read-only)."""
    if type(g) is _ndarray and (not g.flags.writeable or g.base is not None):
        return g.copy()
    return g


def floating(g):
    """``g`` as floating point: a gradient that folding ``1.0 * mask`` left a mask (``d_X = mask``)
    would add up as a logical or, and one of small integers would wrap around."""
    t = type(g)
    if t is _ndarray:
        return g if g.dtype.kind in "fc" else g.astype(float)
    if t is bool or t is int or isinstance(g, (numpy.integer, numpy.bool_)):
        return float(g)
    return g


def stop_gradient(x: _T) -> _T:
    """``x`` itself, but treated as a constant by differentiation.

    >>> import numpy as np, srcdiff
    >>> def f(x):
    ...     return np.sum(x * srcdiff.stop_gradient(x))
    >>> srcdiff.grad(f)(np.array([3.0]))
    array([3.])
    """
    return x


def private_copy(x):
    """A copy of an argument the function writes into, so the caller's value never changes."""
    t = type(x)
    if t is _ndarray:
        return x.copy()
    if t is list:
        return list(x)
    if t is dict:
        return dict(x)
    return x


def dict_copy(m):
    """``dict(m)`` read as a copy of the dict ``m`` (``front/copies.py``): a new dict, the same values."""
    if type(m) is not dict:
        from ..errors import NonDifferentiableError
        raise NonDifferentiableError(
            "srcdiff differentiates `dict(m)` as a copy of a dict `m`, but `m` is a %s here. Build the dict "
            "with a comprehension (`{k: v for k, v in pairs}`) or call `m.copy()` on a dict." % type(m).__name__)
    return dict(m)


def join_sequences(a, b):
    """``a + b`` of two lists or two tuples (``hs = hs + [h]``; ``lower/joins.py``)."""
    return a + b


def join_tangents(a, b):
    """The tangent of ``join_sequences(a, b)``: a list, as tangents of containers are (a tuple's
    tangent may be a tuple display or the list ``zeros_like`` makes)."""
    return list(a) + list(b)


def head_of(g, a):
    """The part of the adjoint of ``a + b`` that belongs to ``a``."""
    return g[:len(a)]


def tail_of(g, a):
    """The part of the adjoint of ``a + b`` that belongs to ``b``."""
    return g[len(a):]


def require_scalar(value, name):
    """Stop before the reverse sweep when a function given to ``grad`` returned no scalar."""
    if type(value) is float or getattr(value, "ndim", None) == 0 or isinstance(value, (int, numpy.number)):
        return
    from ..errors import NonDifferentiableError
    shape = numpy.shape(value) if hasattr(value, "shape") else None
    what = "an array of shape %s" % (shape,) if shape is not None else "a %s" % type(value).__name__
    raise NonDifferentiableError(
        "srcdiff.grad needs %s to return a scalar, but it returned %s. Reduce the output to a scalar "
        "(for example with .sum()), or use srcdiff.vjp(%s) to pull back a cotangent shaped like the output."
        % (name, what, name))


def where(fun):
    """" (file:line)" of a function's definition, for messages; empty when it has no code object."""
    code = getattr(fun, "__code__", None)
    return " (%s:%d)" % (code.co_filename, code.co_firstlineno) if code is not None else ""


def complex_output_error(name, value):
    from ..errors import NonDifferentiableError
    return NonDifferentiableError(
        "srcdiff.grad needs %s to return a real number, but it returned the complex number %r: a complex output "
        "has no gradient. Differentiate a real function of it: return np.real(...) or np.abs(...) ** 2 of the "
        "result, or use srcdiff.vjp to pull back a (complex) cotangent" % (name, complex(value)))


def require_real(value, name):
    """Stop before the reverse sweep when a function given to ``grad`` returned a complex number
    (in code that is differentiated again, where no caller checks the output)."""
    if numpy.iscomplexobj(value):
        raise complex_output_error(name, value)


class _Label:
    def __init__(self, name):
        self.__qualname__ = name


def require_float(value, name, label):
    """Refuse an int or bool argument a gradient is taken with respect to, as the call of ``grad``
    does (in code that is differentiated again, where that call is not made)."""
    t = type(value)
    if t is float or t is numpy.ndarray and value.dtype.kind in "fc":
        return
    from ..arguments import check_differentiable
    check_differentiable(value, name, _Label(label))


def require_pair(value, name):
    """With ``has_aux=True`` the function must return ``(loss, aux)``."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return
    from ..errors import NonDifferentiableError
    raise NonDifferentiableError(
        "with has_aux=True, %s must return a pair (loss, aux), but it returned %s. Return `loss, aux`, "
        "or leave has_aux out." % (name, "a %s of %d items" % (type(value).__name__, len(value))
                                   if isinstance(value, (tuple, list)) else "a %s" % type(value).__name__))


def broadcast_like(value, x):
    """``value`` broadcast to the shape of ``x`` (a tangent whose operands' tangents were zero)."""
    target = shape_of(x)
    if shape_of(value) == target:
        return value
    return numpy.broadcast_to(value, target)


def reduce_like(g, x, axis=None, keepdims=False):
    """Adjoint of ``expand``: sum ``g`` over the axes ``expand`` broadcast along, to ``x``'s shape."""
    if axis is None:
        return unbroadcast(g, x)
    summed = numpy.sum(g, axis=axis, keepdims=True)
    return summed if keepdims else numpy.reshape(summed, shape_of(x))


def written_part(g, index):
    """The adjoint of the values ``y[index] = v`` wrote: ``g[index]``, except that an entry a
    repeated index overwrote later gets nothing (NumPy keeps the last write)."""
    if basic_index(index) or type(g) is not _ndarray:
        return snapshot(g[index])
    part = numpy.array(g[index], copy=True)
    arrays = index if isinstance(index, tuple) else (index,)
    if all(getattr(a, "dtype", None) is not None and a.dtype == bool for a in arrays
           if not isinstance(a, (int, slice, type(Ellipsis), type(None), numpy.integer))):
        return part  # boolean masks never repeat an entry
    # write each position's number through the index and read it back: where another number
    # comes back, a later position overwrote this one
    order = numpy.arange(part.size).reshape(part.shape)
    marks = numpy.full(g.shape, -1)
    marks[index] = order
    part[marks[index] != order] = 0
    return part


def total(g):
    """The sum of ``g``: the adjoint of one number written into several entries (``y[1] = s``)."""
    if type(g) is _ndarray:
        return g.sum()
    return g


MISSING = object()


def saved_at(container, key):
    """``container[key]`` before a write (a marker when a dict has no such key yet)."""
    if type(container) is dict and key not in container:
        return MISSING
    return snapshot(container[key])


def restore_at(container, key, old):
    """Undo a write recorded by ``saved_at``."""
    if old is MISSING:
        del container[key]
    else:
        container[key] = old


def broadcast_count(y, x):
    """How many entries of ``y`` each entry of ``x`` was broadcast to (1.0 when shapes agree), as
    a float: it seeds adjoints, which later sums may update in place."""
    ny = y.size if type(y) is _ndarray else numpy.size(y)
    nx = x.size if type(x) is _ndarray else numpy.size(x)
    return float(ny // nx) if nx else 0.0
