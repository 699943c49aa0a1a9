"""The only module that touches gast: parse source into srcdiff's IR and print IR as source."""
from __future__ import annotations

import ast
import math
import re

import gast

from .. import ir

_BINOPS = {
    "Add": "+", "Sub": "-", "Mult": "*", "Div": "/", "FloorDiv": "//", "Mod": "%",
    "Pow": "**", "MatMult": "@", "BitAnd": "&", "BitOr": "|", "BitXor": "^",
    "LShift": "<<", "RShift": ">>",
}
_UNARY = {"USub": "-", "UAdd": "+", "Not": "not", "Invert": "~"}
_CMPOPS = {
    "Eq": "==", "NotEq": "!=", "Lt": "<", "LtE": "<=", "Gt": ">", "GtE": ">=",
    "Is": "is", "IsNot": "is not", "In": "in", "NotIn": "not in",
}
_BOOLOPS = {"And": "and", "Or": "or"}
_BINOP_CLASS = {v: k for k, v in _BINOPS.items()}
_UNARY_CLASS = {v: k for k, v in _UNARY.items()}
_CMP_CLASS = {v: k for k, v in _CMPOPS.items()}
_BOOL_CLASS = {v: k for k, v in _BOOLOPS.items()}


class SyntaxProblem(Exception):
    """The text does not parse; carries the line (relative to the text) and message."""

    def __init__(self, line, message):
        super().__init__(message)
        self.line = line
        self.message = message


def parse_module(text, check=None):
    """Parse ``text`` into a list of top-level gast statements (kept opaque to callers); ``check``
    sees the ``ast`` tree first."""
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise SyntaxProblem(exc.lineno or 1, exc.msg) from None
    if check is not None:
        check(tree)
    return gast.ast_to_gast(tree).body


def deepest(tree):
    """(depth, line) of the most deeply nested node of an ``ast`` tree, found without recursion."""
    best, best_line = 0, 1
    stack = [(tree, 0, 1)]
    while stack:
        node, depth, line = stack.pop()
        line = getattr(node, "lineno", line)
        if depth > best:
            best, best_line = depth, line
        for child in ast.iter_child_nodes(node):
            stack.append((child, depth + 1, line))
    return best, best_line


def function_defs(top_level):
    """(name, line, node) of each ``def`` at the top of a parsed module."""
    return [(n.name, n.lineno, n) for n in top_level if isinstance(n, gast.FunctionDef)]


def is_async_def(top_level, name):
    """Is ``name`` defined by an ``async def`` at the top of a parsed module?"""
    return any(isinstance(n, gast.AsyncFunctionDef) and n.name == name for n in top_level)


def lambdas(top_level):
    """Every lambda in a parsed module, as (parameter names, line, node)."""
    found = []
    for stmt in top_level:
        for node in gast.walk(stmt):
            if isinstance(node, gast.Lambda):
                names = [a.id for a in node.args.posonlyargs + node.args.args]
                found.append((names, node.lineno, node))
    return found


# Runtime helpers that lowered statements call (bound by the pipeline; see runtime.helpers)
RAISE, RAISE_FROM, FORMAT = "raise_error", "raise_from", "format_text"
LOWERING_HELPERS = (RAISE, RAISE_FROM, FORMAT)


class _ToIR:
    """Convert gast nodes to IR; unknown syntax becomes ``Unsupported`` for the fence."""

    def __init__(self, text, line_offset):
        self.lines = text.splitlines()
        self.offset = line_offset

    def line(self, node):
        return getattr(node, "lineno", 1) + self.offset

    def text(self, node):
        try:
            return ast.unparse(gast.gast_to_ast(node)).strip()
        except Exception:  # pragma: no cover - printing is best effort
            start = getattr(node, "lineno", 1) - 1
            return self.lines[start].strip() if start < len(self.lines) else ""

    # statements
    def block(self, stmts):
        return [self.stmt(s) for s in stmts]

    def stmt(self, node):
        kind = type(node).__name__
        line = self.line(node)
        method = getattr(self, "stmt_" + kind, None)
        if method is None:
            return ir.UnsupportedStmt(kind, line, self.text(node))
        return method(node, line)

    def stmt_FunctionDef(self, node, line):
        if node.decorator_list and False:  # decorators are ignored: srcdiff is the decorator
            pass
        return ir.FunctionDef(node.name, self.params(node.args), self.block(node.body), line)

    def params(self, args):
        out = []
        positional = args.posonlyargs + args.args
        defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        for i, (arg, default) in enumerate(zip(positional, defaults)):
            kind = "positional_only" if i < len(args.posonlyargs) else "positional"
            out.append(ir.Param(arg.id, kind, self.expr(default) if default is not None else None))
        if args.vararg is not None:
            out.append(ir.Param(args.vararg.id, "vararg"))
        for arg, default in zip(args.kwonlyargs, args.kw_defaults):
            out.append(ir.Param(arg.id, "keyword_only", self.expr(default) if default is not None else None))
        if args.kwarg is not None:
            out.append(ir.Param(args.kwarg.id, "varkw"))
        return out

    def stmt_Assign(self, node, line):
        if isinstance(node.value, gast.Lambda) and len(node.targets) == 1 and isinstance(node.targets[0], gast.Name):
            # ``g = lambda x: e`` is ``def g(x): return e`` (front.local_functions inlines it at its calls)
            return ir.FunctionDef(node.targets[0].id, self.params(node.value.args),
                                  [ir.Return(self.expr(node.value.body), line)], line)
        return ir.Assign([self.expr(t) for t in node.targets], self.expr(node.value), line)

    def stmt_AnnAssign(self, node, line):
        if node.value is None:
            return ir.Pass(line)
        return ir.Assign([self.expr(node.target)], self.expr(node.value), line)

    def stmt_AugAssign(self, node, line):
        op = _BINOPS.get(type(node.op).__name__)
        return ir.AugAssign(self.expr(node.target), op, self.expr(node.value), line)

    def stmt_Raise(self, node, line):
        """``raise E(args)`` is ``raise_error(E, args)``, a call: every pass keeps it where it stands."""
        if node.exc is None:
            return ir.UnsupportedStmt("Raise", line, self.text(node))  # a bare re-raise needs `except`
        exc = self.expr(node.exc)
        if node.cause is not None:
            return ir.ExprStmt(ir.Call(ir.Name(RAISE_FROM), [exc, self.expr(node.cause)], []), line)
        if isinstance(exc, ir.Call):
            return ir.ExprStmt(ir.Call(ir.Name(RAISE), [exc.func] + exc.args, exc.keywords), line)
        return ir.ExprStmt(ir.Call(ir.Name(RAISE), [exc], []), line)

    def stmt_Assert(self, node, line):
        """``assert c, m`` is ``if not c: raise_error(AssertionError, m)``."""
        args = [self.expr(node.msg)] if node.msg is not None else []
        fail = ir.ExprStmt(ir.Call(ir.Name(RAISE), [ir.Name("AssertionError")] + args, []), line)
        return ir.If(ir.UnaryOp("not", self.expr(node.test)), [fail], [], line)

    def stmt_Expr(self, node, line):
        return ir.ExprStmt(self.expr(node.value), line)

    def stmt_Return(self, node, line):
        return ir.Return(self.expr(node.value) if node.value is not None else None, line)

    def stmt_If(self, node, line):
        return ir.If(self.expr(node.test), self.block(node.body), self.block(node.orelse), line)

    def stmt_For(self, node, line):
        return ir.For(self.expr(node.target), self.expr(node.iter), self.block(node.body),
                      self.block(node.orelse), line)

    def stmt_While(self, node, line):
        return ir.While(self.expr(node.test), self.block(node.body), self.block(node.orelse), line)

    def stmt_Break(self, node, line):
        return ir.Break(line)

    def stmt_Continue(self, node, line):
        return ir.Continue(line)

    def stmt_Pass(self, node, line):
        return ir.Pass(line)

    # expressions
    def expr(self, node):
        kind = type(node).__name__
        method = getattr(self, "expr_" + kind, None)
        if method is None:
            return ir.Unsupported(kind, self.line(node), self.text(node))
        return method(node)

    def expr_Yield(self, node):
        value = self.expr(node.value) if node.value is not None else ir.Const(None)
        return ir.Unsupported("Yield", self.line(node), self.text(node), value)

    def exprs(self, nodes):
        return [self.expr(n) for n in nodes]

    def expr_Name(self, node):
        return ir.Name(node.id)

    def expr_Constant(self, node):
        return ir.Const(node.value)

    def expr_Attribute(self, node):
        return ir.Attr(self.expr(node.value), node.attr)

    def expr_JoinedStr(self, node):
        """An f-string as ``format_text(template, values...)``; nested fields in a format spec are refused."""
        template, values = [], []
        for part in node.values:
            if isinstance(part, gast.Constant):
                template.append(str(part.value).replace("{", "{{").replace("}", "}}"))
                continue
            spec = ""
            if part.format_spec is not None:
                if not all(isinstance(p, gast.Constant) for p in part.format_spec.values):
                    return ir.Unsupported("JoinedStr", self.line(node), self.text(node))
                spec = ":" + "".join(str(p.value) for p in part.format_spec.values)
            conversion = "" if part.conversion in (None, -1) else "!" + chr(part.conversion)
            template.append("{" + conversion + spec + "}")
            values.append(self.expr(part.value))
        return ir.Call(ir.Name(FORMAT), [ir.Const("".join(template))] + values, [])

    def expr_Call(self, node):
        keywords = [ir.Keyword(k.arg, self.expr(k.value)) for k in node.keywords]
        return ir.Call(self.expr(node.func), self.exprs(node.args), keywords)

    def expr_BinOp(self, node):
        op = _BINOPS.get(type(node.op).__name__)
        return ir.BinOp(op, self.expr(node.left), self.expr(node.right))

    def expr_UnaryOp(self, node):
        return ir.UnaryOp(_UNARY[type(node.op).__name__], self.expr(node.operand))

    def expr_Compare(self, node):
        ops = [_CMPOPS[type(o).__name__] for o in node.ops]
        return ir.Compare(self.expr(node.left), ops, self.exprs(node.comparators))

    def expr_BoolOp(self, node):
        return ir.BoolOp(_BOOLOPS[type(node.op).__name__], self.exprs(node.values))

    def expr_IfExp(self, node):
        return ir.IfExp(self.expr(node.test), self.expr(node.body), self.expr(node.orelse))

    def expr_Subscript(self, node):
        return ir.Subscript(self.expr(node.value), self.expr(node.slice))

    def expr_Slice(self, node):
        def opt(n):
            return self.expr(n) if n is not None else None
        return ir.Slice(opt(node.lower), opt(node.upper), opt(node.step))

    def expr_Tuple(self, node):
        return ir.Tuple(self.exprs(node.elts))

    def expr_List(self, node):
        return ir.List(self.exprs(node.elts))

    def expr_Dict(self, node):
        keys = [self.expr(k) if k is not None else None for k in node.keys]
        return ir.Dict(keys, self.exprs(node.values))

    def expr_Starred(self, node):
        return ir.Starred(self.expr(node.value))

    def _generators(self, gens):
        out = []
        for g in gens:
            if g.is_async:
                return None
            out.append(ir.Generator(self.expr(g.target), self.expr(g.iter), self.exprs(g.ifs)))
        return out

    def _comprehension(self, node, kind, elt, key=None):
        gens = self._generators(node.generators)
        if gens is None:
            return ir.Unsupported("async comprehension", self.line(node), self.text(node))
        return ir.Comprehension(kind, self.expr(elt), self.expr(key) if key is not None else None, gens)

    def expr_ListComp(self, node):
        return self._comprehension(node, "list", node.elt)

    def expr_SetComp(self, node):
        return self._comprehension(node, "set", node.elt)

    def expr_GeneratorExp(self, node):
        return self._comprehension(node, "generator", node.elt)

    def expr_DictComp(self, node):
        return self._comprehension(node, "dict", node.value, node.key)


def to_ir(node, text, line_offset=0):
    """Convert one gast statement (usually a ``def``) to IR; lines shifted by ``line_offset``."""
    return _ToIR(text, line_offset).stmt(node)


def lambda_to_ir(node, text, line_offset=0):
    """Convert a gast lambda into an IR ``FunctionDef`` named ``<lambda>`` returning its body."""
    conv = _ToIR(text, line_offset)
    line = conv.line(node)
    return ir.FunctionDef("<lambda>", conv.params(node.args), [ir.Return(conv.expr(node.body), line)], line)


def parse_expression(text):
    """Parse a single expression into IR (used for rule templates and command-line input)."""
    try:
        tree = gast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise SyntaxProblem(exc.lineno or 1, exc.msg) from None
    return _ToIR(text, 0).expr(tree.body)


# --------------------------------------------------------------------- printing

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
