"""Errors raised while generated code runs, told in the user's terms: a note naming the user's
file, line and statement, and a traceback entry at that line of the user's source."""
from __future__ import annotations

import linecache
import sys
import types
import weakref

_ORIGINS = weakref.WeakValueDictionary()  # generated filename -> its Compiled (holding the line map)
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
        compiled = _ORIGINS.get(tb.tb_frame.f_code.co_filename)
        line = compiled.user_lines.get(tb.tb_lineno) if compiled is not None else None
        if line:
            found.append((i, compiled.user_file, line, compiled.user_name))
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
    note = "srcdiff: raised while running the generated %s code of `%s`, at your line %s:%d\n    %s" % (
        "gradient" if "grad" in entries[found[-1][0]].tb_frame.f_code.co_name else "derivative",
        name, filename, line, text)
    if hasattr(exc, "add_note"):  # Python 3.11+
        exc.add_note(note)
    return exc


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
