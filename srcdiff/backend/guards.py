"""Shape guards compiled into generated code specialized to argument shapes: other shapes are refused."""
from __future__ import annotations

import ast

from ..errors import ArgumentError

HELPER = "__srcdiff_wrong_shapes__"


def compile_module(text, filename, guarded):
    """``text`` compiled, with a guard heading each function ``guarded`` names ({function name: {parameter:
    shape}}): one tuple comparison, ``if (x.shape, W.shape) != ((3,), (3, 4)): <refuse>``. The guard is
    compiled in, not written into the text users read; it sits on the ``def`` line, so no line moves.
    Specialized code bakes shapes in (a mean's ``1 / n``): it must never run on other arrays."""
    if not guarded:
        return compile(text, filename, "exec")
    return compile(guard_tree(ast.parse(text, filename), guarded), filename, "exec")


def guard_tree(tree, guarded):
    """``tree`` (a parsed factory module) with the guards of ``compile_module`` put in."""
    factory = tree.body[0]  # the generated functions are defined in a factory taking their free names
    for node in factory.body:
        if isinstance(node, ast.FunctionDef) and guarded.get(node.name):
            params = {a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs}
            checked = [(p, tuple(s)) for p, s in guarded[node.name].items() if p in params]
            if checked:
                node.body.insert(0, _guard(node, checked))
    return ast.fix_missing_locations(tree)


def _guard(fn, checked):
    names = [p for p, _ in checked]
    expected = ast.Constant(tuple(s for _, s in checked))
    actual = ast.Tuple([ast.Attribute(ast.Name(p, ast.Load()), "shape", ast.Load()) for p in names], ast.Load())
    refuse = ast.Expr(ast.Call(ast.Name(HELPER, ast.Load()), [
        ast.Constant(fn.name), ast.Constant(tuple(names)), actual, expected], []))
    guard = ast.If(ast.Compare(actual, [ast.NotEq()], [expected]), [refuse], [])
    for node in ast.walk(guard):  # on the def's line: line numbers of the code below stay as they were
        node.lineno = node.end_lineno = fn.lineno
        node.col_offset = node.end_col_offset = fn.col_offset
    return guard


def wrong_shapes(function, names, actual, expected):
    """What the guard calls: the refusal."""
    raise ArgumentError(
        "the generated function %s was specialized to arguments of shapes %s and was called with shapes %s: "
        "its code holds those shapes (sizes and broadcasting worked out for them) and would compute wrong "
        "results for others\nCall the srcdiff object (srcdiff.grad(f)(...)), which generates code for each "
        "shape, rather than the generated function it returned for other arguments."
        % (function, ", ".join("%s %s" % (n, s) for n, s in zip(names, expected)),
           ", ".join("%s %s" % (n, s) for n, s in zip(names, actual))))
