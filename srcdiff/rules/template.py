"""Fill a derivative-rule template into statements: substitute names, fold constants and zeros.

A template is a plain Python function. Its first parameter names the primal result, the others
name the primal function's parameters. In its body ``d[x]`` is the adjoint of ``x`` (reverse
mode) and ``t[x]`` its tangent (forward mode); ``d[x] = e`` adds ``e`` to the adjoint of ``x`` and
``t[y] = e`` defines the tangent of the result. Other names are template locals (renamed fresh)
or module globals such as ``numpy`` (bound by codegen).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass

from ..front import reader
from .. import ir
from ..optimize.fold import Zero, fold, negate  # noqa: F401  (re-exported for the modes)


@dataclass(eq=False)
class Contribution(ir.Stmt):
    """``d[target] = value`` in a template: add ``value`` to ``target``'s adjoint."""

    target: ir.Expr
    value: ir.Expr
    param: str = ""
    line: int = 0


@dataclass(eq=False)
class TangentDef(ir.Stmt):
    """``t[result] = value`` in a template."""

    value: ir.Expr
    line: int = 0


class Template:
    """A parsed rule template and the names it binds."""

    def __init__(self, fn, tree=None):
        """``tree``: the template's definition when it is derived from ``fn``'s (``rules.derive``)."""
        self.fn = fn
        self.tree = tree if tree is not None else reader.load(fn).tree
        self.params = [p.name for p in self.tree.params]
        self.defaults = {}
        for p in self.tree.params:
            if p.default is not None:
                p.default = fold(p.default)
                if not isinstance(p.default, ir.Const):
                    raise TypeError("template %s: parameter defaults must be constants" % fn.__qualname__)
                self.defaults[p.name] = p.default.value
        self.globals = fn.__globals__
        self.user = not (getattr(fn, "__module__", None) or "").startswith("srcdiff.")  # a user's rule
        self.locals = reader.local_names(self.tree) - set(self.params)
        self.written = [s.targets[0].index.id for s in ir.walk(self.tree)
                        if isinstance(s, ir.Assign) and _special(s.targets[0], "d")
                        and isinstance(s.targets[0].index, ir.Name)]
        self.reads_adjoint_of = {n.index.id for n in ir.walk(self.tree)
                                 if _special(n, "d") and isinstance(n.index, ir.Name)}
        self.reads_tangent_of = {n.index.id for n in ir.walk(self.tree)
                                 if _special(n, "t") and isinstance(n.index, ir.Name)} - {self.params[0]}
        # ``d[y][0]``: the primitive returns a tuple or list, whose adjoint is a list of adjoints
        self.indexes_result = any(isinstance(n, ir.Subscript) and _special(n.value, "d")
                                  and isinstance(n.value.index, ir.Name) and n.value.index.id == self.params[0]
                                  for n in ir.walk(self.tree))

    @property
    def reads_primal_of(self):
        """Parameters whose values (not ``d[]``/``t[]`` of them) the body reads."""
        special = {id(n.index) for n in ir.walk(self.tree) if _special(n, "d") or _special(n, "t")}
        return {n.id for n in ir.walk(self.tree) if isinstance(n, ir.Name) and n.id in self.params
                and id(n) not in special}

    def unknown_names(self):
        """Names the body reads that are neither parameters, locals, the module's globals nor
        builtins (a typo would otherwise surface only when the rule is first used)."""
        import builtins
        bound = set(self.params) | self.locals | {"d", "t", "True", "False", "None"}
        for node in ir.walk(self.tree):
            if isinstance(node, ir.Comprehension):
                for gen in node.generators:
                    bound |= set(ir.target_names(gen.target))
        return sorted({n.id for n in ir.walk(self.tree) if isinstance(n, ir.Name) and n.id not in bound
                       and n.id not in self.globals and not hasattr(builtins, n.id)})

    @property
    def result(self):
        return self.params[0]

    @property
    def inputs(self):
        return self.params[1:]


def _special(node, letter):
    return isinstance(node, ir.Subscript) and isinstance(node.value, ir.Name) and node.value.id == letter


class Filler:
    """Instantiates one template at one call site."""

    def __init__(self, template, args, result, *, adjoint=None, tangent=None, namer, bind_global, line=0,
                 materialize=None):
        self.t = template
        self.args = args  # param name -> atom expression at the call site
        self.result = result  # Name or Tuple of Names: the primal target
        self.adjoint = adjoint  # callable(atom) -> Expr | Zero
        self.tangent = tangent
        self.namer = namer
        self.bind_global = bind_global
        self.line = line
        self.materialize = materialize  # callable(expr) -> expr with explicit zeros for symbolic ones
        self.renamed = {}
        self.values = {}  # template local -> folded constant / Zero / atom it was bound to
        self.covered = set()  # parameters the instantiated branches give a d[p] for, or read the t[p] of

    def run(self):
        out = []
        self.block(self.t.tree.body, out)
        return out

    # ------------------------------------------------------------- statements
    def block(self, stmts, out):
        for s in stmts:
            self.stmt(s, out)

    def stmt(self, s, out):
        if isinstance(s, ir.Assign):
            target = s.targets[0]
            value = self.expr(s.value)
            value = fold(_zero_factors(value) if _special(target, "d") or _special(target, "t") else value)
            if _special(target, "d"):
                param = target.index.id
                self.covered.add(param)
                atom = self.param_value(param)
                if isinstance(value, Zero) or not isinstance(atom, ir.Expr):
                    return
                out.append(Contribution(atom, value, param, self.line))
                return
            if _special(target, "t"):
                out.append(TangentDef(value, self.line))
                return
            if isinstance(target, ir.Name):
                if isinstance(value, (Zero, ir.Const)) or _is_alias(value):
                    self.values[target.id] = value  # substitute forward instead of assigning
                    return
                self.values.pop(target.id, None)
                out.append(ir.Assign([ir.Name(self.local(target.id))], self.explicit(value), self.line))
                return
            out.append(ir.Assign([self.expr(target)], self.explicit(value), self.line))
            return
        if isinstance(s, ir.If):
            # Tests in templates choose between a special case (the ``if`` branch) and the general
            # formula (the ``else`` branch): when the test depends on run-time values, the general
            # formula is used, so templates stay straight-line code.
            test = fold(self.expr(s.test))
            if isinstance(test, ir.Const):
                self.block(s.body if test.value else s.orelse, out)
            elif s.orelse:
                self.block(s.orelse, out)
            else:
                raise TypeError("template %s: an `if` on run-time values needs an `else` branch with the "
                                "general formula" % self.t.fn.__qualname__)
            return
        if isinstance(s, ir.ExprStmt):
            if isinstance(s.value, ir.Const):
                return  # docstring
            out.append(ir.ExprStmt(self.explicit(self.expr(s.value)), self.line))
            return
        if isinstance(s, ir.Return):
            raise TypeError("rule templates do not return; assign d[...] or t[...]")
        raise TypeError("unsupported statement in rule template %s" % self.t.fn.__qualname__)

    def explicit(self, value):
        """A value a template local holds is printed as is: its symbolic zeros become explicit."""
        if self.materialize is not None and any(isinstance(n, Zero) for n in ir.walk(value)):
            return self.materialize(value)
        return value

    # ------------------------------------------------------------ expressions
    def param_value(self, name):
        if name == self.t.result:
            return self.result
        if name in self.args:
            return self.args[name]
        if name in self.t.defaults:
            return ir.Const(self.t.defaults[name])
        raise KeyError(name)

    def local(self, name):
        if name not in self.renamed:
            self.renamed[name] = self.namer.fresh(name)
        return self.renamed[name]

    def expr(self, e):
        if e is None:
            return None
        if _special(e, "d"):
            return self.special(e, self.adjoint)
        if _special(e, "t"):
            return self.special(e, self.tangent)
        if isinstance(e, ir.Name):
            return self.name(e.id)
        if isinstance(e, ir.Const):
            return ir.Const(e.value)
        if isinstance(e, ir.Attr):
            return ir.Attr(self.expr(e.value), e.attr)
        if isinstance(e, ir.Call):
            return ir.Call(self.expr(e.func), [self.expr(a) for a in e.args],
                           [ir.Keyword(k.name, self.expr(k.value)) for k in e.keywords])
        if isinstance(e, ir.BinOp):
            return ir.BinOp(e.op, self.expr(e.left), self.expr(e.right))
        if isinstance(e, ir.UnaryOp):
            return ir.UnaryOp(e.op, self.expr(e.operand))
        if isinstance(e, ir.Compare):
            return ir.Compare(self.expr(e.left), list(e.ops), [self.expr(c) for c in e.comparators])
        if isinstance(e, ir.BoolOp):
            return ir.BoolOp(e.op, [self.expr(v) for v in e.values])
        if isinstance(e, ir.IfExp):
            return ir.IfExp(self.expr(e.test), self.expr(e.body), self.expr(e.orelse))
        if isinstance(e, ir.Subscript):
            return ir.Subscript(self.expr(e.value), self.expr(e.index))
        if isinstance(e, ir.Slice):
            return ir.Slice(self.expr(e.lower), self.expr(e.upper), self.expr(e.step))
        if isinstance(e, ir.Tuple):
            return ir.Tuple([self.expr(x) for x in e.elts])
        if isinstance(e, ir.List):
            return ir.List([self.expr(x) for x in e.elts])
        if isinstance(e, ir.Starred):
            return ir.Starred(self.expr(e.value))
        if isinstance(e, ir.Dict):
            return ir.Dict([self.expr(k) if k is not None else None for k in e.keys],
                           [self.expr(v) for v in e.values])
        if isinstance(e, ir.Comprehension):
            return self.unroll(e)
        raise TypeError("unsupported expression in rule template %s" % self.t.fn.__qualname__)

    def unroll(self, comp):
        """``[f(i) for i in range(n)]`` with ``n`` known here: a list literal of ``f(0)...``."""
        if comp.kind != "list" or len(comp.generators) != 1 or comp.generators[0].ifs or \
                not isinstance(comp.generators[0].target, ir.Name):
            raise TypeError("template %s: only `[... for i in range(...)]` is supported" % self.t.fn.__qualname__)
        gen = comp.generators[0]
        bounds = fold(self.expr(gen.iter))
        if not (isinstance(bounds, ir.Call) and isinstance(bounds.func, ir.Name) and bounds.func.id == "range"
                and all(isinstance(a, ir.Const) for a in bounds.args)):
            raise TypeError("template %s: the range of a comprehension must be known" % self.t.fn.__qualname__)
        name = gen.target.id
        saved = self.values.get(name)
        out = []
        for i in range(*[a.value for a in bounds.args]):
            self.values[name] = ir.Const(i)
            out.append(fold(self.expr(comp.elt)))
        if saved is None:
            self.values.pop(name, None)
        else:
            self.values[name] = saved
        return ir.List(out)

    def special(self, e, lookup):
        if lookup is None:
            raise TypeError("template %s uses %s[] in the wrong mode" % (self.t.fn.__qualname__, e.value.id))
        index = e.index
        if isinstance(index, ir.Name) and index.id in self.t.params:
            if lookup is self.tangent:
                self.covered.add(index.id)
            return lookup(self.param_value(index.id))
        raise TypeError("template %s: d[] and t[] take a parameter name" % self.t.fn.__qualname__)

    def name(self, id_):
        if id_ in self.values:
            return _copy(self.values[id_])
        if id_ in self.t.params:
            return _copy(self.param_value(id_))
        if id_ in self.t.locals:
            return ir.Name(self.local(id_))
        if id_ in ("True", "False", "None"):
            return ir.Const({"True": True, "False": False, "None": None}[id_])
        obj = self.t.globals.get(id_, reader.MISSING)
        if obj is reader.MISSING:
            import builtins
            obj = getattr(builtins, id_, reader.MISSING)
        if obj is reader.MISSING:
            raise NameError("template %s uses unknown name %r" % (self.t.fn.__qualname__, id_))
        return ir.Name(self.bind_global(id_, obj))


def _zero_factors(e):
    """A product by the number 0 (a call-site constant, ``x * 0.0``) in a derivative is a proved zero,
    as the other mode's strong zero makes it: its infinite or NaN co-factor (``np.sqrt``'s partial at
    0) does not make it NaN."""
    if isinstance(e, ir.BinOp):
        left, right = _zero_factors(e.left), _zero_factors(e.right)
        if e.op == "*" and any(isinstance(f, ir.Const) and type(f.value) in (int, float) and f.value == 0
                               for f in (left, right)):
            return Zero(None)
        return e if left is e.left and right is e.right else ir.BinOp(e.op, left, right)
    if isinstance(e, ir.UnaryOp):
        operand = _zero_factors(e.operand)
        return e if operand is e.operand else ir.UnaryOp(e.op, operand)
    return e


def _is_alias(value):
    return isinstance(value, ir.Name)


def _copy(e):
    if isinstance(e, ir.Name):
        return ir.Name(e.id)
    if isinstance(e, ir.Const):
        return ir.Const(e.value)
    if isinstance(e, ir.Attr):
        return ir.Attr(_copy(e.value), e.attr)
    if isinstance(e, ir.Tuple):
        return ir.Tuple([_copy(x) for x in e.elts])
    if isinstance(e, ir.List):
        return ir.List([_copy(x) for x in e.elts])
    return e


# ------------------------------------------------------------------ folding

def signature_of(fn):
    """``inspect.Signature`` of ``fn`` or None when Python cannot tell."""
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return None
