"""Reuse the memory of temporaries nothing reads again, in code specialized to large arrays.

Before::

    t_t2 = t_t1 + t_b1
    t_h = t_t2 * (1.0 - h * h)

After::

    t_t2 = np.add(t_t1, t_b1, out=spare(t_t1, t_b1))
    t1 = h * h
    t2 = np.subtract(1.0, t1, out=spare(t1, 1.0))
    t_h = np.multiply(t_t2, t2, out=spare(t_t2, t2))

A new array of a megabyte costs page faults that can take longer than the arithmetic; a
hand-written gradient updates its temporaries in place, and so does this. Only done when some
argument has at least ``LARGE`` entries. A temporary is reused where it was made in the same block
by an operation that returns a new array, and this is its only read; ``runtime.spare`` checks at
run time that the result has its shape and dtype.
"""
from __future__ import annotations

import math

import numpy

from . import ir
from .runtime import spare

LARGE = 1 << 14  # entries: 128 KiB of float64, where allocations start to cost page faults

_BINARY = {"+": numpy.add, "-": numpy.subtract, "*": numpy.multiply, "/": numpy.true_divide, "**": numpy.power}
# unary ufuncs whose result has their operand's dtype for float and complex arrays
_UNARY = (numpy.negative, numpy.exp, numpy.expm1, numpy.log, numpy.log1p, numpy.sqrt, numpy.square, numpy.sin,
          numpy.cos, numpy.tan, numpy.tanh, numpy.sinh, numpy.cosh, numpy.reciprocal)


def worth_it(ctx):
    return any(math.prod(shape) >= LARGE for shape in ctx.arg_shapes.values())


def reuse_buffers(body, ctx):
    """``body`` (a generated function's statements) with dead temporaries' memory reused."""
    counts = {}
    for n in ir.walk(ir.FunctionDef("", [], body)):
        if isinstance(n, ir.Name):
            counts[n.id] = counts.get(n.id, 0) + 1
    return _Reuse(ctx, counts).block(body)


class _Reuse:
    def __init__(self, ctx, counts):
        self.ctx, self.counts = ctx, counts

    def block(self, stmts):
        out, made = [], set()  # made: names assigned a new array earlier in this block
        for s in stmts:
            if isinstance(s, ir.If):
                s = ir.If(s.test, self.block(s.body), self.block(s.orelse), s.line)
            elif isinstance(s, ir.For):
                s = ir.For(s.target, s.iter, self.block(s.body), s.orelse, s.line)
            elif isinstance(s, ir.While):
                s = ir.While(s.test, self.block(s.body), s.orelse, s.line)
            elif isinstance(s, ir.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ir.Name):
                value = self.expr(s.value, made, out, s.line)
                s = ir.Assign(s.targets, value, s.line)
                name = s.targets[0].id
                if self.allocates(s.value) and self.counts.get(name) == 2:
                    made.add(name)
            out.append(s)
        return out

    def expr(self, e, made, out, line):
        """``e`` writing into a dead operand where it can; nested new arrays become temporaries."""
        op = self.elementwise(e)
        if op is None:
            return e
        ufunc, operands = op
        operands = [self.hoist(a, made, out, line) for a in operands]
        for i, a in enumerate(operands):
            if isinstance(a, ir.Name) and a.id in made:
                made.discard(a.id)
                others = [ir.Name(b.id) if isinstance(b, ir.Name) else b for j, b in enumerate(operands) if j != i]
                buffer = ir.Call(ir.Name(self.ctx.bind("spare", spare)), [ir.Name(a.id)] + others, [])
                return ir.Call(self.numpy_attr(ufunc), operands, [ir.Keyword("out", buffer)])
        return self.rebuild(e, operands)

    def hoist(self, a, made, out, line):
        """A nested operation that makes a new array becomes a temporary (so its memory can be reused)."""
        if self.elementwise(a) is None:
            return a
        name = self.ctx.namer.fresh("t")
        out.append(ir.Assign([ir.Name(name)], self.expr(a, made, out, line), line))
        self.counts[name] = 2
        made.add(name)
        return ir.Name(name)

    def elementwise(self, e):
        """(ufunc, operands) of an elementwise operation srcdiff can write into an operand of."""
        if isinstance(e, ir.BinOp) and e.op in _BINARY:
            return _BINARY[e.op], [e.left, e.right]
        if isinstance(e, ir.UnaryOp) and e.op == "-":
            return numpy.negative, [e.operand]
        if isinstance(e, ir.Call) and not e.keywords and len(e.args) == 1 and isinstance(e.func, (ir.Name, ir.Attr)):
            obj = self.ctx.resolve(e.func) if not (isinstance(e.func, ir.Name) and e.func.id in self.ctx.helpers) \
                else self.ctx.helpers[e.func.id]
            if any(obj is u for u in _UNARY):
                return obj, list(e.args)
        return None

    def allocates(self, e):
        return self.elementwise(e) is not None or (isinstance(e, ir.BinOp) and e.op == "@") or \
            (isinstance(e, ir.Call) and any(k.name == "out" for k in e.keywords))

    def rebuild(self, e, operands):
        if isinstance(e, ir.BinOp):
            return ir.BinOp(e.op, operands[0], operands[1])
        if isinstance(e, ir.UnaryOp):
            return ir.UnaryOp(e.op, operands[0])
        return ir.Call(e.func, operands, [])

    def numpy_attr(self, ufunc):
        return ir.Attr(ir.Name(self.ctx.bind("np", numpy)), ufunc.__name__)
