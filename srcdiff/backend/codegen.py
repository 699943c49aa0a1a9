"""Turn generated IR into live functions: unparse, compile under a linecache filename, bind names.

Generated code reads the user's module globals live (so a changed global is seen on the next
call; a target with ``live_globals=False`` gets a snapshot of them instead) and gets srcdiff's
helpers and the user's closure cells as its own closure cells, so nothing is written into the
user's namespace.
"""
from __future__ import annotations

import hashlib
import linecache
import textwrap
import types
from dataclasses import dataclass, field

from . import guards
from .. import tracebacks
from ..front import syntax
from . import duck
from .targets import check_helpers, freeze_globals

_FACTORY = "__srcdiff_factory__"


@dataclass
class Compiled:
    """Generated functions sharing one text: code objects plus what their free names mean."""

    source: str  # the functions as users read them
    filename: str  # the linecache key the code was compiled under
    codes: dict  # function name -> code object
    helpers: dict  # helper name -> object
    closure_names: tuple  # user closure variables the code reads
    user_file: str = ""  # the user's file the code was generated from
    user_name: str = ""  # the user's function
    user_lines: dict = field(default_factory=dict)  # line of ``filename`` -> line of ``user_file``
    live_globals: bool = True  # False: the code reads a snapshot of the globals taken when it is built
    jit: object = None  # a compiled target's compiler (``Target.jit``)
    jitted: dict = field(default_factory=dict)  # (name, user cells' contents) -> its compiled function
    guarded: dict = field(default_factory=dict)  # {function name: {parameter: shape}} (see ``guards``)

    def build(self, name, user_fn, defaults=None, kwdefaults=None):
        """A function object for ``name``, reading ``user_fn``'s globals and closure cells."""
        code = self.codes[name]
        user_cells = dict(zip(user_fn.__code__.co_freevars, user_fn.__closure__ or ()))
        if self.jit is not None:  # compiled once per value of the closure variables it freezes
            key = (name, tuple(id(cell.cell_contents) for n, cell in sorted(user_cells.items())
                               if n in code.co_freevars))
            if key not in self.jitted:
                self.jitted[key] = self.jitted_function(name, code, user_fn, user_cells, defaults, kwdefaults)
            return self.jitted[key]
        cells = []
        for free in code.co_freevars:
            if free in self.helpers:
                helper = self.helpers[free]
                resolve = getattr(helper, "__srcdiff_resolve__", None)  # a recursion trampoline
                cells.append(types.CellType(resolve() or helper if resolve is not None else helper))
            elif free in user_cells:
                cells.append(user_cells[free])
            else:  # a generated function calling a sibling defined later
                cells.append(types.CellType())
        namespace = user_fn.__globals__ if self.live_globals else dict(user_fn.__globals__)
        fn = types.FunctionType(code, namespace, name, defaults, tuple(cells))
        if kwdefaults:
            fn.__kwdefaults__ = dict(kwdefaults)
        fn.__srcdiff_source__ = self.function_source(name)
        fn.__srcdiff_compiled__ = self
        return fn

    def jitted_function(self, name, code, user_fn, user_cells, defaults, kwdefaults):
        """``name`` compiled by the target's ``jit``, its closure variables frozen (a subclass binds them its way)."""
        cells = []
        for free in code.co_freevars:
            if free in self.helpers:
                cells.append(types.CellType(self.jit.helper(self.helpers[free])))
            elif free in user_cells:
                cells.append(types.CellType(user_cells[free].cell_contents))
            else:
                cells.append(types.CellType())
        fn = types.FunctionType(code, dict(user_fn.__globals__), name, defaults, tuple(cells))
        if kwdefaults:
            fn.__kwdefaults__ = dict(kwdefaults)
        run = self.jit.compile(fn, self)
        run.__srcdiff_source__ = self.function_source(name)
        run.__srcdiff_compiled__ = self
        return run

    def function_source(self, name):
        """The text of one generated function."""
        start = self.source.find("def %s(" % name)
        if start < 0:
            return self.source
        end = self.source.find("\ndef ", start + 1)
        return self.source[start:] if end < 0 else self.source[start:end + 1]


def compile_functions(functions, helpers, closure_names, label, origin=None, guarded=None, ctx=None):
    """Compile IR ``FunctionDef``s that share ``helpers``; returns a ``Compiled``. ``origin``, the
    user's function, lets errors raised in the generated code point at the user's lines. ``guarded``:
    {function name: {parameter: shape}} the code is specialized to (see ``guards``); ``ctx``, the
    transformation's context, gives the target (the runtime helpers it has, how globals bind)."""
    if ctx is not None:
        helpers = duck.rewrite_calls(functions, duck.helpers_for(ctx.target, helpers), ctx)
        if getattr(ctx.target.jit, "rewrite", None) is not None:  # calls the compiler lacks, as its helpers
            helpers = ctx.target.jit.rewrite(functions, helpers, ctx)
        check_helpers(ctx.target, helpers, functions, ctx)
        freeze_globals(ctx, functions)
    texts, user_lines, offset = [], {}, 2  # line 1 of the compiled module is the factory's def
    for f in functions:
        text, lines = syntax.unparse_with_lines(f)
        text = text.rstrip("\n")
        user_lines.update({offset + k - 1: v for k, v in lines.items()})
        offset += text.count("\n") + 2  # the function's lines and the blank line between functions
        texts.append(text)
    source = "\n\n".join(texts) + "\n"
    guarded = {f: shapes for f, shapes in (guarded or {}).items() if shapes}
    if guarded:
        helpers = dict(helpers, **{guards.HELPER: guards.wrong_shapes})
    module = factory_text(source, set(helpers) | set(closure_names))
    digest = hashlib.sha1(source.encode()).hexdigest()[:10]
    filename = "<srcdiff %s %s>" % (label, digest)
    linecache.cache[filename] = (len(module), None, module.splitlines(True), filename)
    code = guards.compile_module(module, filename, guarded)
    factory = next(c for c in code.co_consts if isinstance(c, types.CodeType) and c.co_name == _FACTORY)
    codes = {c.co_name: c for c in factory.co_consts if isinstance(c, types.CodeType)}
    code_of = getattr(origin, "__code__", None)
    compiled = Compiled(source, filename, codes, dict(helpers), tuple(closure_names),
                        code_of.co_filename if code_of else "", getattr(origin, "__name__", ""),
                        user_lines if code_of else {}, ctx is None or ctx.target.live_globals,
                        ctx.target.jit if ctx is not None else None, guarded=guarded)
    tracebacks.register(compiled)
    return compiled


def factory_text(source, free):
    """The module ``source`` is compiled as: one factory taking the free names (line 1), the
    functions indented in it from line 2."""
    return "def %s(%s):\n%s\n    return None\n" % (_FACTORY, ", ".join(sorted(free)), textwrap.indent(source, "    "))


def generated_sources(compiled):
    """{name: source} of ``compiled``'s functions and, depth first, of the generated callees they
    call, each named as its caller's code names it (``layer_forward2`` for a second variant)."""
    out, seen = {}, set()

    def visit(compiled, names):
        if id(compiled) in seen:
            return
        seen.add(id(compiled))
        for name in compiled.codes:
            alias = names.get(name, name)
            text = compiled.function_source(name)
            out.setdefault(alias, text if alias == name else "# called as %s\n%s" % (alias, text))
        callees = {}  # id of a callee's Compiled -> (Compiled, {its function name: name in the caller})
        for helper_name, helper in compiled.helpers.items():
            resolve = getattr(helper, "__srcdiff_resolve__", None)
            helper = resolve() if resolve is not None else helper
            inner = getattr(helper, "__srcdiff_compiled__", None)
            if inner is not None:
                callees.setdefault(id(inner), (inner, {}))[1][helper.__name__] = helper_name
        for inner, inner_names in callees.values():
            visit(inner, inner_names)
    visit(compiled, {})
    return out
