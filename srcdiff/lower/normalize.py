"""Rewrite a function into one operation per statement, with readable numbered temporaries.

Before::

    p = 1.0 / (1.0 + np.exp(-(X @ w)))

After::

    t1 = X @ w
    t2 = -t1
    t3 = np.exp(t2)
    t4 = 1.0 + t3
    p = 1.0 / t4

Also lowers ``and``/``or``/``a if c else b`` to ``if`` statements, comprehensions to loops,
``x += v`` to ``x = x + v``, and every ``for`` loop to ``for i in range(...)``.
"""
from __future__ import annotations

import builtins

from .. import ir
from ..runtime import helpers as runtime
from ..errors import UnsupportedSyntaxError, located
from ..runtime.kernels_index_joins import CONCATENATORS, JOIN_KERNELS, index_join, is_index_object

from .loops import SEQUENCE_HELPER, LoopLowering  # noqa: F401  (SEQUENCE_HELPER re-exported)
from .stores import StoreLowering


class Normalizer(StoreLowering, LoopLowering):
    def __init__(self, ctx):
        self.ctx = ctx
        self.out = None
        self.line = 0

    # ----------------------------------------------------------------- helpers
    def emit(self, stmt):
        self.out.append(stmt)

    def assign(self, target, value):
        self.emit(ir.Assign([target], value, self.line))

    def fail(self, problem, fix, text=""):
        text = text or self.ctx.origin_text.get(self.line, "")
        raise UnsupportedSyntaxError(located(self.ctx.filename, self.line, text, problem, fix))

    def is_global_ref(self, expr):
        """``np.pi``, ``cfg.scale``, ``xp.c_`` with ``xp=np``: an attribute chain rooted at a name that is
        not local, or at a parameter or local alias the code is specialized to (a module, a function)."""
        while isinstance(expr, ir.Attr):
            expr = expr.value
        return isinstance(expr, ir.Name) and (expr.id not in self.ctx.locals or expr.id in self.ctx.statics)

    def builtin(self, expr, name):
        """True if ``expr`` refers to the builtin ``name`` (not shadowed)."""
        return (isinstance(expr, ir.Name) and expr.id == name and expr.id not in self.ctx.locals
                and self.ctx.resolve(expr) is getattr(builtins, name))

    def sub_block(self, stmts):
        saved, saved_line = self.out, self.line
        self.out = []
        for s in stmts:
            self.stmt(s)
        block, self.out, self.line = self.out, saved, saved_line
        return block

    def lowered(self, fn):
        """Run ``fn`` emitting into a fresh block and return that block."""
        saved = self.out
        self.out = []
        fn()
        block, self.out = self.out, saved
        return block

    # ------------------------------------------------------------- expressions
    def atom(self, expr):
        """An atom (name or constant) holding the value of ``expr``; emits temporaries."""
        if isinstance(expr, (ir.Name, ir.Const)):
            return self.not_index_object(expr)
        if isinstance(expr, ir.Attr) and self.is_global_ref(expr):
            return self.not_index_object(expr)
        value = self.op(expr)
        if isinstance(value, (ir.Name, ir.Const)):
            return value
        if isinstance(value, ir.Attr) and self.is_global_ref(value):
            return value
        name = ir.Name(self.temp())
        self.assign(name, value)
        return ir.Name(name.id)

    def temp(self):
        """A new temporary (a local of the function from now on)."""
        name = self.ctx.namer.temp()
        self.ctx.locals.add(name)
        return name

    def into(self, target, expr):
        """Emit statements computing ``expr`` into the (name) ``target``."""
        if isinstance(expr, (ir.BoolOp, ir.IfExp)):
            self.lower_branching(target, expr)
        elif isinstance(expr, ir.Comprehension):
            if any(isinstance(n, ir.Name) and n.id == target.id for n in ir.walk(expr)):
                # ``xs = [f(x) for x in xs]``: build into a new list, then rebind
                built = ir.Name(self.temp())
                self.lower_comprehension(built, expr)
                self.assign(target, ir.Name(built.id))
            else:
                self.lower_comprehension(target, expr)
        else:
            self.assign(target, self.op(expr))

    def op(self, expr):
        """``expr`` with every operand an atom: at most one operation."""
        if isinstance(expr, (ir.Name, ir.Const)):
            return self.not_index_object(expr)
        if isinstance(expr, ir.Attr):
            if self.is_global_ref(expr):
                return self.not_index_object(expr)
            return ir.Attr(self.atom(expr.value), expr.attr)
        if isinstance(expr, ir.UnaryOp):
            operand = self.atom(expr.operand)
            if expr.op in ("-", "+") and isinstance(operand, ir.Const) and _is_number(operand.value):
                return ir.Const(-operand.value if expr.op == "-" else operand.value)
            return ir.UnaryOp(expr.op, operand)
        if isinstance(expr, ir.BinOp):
            return ir.BinOp(expr.op, self.atom(expr.left), self.atom(expr.right))
        if isinstance(expr, ir.Compare):
            if len(expr.ops) == 1:
                return ir.Compare(self.atom(expr.left), expr.ops, [self.atom(expr.comparators[0])])
            return self.op(self.chained(expr))
        if isinstance(expr, ir.Call):
            return self.call(expr)
        if isinstance(expr, ir.Subscript):
            if self.is_global_ref(expr.value) and any(self.ctx.resolve(expr.value) is c for c in CONCATENATORS):
                return self.index_join(expr)
            value = expr.value if self.is_global_ref(expr.value) else self.atom(expr.value)  # np.s_[...] is fine
            return ir.Subscript(value, self.index(expr.index))
        if isinstance(expr, ir.Tuple):
            return ir.Tuple(self.elements(expr.elts))
        if isinstance(expr, ir.List):
            return ir.List(self.elements(expr.elts))
        if isinstance(expr, ir.Dict):
            keys = [self.atom(k) if k is not None else None for k in expr.keys]
            return ir.Dict(keys, [self.atom(v) for v in expr.values])
        if isinstance(expr, (ir.BoolOp, ir.IfExp, ir.Comprehension)):
            name = ir.Name(self.temp())
            self.into(name, expr)
            return ir.Name(name.id)
        self.fail("cannot normalize this expression", "Rewrite it with simpler expressions.")

    def not_index_object(self, expr):
        """``expr``, unless it names an object like ``np.r_`` or ``np.s_`` outside ``np.r_[...]``: bound
        to a local name or passed on, srcdiff could not see what indexing it later computes."""
        if isinstance(expr, (ir.Name, ir.Attr)) and self.is_global_ref(expr) and \
                is_index_object(self.ctx.resolve(expr)):
            text = ir_display(expr)
            self.fail("srcdiff follows %s only where it is indexed, as in `%s[...]`, not as a value bound to a "
                      "name or passed on" % (text, text), "Index %s where you use it." % text)
        return expr

    def index_join(self, expr):
        """``np.r_[a, 0:3]`` as ``index_join(np.r_, a, slice(0, 3, None))``: a call, which has rules."""
        items = expr.index.elts if isinstance(expr.index, ir.Tuple) else [expr.index]
        args = [expr.value]
        for item in items:
            if isinstance(item, ir.Slice):
                bounds = [b if b is not None else ir.Const(None) for b in (item.lower, item.upper, item.step)]
                item = ir.Call(ir.Name(self.helper("slice", builtins.slice)), bounds, [])
            args.append(self.atom(item))
        return ir.Call(ir.Name(self.helper("index_join", index_join)), args, [])

    def helper(self, stem, obj):
        """The name generated code calls ``obj`` by (one that no name of the user's function takes)."""
        for name, bound in self.ctx.helpers.items():
            if bound is obj:
                return name
        name = self.ctx.namer.fresh(stem)
        self.ctx.helpers[name] = obj
        return name

    def elements(self, elts):
        out = []
        for e in elts:
            out.append(ir.Starred(self.atom(e.value)) if isinstance(e, ir.Starred) else self.atom(e))
        return out

    def chained(self, expr):
        """``a < b < c`` as ``a < b and b < c`` (``b`` evaluated once)."""
        parts, left = [], self.atom(expr.left)
        for op, right in zip(expr.ops, expr.comparators):
            right = self.atom(right)
            parts.append(ir.Compare(left, [op], [right]))
            left = right
        return ir.BoolOp("and", parts)

    def index(self, index):
        if isinstance(index, ir.Slice):
            def part(x):
                return self.atom(x) if x is not None else None
            return ir.Slice(part(index.lower), part(index.upper), part(index.step))
        if isinstance(index, ir.Tuple):
            return ir.Tuple([self.index(e) for e in index.elts])
        return self.atom(index)

    def call(self, expr):
        func = expr.func
        if isinstance(func, ir.Attr) and not self.is_global_ref(func):
            func = ir.Attr(self.atom(func.value), func.attr)  # method call on a local value
        elif not (isinstance(func, ir.Name) or self.is_global_ref(func)):
            func = self.atom(func)
        if isinstance(func, ir.Name) and func.id in ("sum", "min", "max", "any", "all", "list", "tuple",
                                                     "sorted") and len(expr.args) == 1 \
                and isinstance(expr.args[0], ir.Comprehension) and expr.args[0].kind == "generator":
            expr = ir.Call(expr.func, [ir.Comprehension("list", *_comp_parts(expr.args[0]))], expr.keywords)
        if self.is_global_ref(func) and any(self.ctx.resolve(func) is k for k in JOIN_KERNELS):
            args = [a if self.is_global_ref(a) else self.atom(a) for a in expr.args]  # generated code passes np.r_
        else:
            args = self.elements(expr.args)
        keywords = [ir.Keyword(k.name, self.atom(k.value)) for k in expr.keywords if not self.spare_output(k)]
        return ir.Call(func, args, keywords)

    def spare_output(self, keyword):
        """``out=spare(t)`` in generated code only reuses a dead temporary's memory: differentiating
        that code again treats the call as one that makes a new array."""
        value = keyword.value
        return keyword.name == "out" and isinstance(value, ir.Call) and isinstance(value.func, ir.Name) and \
            self.ctx.resolve(value.func) is runtime.spare

    # ---------------------------------------------------- lowering to statements
    def lower_branching(self, target, expr):
        """``t = a and b`` / ``t = x if c else y`` as ``if`` statements assigning ``t``."""
        if isinstance(expr, ir.IfExp):
            test = self.test(expr.test)
            body = self.lowered(lambda: self.into(target, expr.body))
            orelse = self.lowered(lambda: self.into(target, expr.orelse))
            self.emit(ir.If(test, body, orelse, self.line))
            return
        first, rest = expr.values[0], expr.values[1:]
        self.into(target, first)
        if not rest:
            return
        remaining = rest[0] if len(rest) == 1 else ir.BoolOp(expr.op, rest)
        body = self.lowered(lambda: self.into(ir.Name(target.id), remaining))
        test = ir.Name(target.id) if expr.op == "and" else ir.UnaryOp("not", ir.Name(target.id))
        self.emit(ir.If(test, body, [], self.line))

    def test(self, expr):
        """A branch or loop condition: an atom, or ``not`` an atom."""
        if isinstance(expr, ir.UnaryOp) and expr.op == "not":
            return ir.UnaryOp("not", self.atom(expr.operand))
        return self.atom(expr)

    def stmt(self, s):
        self.line = getattr(s, "line", self.line)
        method = getattr(self, "stmt_" + type(s).__name__)
        method(s)

    def stmt_Return(self, s):
        value = self.atom(s.value) if s.value is not None else ir.Const(None)
        self.emit(ir.Return(value, self.line))

    def stmt_If(self, s):
        test = self.test(s.test)
        self.emit(ir.If(test, self.sub_block(s.body), self.sub_block(s.orelse), s.line))

    def stmt_While(self, s):
        pre = self.lowered(lambda: self.test(s.test))
        if not pre:
            test = self.test(s.test)
            self.emit(ir.While(test, self.sub_block(s.body), self.sub_block(s.orelse), s.line))
            return
        # the condition needs statements of its own: evaluate it at the top of each iteration
        saved = self.out
        self.out = []
        test = self.test(s.test)
        head = self.out
        self.out = saved
        negated = _negate(test, self)
        head.append(ir.If(negated, [ir.Break(s.line)], [], s.line))
        body = self.sub_block(s.body)
        if not s.orelse:
            self.emit(ir.While(ir.Const(True), head + body, [], s.line))
            return
        # ``else`` runs when the condition ends the loop, not after a ``break`` in the body
        broke = self.ctx.namer.fresh("broke")
        self.ctx.locals.add(broke)
        self.emit(ir.Assign([ir.Name(broke)], ir.Const(False), s.line))
        self.emit(ir.While(ir.Const(True), head + ir.flag_breaks(body, broke), [], s.line))
        self.emit(ir.If(ir.UnaryOp("not", ir.Name(broke)), self.sub_block(s.orelse), [], s.line))

    def stmt_For(self, s):
        orelse = self.sub_block(s.orelse)
        self.loop(s.target, s.iter, lambda: [self.stmt(b) for b in s.body], orelse, s.line)

    def stmt_Break(self, s):
        self.emit(ir.Break(s.line))

    def stmt_Continue(self, s):
        self.emit(ir.Continue(s.line))

    def stmt_Pass(self, s):
        pass


def ir_display(expr):
    return ir_display(expr.value) + "." + expr.attr if isinstance(expr, ir.Attr) else getattr(expr, "id", "?")


def _is_number(value):
    return isinstance(value, (int, float, complex)) and not isinstance(value, bool)


def _comp_parts(comp):
    return comp.elt, comp.key, comp.generators


def _negate(test, normalizer):
    if isinstance(test, ir.UnaryOp) and test.op == "not":
        return test.operand
    return ir.UnaryOp("not", test)


def normalize(fn_def, ctx):
    """A new ``FunctionDef`` in one-operation-per-statement form."""
    norm = Normalizer(ctx)
    body = norm.sub_block(fn_def.body)
    return ir.FunctionDef(fn_def.name, fn_def.params, body, fn_def.line)
