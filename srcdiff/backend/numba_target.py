"""The Numba target: generated code compiled with ``numba.njit`` (``backend="numba"``).

Imported by ``targets.lookup`` the first time ``backend="numba"`` is asked for, and only when
Numba imports. The code it generates has typed tapes (modes/typed_tapes.py), explicit descending
ranges, no ``out=``, functions instead of methods, globals frozen (Numba freezes them itself:
rebinding one makes new code) and the Numba versions of the runtime helpers (numba_helpers.py);
code needing another helper is refused before it is compiled. What Numba cannot type is refused
when the gradient is first called, with Numba's first message and the user's line.
"""
from __future__ import annotations

import linecache
import re

import numba
from numba.core.errors import NumbaError

from ..errors import located
from . import numba_helpers, numba_helpers_lists, numba_helpers_more, numba_reductions, numba_stacking, numba_ufuncs
from .targets import BackendError, Target, numpy_named, register


class NumbaCompileError(BackendError):
    """Numba could not compile the generated code (a type it cannot infer, a function it lacks)."""


# runtime helper -> its Numba version
STANDS_FOR = {**numba_helpers.STANDS_FOR, **numba_helpers_more.STANDS_FOR, **numba_helpers_lists.STANDS_FOR}


class _Jit:
    """What ``codegen`` asks of a compiled target: the helpers to bind, and how to compile. ``disk``:
    the code is written to the user's cache directory and Numba caches its machine code beside it
    (``cache=True``, backend/disk_cache.py)."""

    def __init__(self, disk=False):
        self.disk = disk

    @property
    def on_disk(self):
        return self if self.disk else _DISK

    @staticmethod
    def helper(obj):
        return STANDS_FOR.get(obj, obj)

    def compile(self, fn, compiled):
        dispatcher = numba.njit(fn, cache=self.disk and not fn.__code__.co_filename.startswith("<"))

        def run(*args, **kwargs):
            try:
                return dispatcher(*args, **kwargs)
            except NumbaError as e:
                raise _refusal(e, compiled) from None
        run.__name__ = run.__qualname__ = fn.__name__
        run.__wrapped__ = dispatcher
        return run


    @staticmethod
    def rewrite(functions, helpers, ctx):
        """Calls in the generated code Numba cannot type, made calls of srcdiff's Numba helpers."""
        is_numpy = numpy_named(helpers, ctx)

        def is_builtin(name, obj):
            try:
                return name not in helpers and ctx.env.lookup(name) is obj
            except Exception:  # not a name the user's code binds
                return False
        helpers = numba_ufuncs.rewrite(functions, helpers, is_numpy, ctx.bind)
        helpers = numba_stacking.rewrite(functions, helpers, is_numpy, ctx.bind)
        return numba_reductions.rewrite(functions, helpers, is_numpy, ctx.bind, is_builtin)


JIT = _Jit()
_DISK = _Jit(disk=True)

NUMBA = Target("numba", tape="typed", out_buffers=False, method_style=False, reversed_ranges=False,
               lean_runner=False, live_globals=False, jit=JIT,
               helpers=numba_helpers.NAMES | numba_helpers_more.NAMES | numba_helpers_lists.NAMES,
               inline_callees=True)
register(NUMBA)  # imported by targets.lookup when backend="numba" is first asked for

_LINE = re.compile(r'File "(<srcdiff [^"]*>|[^"]*srcdiff_[0-9a-f]+\.py)", line (\d+)')
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _user_line(user_lines, line):
    """The user's line of generated ``line``: an adjoint statement has none of its own, and belongs
    to the comment naming the user's statement above its block (the nearest mapped line before it)."""
    for k in range(line, 0, -1):
        if k in user_lines:
            return user_lines[k]
    return 0


def _refusal(error, compiled):
    """A ``NumbaCompileError`` quoting Numba's first message and pointing at the user's line."""
    text = _ANSI.sub("", str(error))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    first = next((ln for ln in lines if not ln.startswith(("Failed in", "During:", "File "))), "")
    user_line = 0
    for filename, line in _LINE.findall(text):
        if filename == compiled.filename or filename == getattr(compiled, "path", None):
            user_line = _user_line(compiled.user_lines, int(line))
            if user_line:
                break
    source = linecache.getline(compiled.user_file, user_line) if user_line else ""
    return NumbaCompileError(located(
        compiled.user_file or compiled.filename, user_line, source,
        "the 'numba' backend could not compile the derivative of %s: Numba says: %s"
        % (compiled.user_name or "this function", first),
        "Use backend='numpy' for this function (the generated code is in .source)."))
