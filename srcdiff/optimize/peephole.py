"""Small rewrites of generated straight-line code: one view per slice, constant factors merged,
negations folded into sums.

Before::

    t2 = x[:-1]
    t_t2 = t_x[:-1]
    t_t5 = t_t4 * 2 * t4
    t_t6 = 100.0 * t_t5
    t7 = x[:-1]
    t_t7 = t_x[:-1]
    t_t8 = -t_t7
    t_t9 = t_t8 * 2 * t8

After::

    t2 = x[:-1]
    t_t2 = t_x[:-1]
    t_t6 = 200.0 * t_t4 * t4
    t_t9 = -2 * t_t2 * t8

Each merged factor saves one pass over an array. Slices are shared only for arrays the code never
rebinds (a slice of an array is a view: two views of one array always agree).
"""
from __future__ import annotations

import dataclasses
import math
import numbers

from . import cleanup
from .. import ir
from ..front import syntax
from .block_index import KeptStatements


def share_views(body, arrays):
    """``y = a[s]`` after ``z = a[s]`` in the same block, with ``a`` in ``arrays`` and ``s`` a
    constant index with a slice: uses of ``y`` read ``z``."""
    stores = ir.assignment_counts(body)
    seen, renames, out = {}, {}, []
    for s in body:
        key = _view_key(s, arrays)
        if key is not None and stores.get(s.targets[0].id) == 1:
            if key in seen:
                renames[s.targets[0].id] = seen[key]
                continue
            seen[key] = s.targets[0].id
        elif seen and isinstance(s, ir.Assign):  # ``1 - x[:-1]`` reads the view already taken
            s = ir.Assign(s.targets, _views_read(s.value, seen, arrays), s.line)
        out.append(s)
    return cleanup.renamed(out, renames) if renames else out


def _views_read(e, seen, arrays):
    """``e`` with each constant slice of an array in ``arrays`` already taken replaced by its name."""
    if isinstance(e, ir.Subscript):
        key = _slice_key(e, arrays)
        return ir.Name(seen[key]) if key in seen else e
    if isinstance(e, ir.BinOp):
        return ir.BinOp(e.op, _views_read(e.left, seen, arrays), _views_read(e.right, seen, arrays))
    if isinstance(e, ir.UnaryOp):
        return ir.UnaryOp(e.op, _views_read(e.operand, seen, arrays))
    if isinstance(e, ir.Call):
        return ir.Call(e.func, [_views_read(a, seen, arrays) for a in e.args], e.keywords)
    return e


def _view_key(s, arrays):
    """For ``y = a[s]`` taking a view, the key of that view (see ``_slice_key``)."""
    if not (isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ir.Name)):
        return None
    return _slice_key(s.value, arrays)


def _slice_key(e, arrays):
    """(array, index text) for ``a[s]`` with ``a`` in ``arrays`` and ``s`` a constant index with a
    slice (a view); None for anything else."""
    if not (isinstance(e, ir.Subscript) and isinstance(e.value, ir.Name) and e.value.id in arrays):
        return None
    parts = e.index.elts if isinstance(e.index, ir.Tuple) else [e.index]
    if not any(isinstance(p, ir.Slice) for p in parts) or not all(_constant_part(p) for p in parts):
        return None
    return e.value.id, syntax.unparse(e.index)


def _constant_part(p):
    if isinstance(p, ir.Slice):
        return all(q is None or _constant_part(q) for q in (p.lower, p.upper, p.step))
    if isinstance(p, ir.UnaryOp) and p.op == "-":
        return _constant_part(p.operand)
    return isinstance(p, ir.Const) and (p.value is None or p.value is Ellipsis or isinstance(p.value, int))


def merge_factors(body, temps):
    """A temporary in ``temps`` holding ``-a`` or a product with a constant factor, read once by a
    later product with a constant factor in the same block: one product, constants multiplied."""
    loads, stores = cleanup.uses(body), ir.assignment_counts(body)
    out = KeptStatements()
    for s in body:
        if isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], (ir.Name, ir.Subscript)):
            factors = _factors(s.value)
            if factors is not None and _has_constant(factors):
                k = _last_product_read(out, factors, temps, loads, stores)
                if k is not None and out.untouched_after(k, ir.names_read(out[k].value)):
                    name = out[k].targets[0].id
                    inner = _factors(out[k].value)
                    merged = _product([f for g in factors for f in (inner if _is_name(g, name) else [g])])
                    if not isinstance(merged, ir.Name):  # -(-a) is a new array; a bare `a` would alias it
                        s = ir.Assign(s.targets, merged, s.line)
                        out.delete(k)
        out.append(s)
    return out.statements()


def _last_product_read(out, factors, temps, loads, stores):
    """The number of the last kept statement that ``_single_use_product`` accepts for ``factors``."""
    found = [k for k in (out.defining(f.id) for f in factors if isinstance(f, ir.Name)) if k is not None and
             _single_use_product(out[k], temps, loads, stores, factors) is not None]
    return max(found, default=None)


def fold_negations(body, temps):
    """A temporary in ``temps`` holding ``-a``, read once by the next statements as a term of a
    sum (``b + n * c``): the sum subtracts instead (``b - a * c``), one pass over an array fewer.
    Exact: negating is exact, and ``b + (-x)`` is ``b - x`` in floating point."""
    loads, stores = cleanup.uses(body), ir.assignment_counts(body)
    out = []
    for s in body:
        if isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.value, ir.BinOp) and \
                s.value.op in ("+", "-") and out:
            prev = out[-1]
            if isinstance(prev, ir.Assign) and len(prev.targets) == 1 and isinstance(prev.targets[0], ir.Name) \
                    and isinstance(prev.value, ir.UnaryOp) and prev.value.op == "-" \
                    and isinstance(prev.value.operand, ir.Name) and prev.targets[0].id in temps \
                    and loads.get(prev.targets[0].id) == 1 and stores.get(prev.targets[0].id) == 1:
                folded = _subtracted(s.value, prev.targets[0].id, prev.value.operand)
                if folded is not None:
                    out[-1] = ir.Assign(s.targets, folded, s.line)
                    continue
        out.append(s)
    return out


def _subtracted(e, name, operand):
    """``b + n * c`` as ``b - operand * c`` (and the other signs), where ``n`` is ``-operand``."""
    for term, other, flip in ((e.right, e.left, True), (e.left, e.right, False)):
        factors = _factors(term)
        if factors is None or sum(_is_name(f, name) for f in factors) != 1 or \
                sum(_is_number(f) for f in factors) > 1:  # constants stay as they are: no new rounding
            continue
        if not flip and e.op == "-":
            continue  # ``-n * c - b``: nothing to save
        positive = _product([operand if _is_name(f, name) else f for f in factors])
        op = {"+": "-", "-": "+"}[e.op] if flip else "-"
        return ir.BinOp(op, other, positive)
    return None


def _single_use_product(prev, temps, loads, stores, factors):
    if not (isinstance(prev, ir.Assign) and len(prev.targets) == 1 and isinstance(prev.targets[0], ir.Name)):
        return None
    name = prev.targets[0].id
    if name not in temps or loads.get(name) != 1 or stores.get(name) != 1 or \
            not any(_is_name(f, name) for f in factors):
        return None
    inner = _factors(prev.value)
    return name if inner is not None and _has_constant(inner) else None


def _factors(e):
    """The factors of a product chain (``-a`` is ``-1 * a``); None for anything else."""
    if isinstance(e, ir.UnaryOp) and e.op == "-":
        inner = _factors(e.operand)
        return None if inner is None else [ir.Const(-1)] + inner
    if isinstance(e, ir.BinOp) and e.op == "*":
        left, right = _factors(e.left), _factors(e.right)
        if left is None or right is None:
            return None
        return left + right
    if isinstance(e, ir.Name) or _is_number(e):
        return [e]
    return None


def _product(factors):
    """One constant (where the first constant was) times the other factors, in their order."""
    value, first = 1, None
    for i, f in enumerate(factors):
        if _is_number(f):
            value *= f.value
            first = i if first is None else first
    rest = [f for f in factors if not _is_number(f)]
    if value != 1 or not rest:  # constants only (``2.0 * 0.5``): their product, even when it is 1
        rest.insert(min(first, len(rest)), ir.Const(value))
    expr = rest[0]
    for f in rest[1:]:
        expr = ir.BinOp("*", expr, f)
    return expr


def _is_number(e):
    return isinstance(e, ir.Const) and isinstance(e.value, numbers.Number) and not isinstance(e.value, bool)


def _has_constant(factors):
    return any(_is_number(f) for f in factors)


def _is_name(e, name):
    return isinstance(e, ir.Name) and e.id == name


def _untouched(stmts, names):
    """Nothing in ``stmts`` rebinds or writes into ``names`` (only plain assignments to other names)."""
    names = set(names)
    return all(isinstance(s, ir.Comment) or (isinstance(s, ir.Assign) and len(s.targets) == 1 and
                                             isinstance(s.targets[0], ir.Name) and s.targets[0].id not in names)
               for s in stmts)


def merge_slice_writes(body, allocates, pure_call, floating):
    """``a[k] = A`` then ``a[k] += B`` (or ``-=``, same constant index ``k``) into a fresh array
    ``a`` that nothing else reads or writes in between: one write, ``a[k] = A + B``, at the second
    place. The same sum: the same bits, except where ``a`` has a narrower dtype than ``A`` and ``B``
    (float32 gradients of float64 arithmetic), where it is now rounded once instead of twice.

    ``a`` must come from a call ``allocates`` accepts (``zeros_like(x)``), and every mention of it
    before must be a write into it: then no view of it exists that could be read meanwhile. The
    statements in between may only assign other names with calls ``pure_call`` accepts, so ``A``
    has the same value where it moves. ``floating`` must accept ``A`` or ``B`` (a floating-point value):
    the sum of two masks would be a logical or, of two ``uint8`` arrays wrap around. Saves a view,
    a read and a write of the slice (a microsecond on small arrays): the gradient of ``x[1:]`` and
    ``x[:-1]`` read twice."""
    out = list(body)
    for j, s in enumerate(out):
        key = _write_key(s, "+") or _write_key(s, "-")
        if key is None or key[0] in ir.names_read(s.value):
            continue
        i = _last_mention(out, j, key[0])
        if i is None or _write_key(out[i], None) != key or key[0] in ir.names_read(out[i].value) or \
                not _fresh_before(out, i, key[0], allocates):
            continue
        if not (floating(out[i].value) or floating(s.value)):
            continue
        between = [t for t in out[i + 1:j] if t is not None]
        if not _untouched(between, set(ir.names_read(out[i].value)) | {key[0]}) or \
                not all(pure_call(c) for t in between for c in ir.walk(t) if isinstance(c, ir.Call)):
            continue
        out[j] = ir.Assign([s.target], ir.BinOp(s.op, out[i].value, s.value), s.line)
        out[i] = None
    return [s for s in out if s is not None]


def _write_key(s, op):
    """(array, index text) for ``a[k] = v`` (``op`` None) or ``a[k] op= v`` with a constant ``k``."""
    if op is None and isinstance(s, ir.Assign) and len(s.targets) == 1:
        target = s.targets[0]
    elif op is not None and isinstance(s, ir.AugAssign) and s.op == op:
        target = s.target
    else:
        return None
    if not (isinstance(target, ir.Subscript) and isinstance(target.value, ir.Name)):
        return None
    parts = target.index.elts if isinstance(target.index, ir.Tuple) else [target.index]
    if not all(_constant_part(p) for p in parts):
        return None
    return target.value.id, syntax.unparse(target.index)


def _last_mention(stmts, j, name):
    for i in range(j - 1, -1, -1):
        if stmts[i] is not None and any(isinstance(n, ir.Name) and n.id == name for n in ir.walk(stmts[i])):
            return i
    return None


def _fresh_before(stmts, i, name, allocates):
    """Is ``name`` a new array from ``allocates`` that the statements before ``i`` only write into
    (at constant indices, with values that do not read it)?"""
    for k in range(i - 1, -1, -1):
        s = stmts[k]
        if s is None or not any(isinstance(n, ir.Name) and n.id == name for n in ir.walk(s)):
            continue
        if isinstance(s, ir.Assign) and len(s.targets) == 1 and _is_name(s.targets[0], name):
            return allocates(s.value)
        if (_write_key(s, None) or _write_key(s, "+") or _write_key(s, "-")) is None or \
                name in ir.names_read(s.value):
            return False
    return False


def float_constants(body, floating):
    """Integer constants combined by ``+ - * /`` with a value ``floating`` accepts (one that is
    certainly floating point: derivatives and the values they flow through) written as floats:
    ``-2 * t8`` becomes ``-2.0 * t8``. The same result (NumPy converts the integer to the array's
    type either way), without converting it on every call (0.1 us each)."""
    return [_with_float_constants(s, floating) if isinstance(s, (ir.Assign, ir.AugAssign, ir.Return)) else s
            for s in body]


def _with_float_constants(s, floating):
    if isinstance(s, ir.AugAssign):
        return ir.AugAssign(s.target, s.op, _floated(s.value, floating), s.line)
    if isinstance(s, ir.Return):
        return s if s.value is None else ir.Return(_floated(s.value, floating), s.line)
    return ir.Assign(s.targets, _floated(s.value, floating), s.line)


def _floated(e, floating):
    """``e`` rebuilt with the integer constants of its float arithmetic as floats."""
    if isinstance(e, ir.BinOp):
        chain = (_factors(e) if e.op == "*" else None) or ([e.left, e.right] if e.op in ("+", "-", "*", "/") else None)
        left, right = _floated(e.left, floating), _floated(e.right, floating)
        if chain is not None and any(floating(f) for f in chain if not _is_number(f)):  # ``1.0 / 96`` stays
            left, right = _float_constant(left, e.op == "*"), _float_constant(right, e.op == "*")
        return ir.BinOp(e.op, left, right)
    if isinstance(e, ir.UnaryOp):
        return ir.UnaryOp(e.op, _floated(e.operand, floating))
    if isinstance(e, ir.Call):
        return ir.Call(e.func, [_floated(a, floating) for a in e.args], e.keywords)
    if isinstance(e, ir.Tuple):
        return ir.Tuple([_floated(x, floating) for x in e.elts])
    return e


def _float_constant(e, product):
    """An integer constant as a float; in a product chain (``product``), also one nested in it."""
    if isinstance(e, ir.Const) and type(e.value) is int and abs(e.value) < 2 ** 53:
        return ir.Const(float(e.value))
    if product and isinstance(e, ir.BinOp) and e.op == "*":
        return ir.BinOp("*", _float_constant(e.left, True), _float_constant(e.right, True))
    return e


def factor_powers_of_two(body, temps, floating):
    """A sum of two products with the same constant factor up to sign, a power of two, multiplies
    once: ``-2.0 * a + b * -2.0 * c`` becomes ``-2.0 * (a + b * c)``, one pass over an array fewer.
    A one-use temporary in ``temps`` holding a product is read through (as ``merge_factors`` does).
    Exact: scaling by a power of two commutes with rounding (short of overflow and underflow).
    Only for products of names ``floating`` accepts: ``0.5 * m + 0.5 * n`` of two masks is not
    ``0.5 * (m + n)``, and a constant that meets a ``float32`` array first keeps it ``float32``."""
    loads, stores = cleanup.uses(body), ir.assignment_counts(body)
    out = KeptStatements()
    for s in body:
        if isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.value, ir.BinOp) and \
                s.value.op in ("+", "-"):
            terms, inlined = [], []
            for term in (s.value.left, s.value.right):
                factors = _factors(term)
                if factors is not None and len(factors) == 1 and isinstance(term, ir.Name):
                    k = out.defining(term.id)
                    if k is not None and _single_use_product(out[k], temps, loads, stores, factors) and \
                            out.untouched_after(k, ir.names_read(out[k].value)):
                        factors, inlined = _factors(out[k].value), inlined + [k]
                terms.append(factors)
            factored = _common_power_of_two(terms, s.value.op) if all(
                t is not None and all(_is_number(f) or isinstance(f, ir.Name) and floating(f) for f in t)
                for t in terms) else None
            if factored is not None:
                for k in inlined:
                    out.delete(k)
                s = ir.Assign(s.targets, factored, s.line)
        out.append(s)
    return out.statements()


def _common_power_of_two(terms, op):
    """``c * (A op B)`` for the factor lists of ``c * A`` and ``±c * B``, or None. The constants of
    a term (``-2.0`` may be ``-1 * 2.0``) must all be powers of two: then so is their product."""
    scales = []
    for t in terms:
        constants = [f.value for f in t or () if _is_number(f)]
        if t is None or not constants or not all(_power_of_two(c) for c in constants):
            return None
        scales.append(math.prod(constants))
    c, d = scales
    left, right = ([f for f in t if not _is_number(f)] for t in terms)
    if abs(c) != abs(d) or not left or not right:
        return None
    if c != d:  # ``c * A + (-c) * B`` is ``c * (A - B)``
        op = {"+": "-", "-": "+"}[op]
    inner = ir.BinOp(op, _product(left), _product(right))
    return inner if c == 1 else ir.UnaryOp("-", inner) if c == -1 else ir.BinOp("*", ir.Const(c), inner)


def _power_of_two(c):
    return not isinstance(c, complex) and c != 0 and math.isfinite(c) and math.frexp(abs(c))[0] == 0.5


def floating_derivatives(body, derivatives, is_floating, wrap):
    """Each assignment of a derivative (a name in ``derivatives``) whose value may not be floating
    point (``is_floating`` cannot tell) calls ``wrap`` on it: ``d_X = mask``, left by folding the
    seed ``1.0`` out of ``1.0 * mask``, becomes ``d_X = floating(mask)``, so that later sums add
    numbers instead of or-ing masks or wrapping ``uint8`` arrays around."""
    out = []
    for s in body:
        if isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ir.Name) and \
                s.targets[0].id in derivatives and not is_floating(s.value) and \
                not (isinstance(s.value, ir.List) and not s.value.elts):  # an empty stack of adjoints
            s = ir.Assign(s.targets, ir.Call(wrap, [s.value], []), s.line)
        elif isinstance(s, (ir.For, ir.While, ir.If)):
            s = dataclasses.replace(s, body=floating_derivatives(s.body, derivatives, is_floating, wrap),
                                    orelse=floating_derivatives(s.orelse, derivatives, is_floating, wrap))
        out.append(s)
    return out
