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
hand-written gradient updates its temporaries in place, and so does this. Only done for operations
whose operands are known (from the shape analysis) to have at least ``LARGE`` entries. A temporary
is reused where it was made in the same block by an operation that returns a new array, and this
is its only read; ``runtime.spare`` checks at run time that the result has its shape and dtype.
Only for targets that allow ``out=`` (``Target.out_buffers``).
"""
from __future__ import annotations

import math

import numpy

from .. import ir
from ..runtime.helpers import spare

LARGE = 1 << 14  # entries: 128 KiB of float64, where allocations start to cost page faults

_BINARY = {"+": numpy.add, "-": numpy.subtract, "*": numpy.multiply, "/": numpy.true_divide, "**": numpy.power}
# unary ufuncs whose result has their operand's dtype for float and complex arrays
_UNARY = (numpy.negative, numpy.exp, numpy.expm1, numpy.log, numpy.log1p, numpy.sqrt, numpy.square, numpy.sin,
          numpy.cos, numpy.tan, numpy.tanh, numpy.sinh, numpy.cosh, numpy.reciprocal)


def worth_it(ctx):
    return ctx.target.out_buffers and any(math.prod(shape) >= LARGE for shape in ctx.arg_shapes.values())


def known_sizes(shapes, derived):
    """Entries of the values names hold, where the shape analysis knows them: the largest known
    shape of each primal name, and the same for the tangents or adjoints ``derived`` maps to it."""
    sizes = {name: max(math.prod(shape) for shape in found if shape is not None)
             for name, found in shapes.shapes_by_name().items() if found - {None}}
    for name, primal in derived.items():
        if primal in sizes:
            sizes[name] = sizes[primal]
    return sizes


def reuse_buffers(body, ctx, sizes):
    """``body`` (a generated function's statements) with dead temporaries' memory reused where
    the operation is on arrays of at least ``LARGE`` entries (``sizes``: name -> entries)."""
    counts = {}
    for n in ir.walk(ir.FunctionDef("", [], body)):
        if isinstance(n, ir.Name):
            counts[n.id] = counts.get(n.id, 0) + 1
    return _Reuse(ctx, counts, dict(sizes)).block(body)


class _Reuse:
    def __init__(self, ctx, counts, sizes):
        self.ctx, self.counts, self.sizes = ctx, counts, sizes

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
                name = s.targets[0].id
                size = max(self.size(s.value) or 0, self.sizes.get(name, 0))
                self.sizes[name] = size
                value = self.expr(s.value, made, out, s.line) if size >= LARGE else s.value
                s = ir.Assign(s.targets, value, s.line)
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

    def size(self, e):
        """Entries of an elementwise expression's result as far as known (its largest operand)."""
        if isinstance(e, ir.Name):
            return self.sizes.get(e.id)
        if isinstance(e, ir.Const):
            return 1
        op = self.elementwise(e)
        if op is None:
            return None
        sizes = [self.size(a) for a in op[1]]
        return max((n for n in sizes if n is not None), default=None)

    def hoist(self, a, made, out, line):
        """A nested operation that makes a new array becomes a temporary (so its memory can be reused)."""
        if isinstance(a, ir.BinOp) and a.op == "@":
            value = a  # a matrix product: a new array, kept as it is
        elif self.elementwise(a) is not None:
            value = self.expr(a, made, out, line)
        else:
            return a
        name = self.ctx.namer.fresh("t")
        out.append(ir.Assign([ir.Name(name)], value, line))
        self.counts[name] = 2
        made.add(name)
        return ir.Name(name)

    def elementwise(self, e):
        """(ufunc, operands) of an elementwise operation srcdiff can write into an operand of."""
        if isinstance(e, ir.BinOp) and e.op in _BINARY:
            return _BINARY[e.op], [e.left, e.right]
        if isinstance(e, ir.UnaryOp) and e.op == "-":
            return numpy.negative, [e.operand]
        if isinstance(e, ir.Call) and not e.keywords and len(e.args) in (1, 2) and \
                isinstance(e.func, (ir.Name, ir.Attr)):
            obj = self.ctx.resolve(e.func)  # helpers bound in generated code included
            if any(obj is u for u in (_UNARY if len(e.args) == 1 else _BINARY.values())):
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
        return ir.Attr(ir.Name(self.ctx.target.bind_namespace(self.ctx)), ufunc.__name__)
