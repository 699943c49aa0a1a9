"""Errors raised while generated code runs, told in the user's terms: a note naming the user's
file, line and statement, and a traceback entry at that line of the user's source."""
from __future__ import annotations

import functools
import linecache
import os
import sys
import types
import weakref
from typing import cast

from .errors import SrcdiffError
from .hints import F

# generated filename -> its Compiled (holding the line map)
_ORIGINS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_DONE = "__srcdiff_relocated__"


def register(compiled):
    """Remember where ``compiled``'s lines came from (for as long as it lives)."""
    if compiled.user_lines:
        _ORIGINS[compiled.filename] = compiled


def relocate(exc):
    """Add to ``exc`` (raised through generated code) a note and a traceback entry, right after
    each generated frame, at the user's line that the generated line came from. Idempotent."""
    if getattr(exc, _DONE, False) or not _ORIGINS:
        return exc
    entries, tb = [], exc.__traceback__
    while tb is not None:
        entries.append(tb)
        tb = tb.tb_next
    found = []
    for i, tb in enumerate(entries):
        origin = user_origin(tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        if origin is not None:
            found.append((i,) + origin)
    if not found:
        return exc
    try:
        setattr(exc, _DONE, True)
    except (AttributeError, TypeError):  # an exception type that takes no attributes
        return exc
    fakes = {i: _user_entry(filename, line, name) for i, filename, line, name in found}
    rebuilt = None
    for i in range(len(entries) - 1, -1, -1):
        if fakes.get(i) is not None:
            fake = fakes[i]
            rebuilt = types.TracebackType(rebuilt, fake.tb_frame, fake.tb_lasti, fake.tb_lineno)
        tb = entries[i]
        rebuilt = types.TracebackType(rebuilt, tb.tb_frame, tb.tb_lasti, tb.tb_lineno)
    exc.__traceback__ = rebuilt
    _, filename, line, name = found[-1]  # the innermost: where the user's statement failed
    text = linecache.getline(filename, line).strip()
    generated = entries[found[-1][0]].tb_frame.f_code.co_name
    note = "srcdiff: raised in %s, the code srcdiff generated for `%s`, at your line %s:%d\n    %s" % (
        generated, name, filename, line, text)
    if hasattr(exc, "add_note"):  # Python 3.11+
        exc.add_note(note)
    return exc


def user_origin(filename, line):
    """(user's file, line, function) a line of generated code came from, following generated code
    made from generated code (a Hessian's tangent of a gradient) back to the user; or None."""
    found = None
    for _ in range(8):  # derivatives of derivatives: a few levels at most
        compiled = _ORIGINS.get(filename)
        line = compiled.user_lines.get(line) if compiled is not None else None
        if not line:
            break
        filename = compiled.user_file
        found = (filename, line, compiled.user_name)
    return found


def _user_entry(filename, line, name):
    """A traceback entry whose frame runs at ``filename:line`` in a code object named ``name``, so
    that traceback printers and debuggers show the user's own line."""
    text = linecache.getline(filename, line)
    indent = len(text) - len(text.lstrip())
    width = len(text.strip())
    statement = "raise _"
    if width > len(statement) + 2:  # span the whole line: printers underline nothing
        statement = "raise (" + " " * (width - len(statement) - 2) + "_)"
    head = "\n" * (line - 2) + "if 1:\n" if line >= 2 else ""
    source = head + " " * (indent if line >= 2 else 0) + statement + "\n"
    try:
        code = compile(source, filename, "exec").replace(co_name=name)
    except (SyntaxError, ValueError):  # pragma: no cover - a line srcdiff cannot reach
        return None
    marker = _Marker()
    try:
        exec(code, {"_": marker, "__name__": "__srcdiff_user_line__"})
    except _Marker:
        tb = sys.exc_info()[2]
    return tb.tb_next if tb is not None else None


class _Marker(Exception):
    """Raised by the code of a made-up traceback entry, then dropped."""


def for_user(exc):
    """The traceback to re-raise ``exc`` with at the public API (whose frame ``raise`` adds back):
    a refusal shows the user's frame and the API's only (``SRCDIFF_FULL_TRACEBACK=1`` keeps
    srcdiff's internals); an error raised in generated code gets the user's line (``relocate``)."""
    if isinstance(exc, SrcdiffError):
        if not os.environ.get("SRCDIFF_FULL_TRACEBACK"):
            return None
    else:
        relocate(exc)
    tb = exc.__traceback__
    return tb.tb_next if tb is not None else None


def user_facing(function: F) -> F:
    """Decorate a public entry point so that what it raises is told in the user's terms (``for_user``)."""
    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            raise exc.with_traceback(for_user(exc))
    return cast(F, functools.wraps(function)(call))  # its name, docstring and type hints
