"""Refuse source text that is not the code that runs (a file edited after its module was imported)."""
from __future__ import annotations

import __future__
import linecache
import os
import re
import types

from ..errors import SourceChangedError, located

_CO_NESTED = 0x10  # differs between a function defined at top level and one compiled inside our wrapper
_FUTURES = 0
for _name in __future__.all_feature_names:
    _FUTURES |= getattr(__future__, _name).compiler_flag
_WRAPPER = "__srcdiff_source_check__"
_OWN = os.path.dirname(os.path.abspath(__file__)) + os.sep  # srcdiff's own files


def require_current(fn, lines, first, filename):
    """Raise ``SourceChangedError`` when ``lines`` (``fn``'s definition as read now, starting at line
    ``first`` of ``filename``) do not compile to ``fn.__code__``.

    Line numbers are not compared (an edit above the function moves it, and Python then reads
    the lines at the old position: those differ unless the edit only added comments). Text that
    cannot be compiled on its own is left to the parser's refusal.
    """
    code = fn.__code__
    if getattr(fn, "__wrapped__", None) is not None or code.co_filename.startswith((_OWN, "<srcdiff ")):
        return  # a wrapper's text is the wrapped function's by design; srcdiff's own rule templates and the
        # code it generated (compiled from that text, plus the shape guards of guards.py)
    imported = imported_names(filename)  # the file's text as inspect read it
    if imported is None:
        return
    used = global_names(code)
    everywhere, top = imported[0] & used, imported[1] & used
    outcome = _matches(fn, code, lines, first, everywhere)
    if outcome is False and top != everywhere:  # an import inside a function seen as module-level
        outcome = _matches(fn, code, lines, first, top)
    if outcome is not False or _asserts_rewritten_by_pytest(fn, lines):
        return
    name = getattr(fn, "__qualname__", code.co_name)
    raise SourceChangedError(located(
        filename, first, lines[0],
        "the source of %s changed after it was imported: this text on disk is not the code that runs, "
        "and srcdiff would differentiate the text" % name,
        "Re-import the module (importlib.reload(module), or restart the interpreter or kernel) so that "
        "the code that runs is the text on disk. (If the file did not change, an import hook rewrote "
        "the function when it was imported; srcdiff differentiates only code that is its source text.)"))


def _asserts_rewritten_by_pytest(fn, lines):
    """pytest compiles its test modules with ``assert`` rewritten: their text is not their code."""
    loader = getattr(fn, "__globals__", {}).get("__loader__")
    return type(loader).__name__ == "AssertionRewritingHook" and any(_ASSERT.search(line) for line in lines)


def _matches(fn, code, lines, first, imports):
    """Does the text compile to ``code``? None when it does not compile where it stands."""
    compiled = _compile(code, fn, lines, imports)
    if compiled is None:
        return None
    line = code.co_firstlineno - first + compiled[1]  # where the function starts in the compiled text
    wanted = _fingerprint(code)
    # found by line, not name: a function may be renamed (code.replace(co_name=...))
    return any(c.co_firstlineno == line and _fingerprint(c) == wanted for c in code_objects(compiled[0]))


def _compile(code, fn, lines, imports):
    """(module code object, line of the text's first line in it), or None when the text does not
    compile where it stands (a fragment around a lambda, an indentation we cannot reproduce).

    Python compiles ``module.f(...)`` differently when ``module`` is imported in the module (3.11:
    no method call), so the imports ``fn`` uses head the text.
    """
    return compile_lines(lines, code.co_filename, code.co_flags & _FUTURES, code.co_freevars,
                         _enclosing_class(fn), imports)


def compile_lines(lines, filename, flags, freevars, cls, imports=()):
    """``_compile`` from what a code object records: the text compiled where it stands (inside a
    function of our own when indented, its free names closure cells), or None."""
    indent = re.match(r"[ \t]*", lines[0]).group(0)
    free = [n for n in freevars if n != "__class__"]
    header = ["import " + ", ".join(sorted(imports))] if imports else []
    if indent:  # inside a function of our own, so that free names are closure cells, as they were
        outer = indent[:1] if cls else indent
        if cls and len(indent) < 2:
            return None
        header.append("def %s():" % _WRAPPER)
        header.append(outer + ("%s = None" % " = ".join(free) if free else "pass"))
        if cls:
            header.append(outer + "class %s:" % cls)
    elif free or cls:
        return None
    text = "\n".join(header) + ("\n" if header else "") + "".join(lines)
    try:
        return compile(text, filename, "exec", flags=flags & _FUTURES, dont_inherit=True), len(header) + 1
    except (SyntaxError, ValueError):
        return None


_IMPORT = re.compile(r"^([ \t]*)(?:from[ \t]+[\w.]+[ \t]+import[ \t]+(\([^)]*\)|(?:[^\n#;\\]|\\\n)+)"
                     r"|import[ \t]+((?:[^\n#;\\]|\\\n)+))", re.M)
_ASSERT = re.compile(r"^\s*assert\b")
_scanned = {}  # filename -> (the lines linecache holds, (names imported anywhere, at column 0))


def imported_names(filename):
    """(names bound by an import statement anywhere in the file, those at column 0), or None
    when linecache has no text for the file."""
    lines = linecache.getlines(filename)
    if not lines:
        return None
    seen = _scanned.get(filename)
    if seen is not None and seen[0] is lines:  # the same text (linecache makes a new list on a change)
        return seen[1]
    everywhere, top = set(), set()
    for m in _IMPORT.finditer("".join(lines)):
        if m.group(2) is not None:
            names = [item.split(" as ")[-1] for item in _items(m.group(2))]
        else:
            names = [item.split(" as ")[-1] if " as " in item else item.split(".")[0] for item in _items(m.group(3))]
        names = [n for n in names if n.isidentifier()]
        everywhere.update(names)
        if not m.group(1):
            top.update(names)
    if len(_scanned) > 256:
        _scanned.clear()
    _scanned[filename] = (lines, (frozenset(everywhere), frozenset(top)))
    return _scanned[filename][1]


def _items(text):
    text = text.replace("\\\n", " ").strip("() \t\n")
    return [" ".join(item.split()) for item in text.split(",") if item.strip()]


def global_names(code):
    """Names the code object and the code nested in it look up outside their own scopes."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= global_names(const)
    return names


def _enclosing_class(fn):
    """The class ``fn`` was defined in, from its qualified name (for ``__class__`` and name mangling)."""
    parts = getattr(fn, "__qualname__", "").split(".")
    if len(parts) >= 2 and not parts[-2].startswith("<") and parts[-2].isidentifier():
        return parts[-2]
    return None


def code_objects(code):
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield const
            yield from code_objects(const)


def _fingerprint(code):
    """What a code object does, without where it sits: bytecode, names, constants (nested code
    objects by their fingerprints), flags; not line numbers, file name or qualified name."""
    return (code.co_code, code.co_exceptiontable if hasattr(code, "co_exceptiontable") else b"",
            code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars, code.co_argcount,
            code.co_posonlyargcount, code.co_kwonlyargcount, code.co_flags & ~_CO_NESTED & ~_FUTURES,
            tuple(_constant(c) for c in _located_constants_dropped(code)))


def _located_constants_dropped(code):
    """The constants, less those that record where the code stands: a nested function's qualified
    name (3.10) and a class body's first line (3.13 stores it as ``__firstlineno__``)."""
    consts = [c for c in code.co_consts if not _nested_qualname(c)]
    if "__firstlineno__" in code.co_names:
        at = [i for i, c in enumerate(consts) if type(c) is int and c == code.co_firstlineno]
        if at:
            del consts[at[0]]
    return consts


def _nested_qualname(value):
    """Python 3.10 keeps a nested function's qualified name (``f.<locals>.inner``) among the
    constants of the code that defines it (3.11 moved it to ``co_qualname``): not compared."""
    return type(value) is str and "<locals>." in value


def _constant(value):
    if isinstance(value, types.CodeType):
        return _fingerprint(value)
    if isinstance(value, tuple):
        return tuple, tuple(_constant(v) for v in value)
    if isinstance(value, (float, complex)):
        return type(value), repr(value)  # nan equals itself, 0.0 differs from -0.0
    return type(value), value
