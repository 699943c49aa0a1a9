"""Read a function's source, parse it to IR, and resolve the names it uses to live objects."""
from __future__ import annotations

import builtins
import inspect
import textwrap
from dataclasses import dataclass

from . import ir, source_check, syntax
from .errors import SourceUnavailableError

_MISSING = object()


@dataclass
class Source:
    """A user function's parsed definition and where its text came from."""

    fn: object
    filename: str
    tree: ir.FunctionDef
    text: str  # the whole file's text when known, for error messages


def _no_source(fn, why):
    name = getattr(fn, "__qualname__", repr(fn))
    return SourceUnavailableError(
        "cannot read the source of %s: %s\nsrcdiff transforms Python source text. Define the "
        "function with `def` in a .py file (or a notebook cell) and pass that function." % (name, why))


def load(fn):
    """Parse ``fn``'s definition; raise ``SourceUnavailableError`` saying why when impossible."""
    code = getattr(fn, "__code__", None)
    if code is None:
        kind = "a builtin or C function" if callable(fn) else "not a function"
        raise _no_source(fn, "it is %s, which has no Python source" % kind)
    try:
        lines, first = inspect.getsourcelines(fn)
        filename = inspect.getsourcefile(fn) or code.co_filename
    except (OSError, TypeError) as exc:
        raise _no_source(fn, "Python has no source text for it (%s; was it typed at an interactive "
                             "prompt or created by exec?)" % exc) from None
    source_check.require_current(fn, lines, first, filename)
    text = textwrap.dedent("".join(lines))
    offset = max(first - 1, 0)
    try:
        top = syntax.parse_module(text)
    except syntax.SyntaxProblem:
        top = None
    if fn.__name__ == "<lambda>":
        return _load_lambda(fn, filename, text, top, offset)
    defs = [d for d in syntax.function_defs(top or []) if d[0] == fn.__name__]
    if not defs and syntax.is_async_def(top or [], fn.__name__):
        from .errors import UnsupportedSyntaxError, located
        raise UnsupportedSyntaxError(located(filename, first, "async def %s(...):" % fn.__name__,
                                             "srcdiff does not support `async def` functions",
                                             "Differentiate synchronous code only."))
    if not defs:
        raise _no_source(fn, "the text at %s:%d does not parse as its `def`" % (filename, first))
    tree = syntax.to_ir(defs[0][2], text, offset)
    return Source(fn, filename, tree, text)


def _load_lambda(fn, filename, text, top, offset):
    params = list(fn.__code__.co_varnames[: fn.__code__.co_argcount])
    line = fn.__code__.co_firstlineno
    found = [lam for lam in syntax.lambdas(top or []) if lam[0] == params and lam[1] + offset == line]
    if len(found) != 1:
        why = ("%s:%d holds %d lambdas with parameters (%s), so srcdiff cannot tell which one is meant"
               % (filename, line, len(found), ", ".join(params))) if found else \
            "%s:%d does not parse on its own" % (filename, line)
        raise _no_source(fn, why)
    return Source(fn, filename, syntax.lambda_to_ir(found[0][2], text, offset), text)


class Environment:
    """Resolves names free in a function to the objects they are bound to right now."""

    def __init__(self, fn):
        self.fn = fn
        code = fn.__code__
        self.globals = fn.__globals__
        self.closure = {}
        for name, cell in zip(code.co_freevars, fn.__closure__ or ()):
            self.closure[name] = cell
        self.builtins = self.globals.get("__builtins__", builtins)
        if isinstance(self.builtins, type(builtins)):
            self.builtins = vars(self.builtins)

    def lookup(self, name):
        """The object bound to a free ``name``, or ``_MISSING``."""
        if name in self.closure:
            try:
                return self.closure[name].cell_contents
            except ValueError:
                return _MISSING
        if name in self.globals:
            return self.globals[name]
        return self.builtins.get(name, _MISSING)

    def resolve(self, expr, local_names):
        """Object named by a ``Name``/``Attr`` chain not rooted at a local, else ``_MISSING``."""
        if isinstance(expr, ir.Name):
            if expr.id in local_names:
                return _MISSING
            return self.lookup(expr.id)
        if isinstance(expr, ir.Attr):
            base = self.resolve(expr.value, local_names)
            if base is _MISSING:
                return _MISSING
            try:
                return getattr(base, expr.attr)
            except Exception:
                return _MISSING
        return _MISSING


def is_missing(obj):
    return obj is _MISSING


def local_names(fn_def):
    """Names a function binds: parameters, assignment and loop targets (Python's local rule)."""
    names = {p.name for p in fn_def.params}
    for node in ir.walk(fn_def):
        if isinstance(node, ir.Assign):
            for t in node.targets:
                names.update(ir.target_names(t))
        elif isinstance(node, (ir.AugAssign,)):
            names.update(ir.target_names(node.target))
        elif isinstance(node, ir.For):
            names.update(ir.target_names(node.target))
        elif isinstance(node, ir.Generator):
            names.update(ir.target_names(node.target))
    return names
