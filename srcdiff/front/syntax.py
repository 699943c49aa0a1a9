"""Parse source into srcdiff's IR (with ``printing``, the only modules that touch gast; ``sugar`` builds IR)."""
from __future__ import annotations

import ast

import gast

from .. import ir
from .maps import MapLambda
from .operators import BINOPS, BOOLOPS, CMPOPS, UNARY
from .printing import unparse, unparse_with_lines  # noqa: F401  (callers read syntax.unparse)
from .sugar import FORMAT, LOWERING_HELPERS, RAISE, RAISE_FROM, SugarLowering  # noqa: F401  (re-exported)



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


class _ToIR(SugarLowering):
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
        op = BINOPS.get(type(node.op).__name__)
        return ir.AugAssign(self.expr(node.target), op, self.expr(node.value), line)

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

    def expr_Call(self, node):
        keywords = [ir.Keyword(k.arg, self.expr(k.value)) for k in node.keywords]
        args = self.exprs(node.args)
        if node.args and isinstance(node.args[0], gast.Lambda) and \
                (isinstance(node.func, gast.Name) and node.func.id in ("map", "reduce") or
                 isinstance(node.func, gast.Attribute) and node.func.attr == "reduce"):
            # front.maps writes ``map`` as a generator expression, front.reductions ``reduce`` as a loop
            args[0] = self.map_lambda(node.args[0])
        return ir.Call(self.expr(node.func), args, keywords)

    def map_lambda(self, node):
        a = node.args
        plain = not (a.vararg or a.kwarg or a.kwonlyargs or a.defaults)
        return MapLambda("Lambda", self.line(node), self.text(node), self.expr(node.body),
                         [p.id for p in a.posonlyargs + a.args] if plain else None)

    def expr_BinOp(self, node):
        op = BINOPS.get(type(node.op).__name__)
        return ir.BinOp(op, self.expr(node.left), self.expr(node.right))

    def expr_UnaryOp(self, node):
        return ir.UnaryOp(UNARY[type(node.op).__name__], self.expr(node.operand))

    def expr_Compare(self, node):
        ops = [CMPOPS[type(o).__name__] for o in node.ops]
        return ir.Compare(self.expr(node.left), ops, self.exprs(node.comparators))

    def expr_BoolOp(self, node):
        return ir.BoolOp(BOOLOPS[type(node.op).__name__], self.exprs(node.values))

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

