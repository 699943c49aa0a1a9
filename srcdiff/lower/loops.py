"""Lower comprehensions and every ``for`` loop to ``for i in range(...)`` (part of normalize).

Before::

    for x, y in zip(xs, ys):
        s = s + x * y

After::

    seq = as_sequence(xs)
    seq2 = as_sequence(ys)
    t1 = len(seq)
    t2 = len(seq2)
    t3 = min(t1, t2)
    for k in range(t3):
        x = seq[k]
        y = seq2[k]
        s = s + x * y
"""
from __future__ import annotations

from .. import ir

SEQUENCE_HELPER = "as_sequence"  # runtime.as_sequence: lists, tuples, arrays as-is; else list()


class LoopLowering:
    """Comprehensions and loops (mixed into ``normalize.Normalizer``)."""

    def lower_comprehension(self, target, comp):
        """``[f(x) for x in xs if c]`` as a loop appending to a new list."""
        if comp.kind == "set":
            self.fail("set comprehensions are not supported", "Build a list instead.")
        empty = ir.Dict([], []) if comp.kind == "dict" else ir.List([])
        self.assign(ir.Name(target.id), empty)

        def innermost():
            if comp.kind == "dict":
                key = self.atom(comp.key)
                self.emit(ir.Assign([ir.Subscript(ir.Name(target.id), key)], self.atom(comp.elt), self.line))
            else:
                value = self.atom(comp.elt)
                append = ir.Call(ir.Attr(ir.Name(target.id), "append"), [value], [])
                self.emit(ir.ExprStmt(append, self.line))

        def nest(gens):
            if not gens:
                return innermost
            gen = gens[0]

            def body():
                inner = nest(gens[1:])
                if gen.ifs:
                    cond = gen.ifs[0] if len(gen.ifs) == 1 else ir.BoolOp("and", list(gen.ifs))
                    test = self.test(cond)
                    self.emit(ir.If(test, self.lowered(inner), [], self.line))
                else:
                    inner()
            return lambda: self.loop(gen.target, gen.iter, body, [])
        nest(list(comp.generators))()

    # -------------------------------------------------------------- statements
    def loop(self, target, iterable, body_fn, orelse, line=None):
        """Emit ``for i in range(...)`` for any iterable, binding ``target`` inside the body."""
        line = line if line is not None else self.line
        prologue = []  # statements binding the user's target at the top of each iteration
        if isinstance(iterable, ir.Call) and self.builtin(iterable.func, "range") and not iterable.keywords:
            args = [self.atom(a) for a in iterable.args]
            if isinstance(target, ir.Name):
                index = ir.Name(target.id)
            else:
                index = ir.Name(self.ctx.namer.fresh("i"))
                self.ctx.locals.add(index.id)
                prologue.append((target, ir.Name(index.id)))
            rng = ir.Call(ir.Name("range"), args, [])
        elif isinstance(iterable, ir.Call) and self.builtin(iterable.func, "enumerate") \
                and isinstance(target, ir.Tuple) and len(target.elts) == 2 and len(iterable.args) in (1, 2):
            seq = self.sequence(iterable.args[0])
            counter, item = target.elts
            index = ir.Name(self.ctx.namer.fresh("k"))
            self.ctx.locals.add(index.id)
            if len(iterable.args) == 2:
                prologue.append((counter, ir.BinOp("+", ir.Name(index.id), self.atom(iterable.args[1]))))
            else:
                prologue.append((counter, ir.Name(index.id)))
            prologue.append((item, ir.Subscript(seq, ir.Name(index.id))))
            rng = ir.Call(ir.Name("range"), [self.length(seq)], [])
        elif isinstance(iterable, ir.Call) and self.builtin(iterable.func, "zip") and iterable.args \
                and isinstance(target, ir.Tuple) and len(target.elts) == len(iterable.args):
            seqs = [self.sequence(a) for a in iterable.args]
            index = ir.Name(self.ctx.namer.fresh("k"))
            self.ctx.locals.add(index.id)
            lengths = [self.length(q) for q in seqs]
            if len(lengths) == 1:
                count = lengths[0]
            else:
                count = self.atom(ir.Call(ir.Name("min"), lengths, []))
            for t, q in zip(target.elts, seqs):
                prologue.append((t, ir.Subscript(ir.Name(q.id), ir.Name(index.id))))
            rng = ir.Call(ir.Name("range"), [count], [])
        else:
            seq = self.sequence(iterable)
            index = ir.Name(self.ctx.namer.fresh("k"))
            self.ctx.locals.add(index.id)
            prologue.append((target, ir.Subscript(seq, ir.Name(index.id))))
            rng = ir.Call(ir.Name("range"), [self.length(seq)], [])
        saved, saved_line = self.out, self.line
        self.out = []
        self.line = line
        for t, value in prologue:
            self.store(t, value)
        body_fn()
        body, self.out, self.line = self.out, saved, saved_line
        self.emit(ir.For(index, rng, body, orelse, line))

    def sequence(self, expr):
        value = self.atom(expr)
        seq = ir.Name(self.ctx.namer.fresh("seq"))
        self.assign(seq, ir.Call(ir.Name(SEQUENCE_HELPER), [value], []))
        return ir.Name(seq.id)

    def length(self, seq):
        return self.atom(ir.Call(ir.Name("len"), [ir.Name(seq.id)], []))
