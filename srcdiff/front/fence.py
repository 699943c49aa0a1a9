"""The supported-syntax whitelist: refuse anything else with file, line, source text and a fix."""
from __future__ import annotations

from .. import ir
from ..errors import UnsupportedSyntaxError, located

# kind of syntax -> (what it is, what to do instead)
_ADVICE = {
    "Try": ("`try` statements", "Move error handling to the caller and differentiate the code inside the `try`."),
    "With": ("`with` statements",
             "Enter the context manager in the caller; differentiate the body as its own function."),
    "AsyncWith": ("`async with` statements", "Differentiate synchronous code only."),
    "AsyncFor": ("`async for` loops", "Differentiate synchronous code only."),
    "AsyncFunctionDef": ("`async def` functions", "Differentiate synchronous code only."),
    "Await": ("`await` expressions", "Differentiate synchronous code only."),
    "Global": ("`global` statements", "Pass the value in as an argument and return the new value instead."),
    "Nonlocal": ("`nonlocal` statements", "Pass the value in as an argument and return the new value instead."),
    "Yield": ("`yield` here (a generator is run as a function building the list it yields)",
              "Yield values in statements of their own (`yield v`), or build and return a list."),
    "YieldFrom": ("`yield from`", "Loop over the inner generator and yield each item: `for v in inner(...): yield v`."),
    "Lambda": ("`lambda` inside a differentiated function",
               "Define the helper with `def` at module level and call it."),
    "ClassDef": ("class definitions", "Define classes outside the differentiated function."),
    "FunctionDef": ("functions defined inside the differentiated function",
                    "Define the helper at module level (or in an enclosing function) and call it."),
    "Import": ("`import` statements", "Import at module level."),
    "ImportFrom": ("`import` statements", "Import at module level."),
    "Raise": ("a bare `raise` (re-raising needs `try`, which srcdiff does not differentiate)",
              "Raise an exception object: `raise ValueError(...)`."),
    "Assert": ("`assert` statements", "Check inputs before calling the gradient function."),
    "Delete": ("`del` statements", "Remove the `del`; the reverse sweep may need the value."),
    "NamedExpr": ("assignment expressions (`:=`)", "Assign the value in its own statement first."),
    "JoinedStr": ("f-strings", "Format strings outside the differentiated function."),
    "Set": ("set literals", "Use a list or tuple."),
    "SetComp": ("set comprehensions", "Use a list comprehension."),
    "Match": ("`match` statements", "Use `if`/`elif`/`else`."),
    "TypeAlias": ("`type` statements", "Define type aliases at module level."),
}


def _refuse(filename, line, text, kind):
    what, fix = _ADVICE.get(kind, ("%s syntax" % kind, "Rewrite it with plain assignments, calls, "
                                   "`if`, `for` and `while`."))
    text = text.splitlines()[0] + (" ..." if "\n" in text else "") if text else text
    return UnsupportedSyntaxError(located(filename, line, text, "srcdiff does not support %s" % what, fix))


def check(fn_def, filename):
    """Raise ``UnsupportedSyntaxError`` at the first construct outside the supported language."""
    _check_block(fn_def.body, filename, fn_def.line)


def _check_block(stmts, filename, line):
    for s in stmts:
        line = getattr(s, "line", line) or line
        if isinstance(s, ir.UnsupportedStmt):
            raise _refuse(filename, s.line, s.text, s.kind)
        if isinstance(s, ir.FunctionDef):
            raise _refuse(filename, s.line, "def %s(...):" % s.name, "FunctionDef")
        for node in s.children():
            if isinstance(node, ir.Expr) or isinstance(node, (ir.Keyword, ir.Generator)):
                _check_expr(node, filename, line)
        for block in ir.blocks(s):
            _check_block(block, filename, line)


def _check_expr(expr, filename, line):
    for node in ir.walk(expr):
        if isinstance(node, ir.Unsupported):
            raise _refuse(filename, node.line, node.text, node.kind)
        if isinstance(node, ir.Comprehension) and node.kind == "set":
            from . import syntax
            raise _refuse(filename, line, syntax.unparse(node), "SetComp")
