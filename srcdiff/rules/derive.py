"""Tangent templates derived from adjoint templates, so that a derivative is written once.

Two kinds of rule state their derivative only once (``registry.self_adjoint``, ``registry.bilinear``):

- A derivative that is its own transpose (an elementwise function, whose partial multiplies; a
  flip, a transpose, a mask, softmax's symmetric Jacobian): each line ``d[x] = E`` of the adjoint,
  ``E`` linear in ``d[y]``, gives the term ``E`` with ``t[x]`` for ``d[y]``, and the tangent is the
  sum of the terms (the declaration vouches for the symmetry; nothing here can check it)::

      d[x1] = d[y] * numpy.exp(x1 - y)         t[y] = t[x1] * numpy.exp(x1 - y) + t[x2] * numpy.exp(x2 - y)
      d[x2] = d[y] * numpy.exp(x2 - y)

- A bilinear product states itself as ``y = P(a, b)`` above its adjoint lines; its tangent is the
  product rule ``t[y] = P(t[a], b) + P(a, t[b])``.
"""
from __future__ import annotations

from dataclasses import fields

from .. import ir


class DeriveError(TypeError):
    """A single declaration does not have the form its tangent can be derived from."""


def self_adjoint_tangent(tree, qualname):
    """The tangent of the adjoint template ``tree`` whose every line is ``d[x] = E(d[y])``."""
    result = tree.params[0].name
    terms = []
    for s in _body(tree):
        param = _contribution(s)
        if param is None or not _count(s.value, "d", result) or _reads_special(s.value, "d", skip=result) \
                or _reads_special(s.value, "t"):
            raise DeriveError("self-adjoint rule %s: every line must be `d[x] = ...` reading d[%s] and no "
                              "other d[] or t[]" % (qualname, result))
        terms.append(_substitute(s.value, lambda n: _special(n, "d", result), lambda: _ref("t", param)))
    if not terms:
        raise DeriveError("self-adjoint rule %s has no `d[x] = ...` line" % qualname)
    return _tangent_tree(tree, _sum(terms))


def split_bilinear(tree, qualname):
    """(adjoint template tree, tangent template tree) of a bilinear rule ``y = P(a, b)`` + adjoint lines."""
    result = tree.params[0].name
    body = _body(tree)
    if not body or not (isinstance(body[0], ir.Assign) and len(body[0].targets) == 1
                        and isinstance(body[0].targets[0], ir.Name) and body[0].targets[0].id == result):
        raise DeriveError("bilinear rule %s must begin with `%s = <the product>`" % (qualname, result))
    product, lines = body[0].value, body[1:]
    operands = [_contribution(s) for s in lines]
    if len(operands) != 2 or None in operands or _reads_special(product, "d") or _reads_special(product, "t"):
        raise DeriveError("bilinear rule %s: after the product come `d[a] = ...` and `d[b] = ...` for its two "
                          "operands" % qualname)
    terms = [_substitute(product, lambda n, p=p: isinstance(n, ir.Name) and n.id == p, lambda p=p: _ref("t", p))
             for p in operands]
    adjoint = ir.FunctionDef(tree.name, tree.params, lines, tree.line)
    return adjoint, _tangent_tree(tree, _sum(terms))


def _body(tree):
    """The statements, without a docstring."""
    body = list(tree.body)
    if body and isinstance(body[0], ir.ExprStmt) and isinstance(body[0].value, ir.Const):
        body = body[1:]
    return body


def _contribution(s):
    """``x`` for the statement ``d[x] = ...``, else None."""
    if isinstance(s, ir.Assign) and len(s.targets) == 1:
        target = s.targets[0]
        if _special(target, "d") and isinstance(target.index, ir.Name):
            return target.index.id
    return None


def _special(node, letter, name=None):
    return isinstance(node, ir.Subscript) and isinstance(node.value, ir.Name) and node.value.id == letter and \
        (name is None or isinstance(node.index, ir.Name) and node.index.id == name)


def _count(expr, letter, name):
    return sum(1 for n in ir.walk(expr) if _special(n, letter, name))


def _reads_special(expr, letter, skip=None):
    return any(_special(n, letter) and not _special(n, letter, skip) for n in ir.walk(expr))


def _ref(letter, name):
    return ir.Subscript(ir.Name(letter), ir.Name(name))


def _sum(terms):
    total = terms[0]
    for term in terms[1:]:
        total = ir.BinOp("+", total, term)
    return total


def _tangent_tree(tree, value):
    line = tree.body[-1].line if tree.body else tree.line
    return ir.FunctionDef(tree.name, _substitute(tree.params, lambda n: False, None),
                          [ir.Assign([_ref("t", tree.params[0].name)], value, line)], tree.line)


def _substitute(node, match, make):
    """A copy of ``node`` with every sub-node ``match`` accepts replaced by ``make()``."""
    if isinstance(node, list):
        return [_substitute(n, match, make) for n in node]
    if not isinstance(node, ir.Node):
        return node
    if match(node):
        return make()
    return type(node)(**{f.name: _substitute(getattr(node, f.name), match, make) for f in fields(node)})
