"""``hs = hs + [h]`` where both operands certainly hold lists (or tuples) built in the function is
``hs = join_sequences(hs, t)``: a new list, as Python makes, whose adjoint splits into the two parts.
A ``+`` on names that may hold arrays is left alone (it adds numbers)."""
from __future__ import annotations

from .. import ir
from ..analysis.containers import Containers, joins
from ..runtime.helpers import join_sequences
from .ops import Classifier


def rewrite(tree, ctx):
    """``tree`` with each ``a = b + c`` of two built lists or tuples written as ``join_sequences(b, c)``."""
    if not any(isinstance(n, ir.BinOp) and n.op == "+" for n in ir.walk(tree)):
        return tree
    analysis = Containers(Classifier(ctx))
    analysis.run(tree.body, frozenset())
    found = [s for s in ir.walk(tree) if isinstance(s, ir.Assign) and joins(s, analysis.before.get(s) or frozenset())]
    if not found:
        return tree
    name = ctx.bind("join_sequences", join_sequences)
    for s in found:  # the tree is this pass's own: normalize built it
        s.value = ir.Call(ir.Name(name), [s.value.left, s.value.right], [])
    return tree
