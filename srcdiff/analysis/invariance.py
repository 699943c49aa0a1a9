"""Shifts that cancel: values whose derivative is exactly zero because the output ignores them.

The numerically stable softmax subtracts each row's maximum first::

    m = np.max(z, axis=1, keepdims=True)
    s = z - m
    logp = s - np.log(np.sum(np.exp(s), axis=1, keepdims=True))

``logp`` is the same whatever ``m`` holds, as long as ``m`` is constant along axis 1: a shift
``c`` of ``s`` becomes a factor ``e**c`` of ``np.exp(s)`` and of its sum, and the ``log`` turns
it back into ``c``, which cancels. So the derivative with respect to ``m`` is exactly zero, and
the gradient through the maximum (ties, weights, a broadcast) is work that adds rounding errors
to zero. This analysis finds such values; activity analysis treats them as constants.

It follows, statement by statement, what a shift of the candidate does to the values computed
from it: each is shifted by ``n*c`` or scaled by ``e**(n*c)`` (``c`` constant along the axis),
or unchanged. Anything it does not understand (another function, a loop, a branch, a subscript,
a reduction over another axis) means no claim is made.
"""
from __future__ import annotations

from .. import ir
from .shape_rules import constant

_REDUCTIONS = {"numpy.max", "numpy.amax", "numpy.min", "numpy.amin", "numpy.sum", "numpy.mean"}


def zero_gradient_statements(fn_def, classify, arg_ndims=None):
    """Top-level statements of ``fn_def`` whose value the output does not depend on (a set of ids)."""
    body = fn_def.body
    rebound = ir.assignment_counts(body)  # anywhere, loops and branches included
    arg_ndims = {n: d for n, d in (arg_ndims or {}).items() if n not in rebound}  # as they came in
    found = set()
    for i, s in enumerate(body):
        seed = _seed(s, classify)
        if seed is not None and _cancels(body[i + 1:], classify, seed, arg_ndims):
            found.add(id(s))
    return frozenset(found)


class _Seed:
    def __init__(self, name, axis, argument):
        self.name, self.axis, self.argument = name, axis, argument


def _seed(s, classify):
    """A reduction kept as a length-one axis (``keepdims=True``, one constant axis): a value
    constant along that axis, which a shift could stand for."""
    op = classify(s)
    if op.kind != "rule" or op.rule.name not in _REDUCTIONS or not isinstance(op.target, ir.Name):
        return None
    bound = _arguments(op, {"a", "axis", "keepdims"})
    if bound is None or constant(bound.get("keepdims")) is not True:
        return None
    axis = constant(bound.get("axis"))
    if not isinstance(axis, int) or isinstance(axis, bool) or not isinstance(bound.get("a"), ir.Name):
        return None
    return _Seed(op.target.id, axis, bound["a"].id)


def _arguments(op, allowed):
    """The call's arguments by parameter name, or None when it passes any others."""
    bound = op.rule.bind_signature(op.args, op.keywords)
    if not bound or set(bound) - allowed:
        return None
    return bound


def _cancels(rest, classify, seed, arg_ndims):
    """Does every value computed from ``seed`` after it end up not depending on it?"""
    tags = {seed.name: ("shift", 1)}
    for s in rest:
        read = {n.id for n in ir.walk(s) if isinstance(n, ir.Name)} & set(tags)
        op = classify(s)
        if not read:
            for name in op.defines():
                tags.pop(name, None)
        else:
            tag = _transfer(op, tags, seed, arg_ndims) if isinstance(s, ir.Assign) else None
            if tag is None:
                return False  # a use this analysis does not understand: no claim
            if tag[1] == 0:
                tags.pop(op.target.id, None)  # the shift cancelled: the value does not depend on the seed
            else:
                tags[op.target.id] = tag
        if seed.argument in ir.assignment_counts([s]):
            seed.argument = None  # rebound: its number of dimensions may change
    return True  # nothing that depends on the seed is returned or escapes


def _transfer(op, tags, seed, arg_ndims):
    """The tag of the value ``op`` defines, or None when the shift may not cancel through it."""
    if not isinstance(op.target, ir.Name):
        return None
    if op.kind == "copy" and isinstance(op.source, ir.Name):
        return tags.get(op.source.id, ("shift", 0))
    if op.kind != "rule":
        return None
    name = op.rule.name
    if name in _REDUCTIONS:
        bound = _arguments(op, {"a", "axis", "keepdims"})
        if bound is None or constant(bound.get("keepdims")) is not True or constant(bound.get("axis")) != seed.axis:
            return None
        tag = _tag(bound.get("a"), tags)
        # along the axis, a positive factor passes through all of these, a shift through all but the sum
        return tag if tag is not None and (tag[0] == "scale" or name != "numpy.sum") else None
    if op.keywords:
        return None
    tags_in = [_tag(a, tags) for a in op.args]
    if any(t is None for t in tags_in):
        return None
    if any(t[1] == 0 and not _aligned(a, seed, arg_ndims) for a, t in zip(op.args, tags_in)):
        return None  # an operand that could add axes in front and move the shift's axis
    kinds = {t[0] for t in tags_in if t[1] != 0}
    if len(kinds) != 1:
        return None
    (kind,) = kinds
    ns = [t[1] for t in tags_in]
    if name == "numpy.exp" and kind == "shift":
        return ("scale", ns[0])
    if name == "numpy.log" and kind == "scale":
        return ("shift", ns[0])
    if name == "numpy.negative":
        return (kind, -ns[0] if kind == "shift" else ns[0])
    if name in ("numpy.add", "numpy.subtract") and kind == "shift":
        return ("shift", ns[0] + ns[1] if name == "numpy.add" else ns[0] - ns[1])
    if name in ("numpy.multiply", "numpy.true_divide", "numpy.divide") and kind == "scale":
        return ("scale", ns[0] + ns[1] if name == "numpy.multiply" else ns[0] - ns[1])
    return None


def _tag(atom, tags):
    """("shift"|"scale", n) for a name derived from the seed, ("shift", 0) for one that is not;
    None for an operand that is not a name or a number."""
    if isinstance(atom, ir.Name):
        return tags.get(atom.id, ("shift", 0))
    if isinstance(atom, ir.Const) and isinstance(atom.value, (int, float)) and not isinstance(atom.value, bool):
        return ("shift", 0)
    return None


def _aligned(atom, seed, arg_ndims):
    """An operand not derived from the seed cannot move the seed's axis by broadcasting: a number,
    the reduced array itself, an array of no more dimensions, or any array for an axis counted
    from the end."""
    if seed.axis < 0 or isinstance(atom, ir.Const):
        return True
    if atom.id == seed.argument:
        return True
    ndim, seed_ndim = arg_ndims.get(atom.id), arg_ndims.get(seed.argument)
    return ndim is not None and seed_ndim is not None and ndim <= seed_ndim
