"""Numeric helpers for ``numpy.einsum`` rules: every call form made explicit, adjoints through diagonals."""
from __future__ import annotations

import string

import numpy

from .helpers import unbroadcast

_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # NumPy's labels 0..51 in sublist form


def subscripts_problem(spec, count=None):
    """Why the einsum subscripts ``spec`` are malformed (None when they are fine); ``count``: operands."""
    spec = spec.replace(" ", "")
    if spec.count("->") > 1 or any(c not in _LETTERS and c not in ".,->" for c in spec):
        return "the subscripts %r are not valid einsum subscripts" % spec
    inputs, _, output = spec.partition("->")
    terms = inputs.split(",")
    if count is not None and len(terms) != count:
        return "the subscripts %r name %d operands, but %d are given" % (spec, len(terms), count)
    for term in terms + [output]:
        if term.replace("...", "").count(".") or term.count("...") > 1:
            return "the subscripts %r misplace an ellipsis" % spec
    out = output.replace("...", "")
    if len(set(out)) != len(out) or not set(out) <= set(inputs):
        return "the output subscripts of %r repeat an index or name one no operand has" % spec
    return None


def _from_sublist(sublist):
    return "".join("..." if s is Ellipsis else _LETTERS[s] for s in sublist)


def explicit(operands):
    """``(subscripts, positions)`` of any ``numpy.einsum(*operands)`` call: the subscripts with the
    output written out and every ellipsis replaced by letters; the positions of the arrays."""
    if isinstance(operands[0], str):
        spec, positions = operands[0].replace(" ", ""), list(range(1, len(operands)))
    else:  # einsum(a, [0, 1], b, [1, 2], [0, 2]): operands and their labels interleaved
        positions = list(range(0, len(operands) - 1, 2))
        spec = ",".join(_from_sublist(operands[p + 1]) for p in positions)
        if len(operands) % 2:
            spec += "->" + _from_sublist(operands[-1])
    inputs, arrow, output = spec.partition("->")
    terms = inputs.split(",")
    if not arrow:  # implicit output: the labels used once, sorted, after the broadcast axes
        letters = inputs.replace("...", "").replace(",", "")
        output = ("..." if "..." in inputs else "") + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    if "..." in spec or "..." in output:
        spare = [c for c in _LETTERS if c not in spec]
        ranks = [numpy.ndim(operands[p]) - len(t.replace("...", "")) for p, t in zip(positions, terms)]
        width = max([r for r, t in zip(ranks, terms) if "..." in t], default=0)
        broad = "".join(spare[:width])
        terms = [t.replace("...", broad[width - r:] if r else "") for t, r in zip(terms, ranks)]
        output = output.replace("...", broad)
    return ",".join(terms) + "->" + output, positions


def _sizes(spec, operands, positions):
    sizes = {}
    for term, p in zip(spec.split("->")[0].split(","), positions):
        for c, n in zip(term, numpy.shape(operands[p])):
            if n != 1 or c not in sizes:
                sizes[c] = n
    return sizes


def einsum_vjp(g, operands, position):
    """Adjoint of ``numpy.einsum(*operands)`` with respect to ``operands[position]`` (None for labels)."""
    spec, positions = explicit(operands)
    if position not in positions:
        return None
    inputs, output = spec.split("->")
    terms = inputs.split(",")
    k = positions.index(position)
    target = terms[k]
    others = [t for i, t in enumerate(terms) if i != k]
    other_ops = [operands[p] for i, p in enumerate(positions) if i != k]
    known = set(output) | set("".join(others))
    unique = "".join(dict.fromkeys(target))
    kept = "".join(c for c in unique if c in known)
    out = numpy.einsum(",".join([output] + others) + "->" + kept, g, *other_ops)
    sizes = _sizes(spec, operands, positions)
    if kept != unique:  # indices summed over in this operand alone: the adjoint is constant along them
        out = numpy.broadcast_to(
            numpy.expand_dims(out, tuple(i for i, c in enumerate(unique) if c not in known)),
            tuple(sizes[c] for c in unique))
    if unique != target:  # a repeated index (a diagonal): spread onto it with identity matrices
        spare = iter(c for c in _LETTERS if c not in spec)
        seen, renamed, deltas = set(), "", []
        for c in target:
            if c in seen:
                fresh = next(spare)
                deltas.append(c + fresh)
                c = fresh
            seen.add(c)
            renamed += c
        eyes = [numpy.eye(sizes[d[0]], dtype=numpy.result_type(out, float)) for d in deltas]
        out = numpy.einsum(",".join([unique] + deltas) + "->" + renamed, out, *eyes)
    return unbroadcast(out, numpy.asarray(operands[position]))


def einsum_tangent(operands, tangents):
    """Tangent of ``numpy.einsum(*operands)``: one term per array operand, the others held fixed."""
    total = 0.0
    for p in explicit(operands)[1]:
        if tangents[p] is None:
            continue
        ops = list(operands)
        ops[p] = tangents[p]
        total = total + numpy.einsum(*ops)
    return total


def einsum_vjp_tangent(tg, g, operands, t_operands, position):
    """Tangent of ``einsum_vjp``: linear in ``g`` and in every other array operand."""
    total = einsum_vjp(tg, operands, position)
    for p in explicit(operands)[1]:
        if p != position and t_operands[p] is not None:
            ops = list(operands)
            ops[p] = t_operands[p]
            total = total + einsum_vjp(g, ops, position)
    return total
