"""Print IR as Python source: IR back to gast, then ``ast.unparse``, comments and line numbers kept."""
from __future__ import annotations

import ast
import math
import re

import gast

from .. import ir
from .operators import BINOPS, BOOLOPS, CMPOPS, UNARY

_BINOP_CLASS = {v: k for k, v in BINOPS.items()}
_UNARY_CLASS = {v: k for k, v in UNARY.items()}
_CMP_CLASS = {v: k for k, v in CMPOPS.items()}
_BOOL_CLASS = {v: k for k, v in BOOLOPS.items()}


class _ToGast:
    """Convert IR back to gast; comments become marker names replaced after unparsing."""

    def __init__(self):
        self.comments = []

    def name(self, id_, ctx):
        return gast.Name(id=id_, ctx=ctx, annotation=None, type_comment=None)

    def block(self, stmts):
        out = [self.stmt(s) for s in stmts]
        if not out or all(self._is_comment(s) for s in out):
            out.append(gast.Pass())
        return out

    def _is_comment(self, node):
        return (isinstance(node, gast.Expr) and isinstance(node.value, gast.Name)
                and node.value.id.startswith("__srcdiff_comment_"))

    def stmt(self, s):
        node = self._stmt(s)
        node.lineno = s.line  # the user's line (0: made up by srcdiff), read back by ``user_lines``
        return node

    def _stmt(self, s):
        if isinstance(s, ir.Comment):
            self.comments.append(s.text)
            marker = "__srcdiff_comment_%d__" % (len(self.comments) - 1)
            return gast.Expr(value=self.name(marker, gast.Load()))
        if isinstance(s, ir.Assign):
            return gast.Assign(targets=[self.expr(t, gast.Store()) for t in s.targets],
                               value=self.expr(s.value), type_comment=None)
        if isinstance(s, ir.AugAssign):
            return gast.AugAssign(target=self.expr(s.target, gast.Store()),
                                  op=getattr(gast, _BINOP_CLASS[s.op])(), value=self.expr(s.value))
        if isinstance(s, ir.ExprStmt):
            return gast.Expr(value=self.expr(s.value))
        if isinstance(s, ir.Return):
            return gast.Return(value=self.expr(s.value) if s.value is not None else None)
        if isinstance(s, ir.If):
            orelse = [self.stmt(x) for x in s.orelse]
            if orelse and all(self._is_comment(x) for x in orelse):
                orelse.append(gast.Pass())
            return gast.If(test=self.expr(s.test), body=self.block(s.body), orelse=orelse)
        if isinstance(s, ir.For):
            return gast.For(target=self.expr(s.target, gast.Store()), iter=self.expr(s.iter),
                            body=self.block(s.body), orelse=[self.stmt(x) for x in s.orelse],
                            type_comment=None)
        if isinstance(s, ir.While):
            return gast.While(test=self.expr(s.test), body=self.block(s.body),
                              orelse=[self.stmt(x) for x in s.orelse])
        if isinstance(s, ir.Break):
            return gast.Break()
        if isinstance(s, ir.Continue):
            return gast.Continue()
        if isinstance(s, ir.Pass):
            return gast.Pass()
        if isinstance(s, ir.FunctionDef):
            return self.function(s)
        raise TypeError("cannot print %r" % (s,))

    def function(self, f):
        posonly, args, defaults, kwonly, kw_defaults = [], [], [], [], []
        vararg = kwarg = None
        for p in f.params:
            if p.kind in ("positional_only", "positional"):
                (posonly if p.kind == "positional_only" else args).append(self.name(p.name, gast.Param()))
                if p.default is not None:
                    defaults.append(self.expr(p.default))
            elif p.kind == "vararg":
                vararg = self.name(p.name, gast.Param())
            elif p.kind == "keyword_only":
                kwonly.append(self.name(p.name, gast.Param()))
                kw_defaults.append(self.expr(p.default) if p.default is not None else None)
            else:
                kwarg = self.name(p.name, gast.Param())
        arguments = gast.arguments(args=args, posonlyargs=posonly, vararg=vararg, kwonlyargs=kwonly,
                                   kw_defaults=kw_defaults, kwarg=kwarg, defaults=defaults)
        return gast.FunctionDef(name=f.name, args=arguments, body=self.block(f.body),
                                decorator_list=[], returns=None, type_comment=None, type_params=[])

    def expr(self, e, ctx=None):
        ctx = ctx or gast.Load()
        if isinstance(e, ir.Name):
            return self.name(e.id, ctx)
        if isinstance(e, ir.Const):
            return _constant(e.value)
        if isinstance(e, ir.Attr):
            return gast.Attribute(value=self.expr(e.value), attr=e.attr, ctx=ctx)
        if isinstance(e, ir.Call):
            keywords = [gast.keyword(arg=k.name, value=self.expr(k.value)) for k in e.keywords]
            return gast.Call(func=self.expr(e.func), args=[self.expr(a) for a in e.args], keywords=keywords)
        if isinstance(e, ir.BinOp):
            return gast.BinOp(left=self.expr(e.left), op=getattr(gast, _BINOP_CLASS[e.op])(),
                              right=self.expr(e.right))
        if isinstance(e, ir.UnaryOp):
            return gast.UnaryOp(op=getattr(gast, _UNARY_CLASS[e.op])(), operand=self.expr(e.operand))
        if isinstance(e, ir.Compare):
            return gast.Compare(left=self.expr(e.left), ops=[getattr(gast, _CMP_CLASS[o])() for o in e.ops],
                                comparators=[self.expr(c) for c in e.comparators])
        if isinstance(e, ir.BoolOp):
            return gast.BoolOp(op=getattr(gast, _BOOL_CLASS[e.op])(), values=[self.expr(v) for v in e.values])
        if isinstance(e, ir.IfExp):
            return gast.IfExp(test=self.expr(e.test), body=self.expr(e.body), orelse=self.expr(e.orelse))
        if isinstance(e, ir.Subscript):
            return gast.Subscript(value=self.expr(e.value), slice=self.expr(e.index), ctx=ctx)
        if isinstance(e, ir.Slice):
            def opt(x):
                return self.expr(x) if x is not None else None
            return gast.Slice(lower=opt(e.lower), upper=opt(e.upper), step=opt(e.step))
        if isinstance(e, ir.Tuple):
            return gast.Tuple(elts=[self.expr(x, ctx) for x in e.elts], ctx=ctx)
        if isinstance(e, ir.List):
            return gast.List(elts=[self.expr(x, ctx) for x in e.elts], ctx=ctx)
        if isinstance(e, ir.Dict):
            return gast.Dict(keys=[self.expr(k) if k is not None else None for k in e.keys],
                             values=[self.expr(v) for v in e.values])
        if isinstance(e, ir.Starred):
            return gast.Starred(value=self.expr(e.value, ctx), ctx=ctx)
        if isinstance(e, ir.Comprehension):
            gens = [gast.comprehension(target=self.expr(g.target, gast.Store()), iter=self.expr(g.iter),
                                       ifs=[self.expr(c) for c in g.ifs], is_async=0) for g in e.generators]
            if e.kind == "dict":
                return gast.DictComp(key=self.expr(e.key), value=self.expr(e.elt), generators=gens)
            cls = {"list": gast.ListComp, "set": gast.SetComp, "generator": gast.GeneratorExp}[e.kind]
            return cls(elt=self.expr(e.elt), generators=gens)
        raise TypeError("cannot print %r" % (e,))


def _constant(value):
    """A literal; a negative number becomes ``-(positive)``.

    ``ast.unparse`` prints a negative ``Constant`` bare, so ``Constant(-2.0) ** 2`` would read back
    as ``-(2.0 ** 2)``; as a unary minus the printer adds the parentheses precedence needs."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.copysign(1, value) < 0:
        return gast.UnaryOp(op=gast.USub(), operand=gast.Constant(value=-value, kind=None))
    return gast.Constant(value=value, kind=None)


_COMMENT_LINE = re.compile(r"^(\s*)__srcdiff_comment_(\d+)__$")


def unparse(node):
    """Source text of an IR function, statement list, statement or expression."""
    return _unparse(node)[0]


def unparse_with_lines(function):
    """(source text of an IR function, {line of the text: line of the user's file it came from})."""
    text, tree, marked = _unparse(function)
    printed = ast.parse(marked)  # the same statements (comments still markers), located in the text
    lines = {}
    for made, read in zip(_statements(tree), _statements(printed)):
        if made.lineno:
            simple = not any(isinstance(getattr(read, f, None), list) for f in ("body", "orelse"))
            for line in range(read.lineno, (read.end_lineno if simple else read.lineno) + 1):
                lines[line] = made.lineno
    return text, lines


def _statements(tree):
    """Every statement of an ``ast`` tree, depth first in source order."""
    for field in ("body", "orelse", "handlers", "finalbody"):
        for node in getattr(tree, field, None) or ():
            if isinstance(node, ast.stmt):
                yield node
                yield from _statements(node)


def _unparse(node):
    conv = _ToGast()
    if isinstance(node, list):
        tree = gast.Module(body=conv.block(node), type_ignores=[])
    elif isinstance(node, ir.Stmt):
        tree = gast.Module(body=[conv.stmt(node)], type_ignores=[])
    else:
        tree = gast.Expression(body=conv.expr(node))
    tree = ast.fix_missing_locations(gast.gast_to_ast(tree))
    text = ast.unparse(tree)
    out = []
    for line in text.split("\n"):
        match = _COMMENT_LINE.match(line)
        if match:
            line = "%s# %s" % (match.group(1), conv.comments[int(match.group(2))])
        out.append(line)
    return "\n".join(out) + ("\n" if isinstance(node, (list, ir.Stmt)) else ""), tree, text
