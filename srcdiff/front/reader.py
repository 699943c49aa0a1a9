"""Read a function's source, parse it to IR, and resolve the names it uses to live objects."""
from __future__ import annotations

import builtins
import inspect
import linecache
import textwrap
import types
from dataclasses import dataclass

from ..backend import deep
from .. import ir
from . import source_check, syntax
from ..errors import SourceUnavailableError, UnsupportedSyntaxError, located

MISSING = object()


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
        if is_wrapper_object(fn):
            raise _wrapper_object(fn)
        kind = "a builtin or C function" if callable(fn) else "not a function"
        raise _no_source(fn, "it is %s, which has no Python source" % kind)
    try:
        lines, first, filename = running_source(fn)
    except (OSError, TypeError) as exc:
        raise _no_source(fn, "Python has no source text for it (%s; was it typed at an interactive "
                             "prompt or created by exec?)" % exc) from None
    source_check.require_current(fn, lines, first, filename)
    text = textwrap.dedent("".join(lines))
    offset = max(first - 1, 0)
    check = (lambda tree: deep.check_nesting(tree, filename, offset, text)) if deep.on_large_stack() else None
    try:
        top = syntax.parse_module(text, check)
    except syntax.SyntaxProblem:
        top = None
    if code.co_name == "<lambda>" or (fn.__name__ == "<lambda>" and getattr(fn, "__wrapped__", None) is None):
        return _load_lambda(fn, filename, text, top, offset)
    # the text read starts at the code's own first line; its `def` is named by the code (a wrapper's
    # ``__name__`` is copied from the function it wraps), or by ``__name__`` (a renamed code object)
    name = next((n for n in (code.co_name, fn.__name__) if any(d[0] == n for d in syntax.function_defs(top or []))),
                code.co_name)
    defs = [d for d in syntax.function_defs(top or []) if d[0] == name]
    if not defs and syntax.is_async_def(top or [], name):
        raise UnsupportedSyntaxError(located(filename, first, "async def %s(...):" % name,
                                             "srcdiff does not support `async def` functions",
                                             "Differentiate synchronous code only."))
    if not defs:
        raise _no_source(fn, "the text at %s:%d does not parse as its `def`" % (filename, first))
    tree = syntax.to_ir(defs[0][2], text, offset)
    check_wrapper(fn, tree, filename)
    return Source(fn, filename, tree, text)


def running_source(fn):
    """(lines, first line, filename) of the `def` whose code ``fn`` runs.

    ``inspect.getsourcelines(fn)`` follows ``__wrapped__``: for a function a decorator wrapped with
    ``functools.wraps`` it returns the undecorated function's text, not the wrapper that runs.
    The source of the code object itself is the wrapper's.
    """
    code = fn.__code__
    if getattr(fn, "__wrapped__", None) is None:
        lines, first = inspect.getsourcelines(fn)
        return lines, first, inspect.getsourcefile(fn) or code.co_filename
    lines, first = inspect.getsourcelines(code)
    return lines, first, inspect.getsourcefile(code) or code.co_filename


def check_wrapper(fn, tree, filename):
    """Refuse a decorator's wrapper (``functools.wraps``) that srcdiff cannot differentiate in
    place of the function it wraps: one taking ``*args``/``**kwargs``, or whose parameters differ
    from the wrapped function's (which ``inspect.signature`` reports, and srcdiff binds by)."""
    wrapped = getattr(fn, "__wrapped__", None)
    if wrapped is None:
        return
    own = inspect.signature(fn, follow_wrapped=False).parameters.values()
    try:
        shown = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # it wraps something without a signature (a ufunc)
        shown = ()
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in own):
        why = "it takes *args or **kwargs, which srcdiff does not differentiate"
    elif len(own) != len(shown) or not all(a.name == b.name and a.kind == b.kind and _same(a.default, b.default)
                                           for a, b in zip(own, shown)):
        why = "its parameters differ from those of the function it wraps"
    else:
        return
    name = getattr(fn, "__qualname__", tree.name)
    raise UnsupportedSyntaxError(located(
        filename, tree.line, linecache.getline(filename, tree.line).strip() or "def %s(...):" % tree.name,
        "%s is the wrapper `%s` made by a decorator (functools.wraps), and srcdiff differentiates the code "
        "that runs, the wrapper; but %s" % (name, tree.name, why),
        "Differentiate the undecorated function `%s.__wrapped__` (and apply what the decorator does "
        "outside), apply the decorator to the function srcdiff returns, or give the wrapper the wrapped "
        "function's parameters by name (`def %s(%s): ...`)."
        % (name, tree.name, ", ".join(p.name for p in shown) or "x")))


def _same(a, b):
    """Equal parameter defaults: the same object, or equal Python constants."""
    return a is b or (type(a) is type(b) and isinstance(a, (bool, int, float, complex, str)) and a == b)


def is_wrapper_object(obj):
    """Is ``obj`` a callable object a decorator put around a Python function (``functools.lru_cache``,
    a user's class), rather than a function? (NumPy's dispatchers wrap functions too: not those.)"""
    return isinstance(getattr(obj, "__wrapped__", None), types.FunctionType) and \
        not isinstance(obj, types.FunctionType) and not type(obj).__module__.startswith(("numpy", "scipy"))


def _wrapper_object(fn):
    """The refusal of a callable object wrapping a function (``functools.lru_cache``)."""
    name = getattr(fn, "__qualname__", None) or repr(fn)
    return SourceUnavailableError(
        "cannot differentiate %s: it is a %s object wrapping a function (made by a decorator such as "
        "functools.lru_cache), and what the object does around the function has no Python source\n"
        "Differentiate the undecorated function `%s.__wrapped__`, or remove the decorator (a cache cannot "
        "hold arrays anyway)."
        % (name, type(fn).__name__, name))


def _load_lambda(fn, filename, text, top, offset):
    params = list(fn.__code__.co_varnames[: fn.__code__.co_argcount])
    line = fn.__code__.co_firstlineno
    found = [lam for lam in syntax.lambdas(top or []) if lam[0] == params and lam[1] + offset == line]
    if not found and top is None:  # a lambda on a continuation line (an argument of a call over several lines)
        text, offset = _whole_file(filename, text), 0
        found = [lam for lam in syntax.lambdas(_parse_or_none(text)) if lam[0] == params and lam[1] == line]
    if len(found) != 1:
        why = ("%s:%d holds %d lambdas with parameters (%s), so srcdiff cannot tell which one is meant"
               % (filename, line, len(found), ", ".join(params))) if found else \
            "%s:%d does not parse on its own" % (filename, line)
        raise _no_source(fn, why)
    return Source(fn, filename, syntax.lambda_to_ir(found[0][2], text, offset), text)


def _whole_file(filename, text):
    lines = linecache.getlines(filename)
    return "".join(lines) if lines else text


def _parse_or_none(text):
    try:
        return syntax.parse_module(text, None)
    except syntax.SyntaxProblem:
        return []


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
        """The object bound to a free ``name``, or ``MISSING``."""
        if name in self.closure:
            try:
                return self.closure[name].cell_contents
            except ValueError:
                return MISSING
        if name in self.globals:
            return self.globals[name]
        return self.builtins.get(name, MISSING)

    def resolve(self, expr, local_names):
        """Object named by a ``Name``/``Attr`` chain not rooted at a local, else ``MISSING``."""
        if isinstance(expr, ir.Name):
            if expr.id in local_names:
                return MISSING
            return self.lookup(expr.id)
        if isinstance(expr, ir.Attr):
            base = self.resolve(expr.value, local_names)
            if base is MISSING:
                return MISSING
            try:
                return getattr(base, expr.attr)
            except Exception:
                return MISSING
        return MISSING


def is_missing(obj):
    return obj is MISSING


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
