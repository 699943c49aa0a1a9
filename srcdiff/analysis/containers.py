"""Python operators on lists, tuples and dicts: ``+`` joins them and ``*`` repeats them, which is
not the arithmetic their adjoints assume, so such statements are refused."""
from __future__ import annotations

from .. import ir
from ..errors import NonDifferentiableError, located
from .dataflow import Forward

_OPERATORS = {"+": "joins", "*": "repeats", "-": None, "/": None, "**": None, "@": None}


class Containers(Forward):
    """Names that certainly hold a list, tuple or dict before each statement."""

    def __init__(self, classify):
        super().__init__()
        self.classify = classify

    def join(self, a, b):
        return a & b

    def transfer(self, s, state):
        op = self.classify(s)
        defined = set(op.defines())
        certain = op.kind == "build" or (op.kind == "copy" and isinstance(op.source, ir.Name)
                                         and op.source.id in state) or joins(s, state) or \
            (op.kind == "index" and isinstance(op.index, ir.Slice) and isinstance(op.source, ir.Name)
             and op.source.id in state)  # ``hs[1:]`` of a list is a list
        return frozenset((state - defined) | (defined if certain and isinstance(op.target, ir.Name) else set()))

    def loop_target(self, loop, state):
        return state - set(ir.target_names(loop.target)) if isinstance(loop, ir.For) else state


def joins(s, state):
    """Is ``s`` ``a = b + c`` with ``b`` and ``c`` certainly lists, tuples or dicts in ``state``?"""
    v = s.value if isinstance(s, ir.Assign) else None
    return isinstance(v, ir.BinOp) and v.op == "+" and isinstance(v.left, ir.Name) and isinstance(v.right, ir.Name) \
        and v.left.id in state and v.right.id in state


def certain_containers(fn_def, classify):
    """statement -> the names that certainly hold a list, tuple or dict built in the function before it."""
    analysis = Containers(classify)
    analysis.run(fn_def.body, frozenset())
    return analysis.before


def refuse_operators_on_containers(fn_def, classify, params, ctx, active):
    """Raise for a differentiated ``xs ** 2`` or ``xs + ys`` where ``xs`` certainly holds a list,
    tuple or dict (``shape + (1,)`` on constants is fine: nothing is differentiated)."""
    analysis = Containers(classify)
    analysis.run(fn_def.body, frozenset(params))
    for s in ir.walk(fn_def):
        if not isinstance(s, ir.Assign) or not isinstance(s.value, (ir.BinOp, ir.UnaryOp)) or not active(s):
            continue
        state = analysis.before.get(s) or frozenset()
        operands = [s.value.operand] if isinstance(s.value, ir.UnaryOp) else [s.value.left, s.value.right]
        held = [a.id for a in operands if isinstance(a, ir.Name) and a.id in state]
        if held:
            verb = _OPERATORS.get(s.value.op) if isinstance(s.value, ir.BinOp) else None
            what = ("`%s` %s lists and tuples instead of computing with their numbers" % (s.value.op, verb)
                    if verb else "Python has no `%s` for lists, tuples or dicts" % s.value.op)
            raise NonDifferentiableError(located(
                ctx.filename, s.line, ctx.origin_text.get(s.line, ""),
                "`%s` holds a %s here: %s" % (ctx.renamed_from.get(held[0], held[0]), "list, tuple or dict", what),
                "Convert it to an array first, for example `%s = np.asarray(%s)`."
                % ((ctx.renamed_from.get(held[0], held[0]),) * 2)))
