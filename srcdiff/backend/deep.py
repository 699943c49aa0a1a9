"""Deep code: transformations of deeply nested code rerun on a large stack; recursive generated code given headroom.

srcdiff's passes recurse over expressions, a few Python frames per level of nesting, so a sum of
300 terms (``x + x + ... + x``: 300 nested additions) exceeds the default recursion limit of 1000
though Python itself compiles and runs it. A transformation that runs out of frames is run again
in a thread with a large stack and a raised recursion limit (a thread's stack size can be chosen
on every platform, and C-level recursion, limited by the stack on Python 3.12+, then has room
too). On that stack, code nested deeper than ``MAX_NESTING`` is refused, naming its line.
"""
from __future__ import annotations

import contextvars
import os
import sys
import threading

from ..front import syntax
from ..errors import TooDeepError, located

MAX_NESTING = 1000  # deepest syntax-tree nesting transformed (Python's parser allows 200 nested brackets)
_FRAMES = 100_000  # recursion limit on the large stack: MAX_NESTING levels take a few dozen frames each
_STACK_BYTES = (512, 256, 64)  # MiB tried for the large stack, largest first (0 at last: the default)

_local = threading.local()
_limit_lock = threading.Lock()
_limit_holders = [0, 0]  # how many threads hold a raised limit; the limit to restore after the last


def _reset_after_fork():
    """A child forked while another thread held the lock gets a new one (that thread is not there to
    release it); a raised limit stays until the child's own holders restore it."""
    global _limit_lock
    _limit_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def on_large_stack():
    return getattr(_local, "large", False)


def transform(make, code=None):
    """``make()``, a transformation (of the function with ``code``, named in errors); when the outermost
    one of this thread runs out of frames, it is run again on the large stack (an inner one, a
    callee's, lets its caller's rerun)."""
    _local.depth = getattr(_local, "depth", 0) + 1
    try:
        return make()
    except RecursionError as exc:
        if isinstance(exc, TooDeepError) or _local.depth > 1 or on_large_stack():
            raise
    finally:
        _local.depth -= 1
    return rerun_on_large_stack(make, code)


def rerun_on_large_stack(call, code=None):
    """``call()`` in a new thread with a large stack and a raised recursion limit; its result or its
    exception. A RecursionError there becomes a ``TooDeepError``."""
    outcome = {}
    context = contextvars.copy_context()  # numpy.errstate and other context variables carry over

    def work():
        _local.large = True
        try:
            outcome["value"] = context.run(call)
        except RecursionError as exc:
            outcome["error"] = exc if isinstance(exc, TooDeepError) else TooDeepError(located(
                getattr(code, "co_filename", "<unknown>"), getattr(code, "co_firstlineno", 0), "",
                "srcdiff ran out of stack transforming %s even with a recursion limit of %d"
                % (getattr(code, "co_name", "this code"), _FRAMES), "Split long expressions into statements."))
        except BaseException as exc:  # noqa: BLE001  (re-raised in the calling thread)
            outcome["error"] = exc

    with raised_limit(_FRAMES):
        _start(work).join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _start(work):
    """A started thread running ``work`` on the largest stack the platform grants (the size is read
    when a thread starts, so it is set, used and restored under a lock)."""
    with _limit_lock:
        old = threading.stack_size()
        try:
            for mib in _STACK_BYTES + (0,):
                thread = threading.Thread(target=work, name="srcdiff-large-stack", daemon=True)
                try:
                    threading.stack_size(mib * 1024 * 1024)
                    thread.start()
                    return thread
                except (ValueError, RuntimeError, MemoryError):  # refused: try a smaller stack
                    if mib == 0:
                        raise
        finally:
            threading.stack_size(old)


class raised_limit:
    """``sys.setrecursionlimit`` at least ``frames`` (or ``factor`` times the limit the user set) while
    any thread is inside; the user's limit is restored after the last leaves."""

    def __init__(self, frames=0, factor=1):
        self.frames = frames
        self.factor = factor

    def __enter__(self):
        with _limit_lock:
            if _limit_holders[0] == 0:
                _limit_holders[1] = sys.getrecursionlimit()
            _limit_holders[0] += 1
            frames = max(self.frames, self.factor * _limit_holders[1])
            if sys.getrecursionlimit() < frames:
                sys.setrecursionlimit(frames)
        return frames

    def __exit__(self, *exc):
        with _limit_lock:
            _limit_holders[0] -= 1
            if _limit_holders[0] == 0:
                sys.setrecursionlimit(_limit_holders[1])


def check_nesting(tree, filename, offset, text):
    """Refuse a parsed module nested deeper than ``MAX_NESTING`` (checked on the large stack only)."""
    depth, line = syntax.deepest(tree)
    if depth > MAX_NESTING:
        lines = text.splitlines()
        snippet = lines[line - 1] if 0 < line <= len(lines) else ""
        if len(snippet) > 120:
            snippet = snippet[:117] + "..."
        raise TooDeepError(located(filename, line + offset, snippet,
                                   "this expression is nested %d deep; srcdiff transforms code nested at most "
                                   "%d deep" % (depth, MAX_NESTING),
                                   "Split it into statements (for a long sum, add the terms in a loop or "
                                   "with np.sum)."))


# ------------------------------------------------------------------ recursive generated code
HEADROOM = 3  # recursive generated code runs with this many times the recursion limit


def recursive(compiled):
    """Does code reachable from ``compiled`` call itself again (a generated callee or a trampoline)?"""
    state = {}  # id(Compiled) -> 1 while on the path, 2 when done
    stack = [(compiled, iter(_callees(compiled)))]
    state[id(compiled)] = 1
    while stack:
        node, children = stack[-1]
        child = next(children, None)
        if child is None:
            state[id(node)] = 2
            stack.pop()
        elif child is _TRAMPOLINE or state.get(id(child)) == 1:
            return True
        elif id(child) not in state:
            state[id(child)] = 1
            stack.append((child, iter(_callees(child))))
    return False


_TRAMPOLINE = object()


def _callees(compiled):
    for helper in compiled.helpers.values():
        if hasattr(helper, "__srcdiff_resolve__"):
            yield _TRAMPOLINE
        inner = getattr(helper, "__srcdiff_compiled__", None)
        if inner is not None:
            yield inner


def with_headroom(fn, subject):
    """``fn``, generated code that recurses, run with ``HEADROOM`` times the recursion limit (its
    frames per level of recursion can exceed the user function's); running out is a TooDeepError."""
    def run(*args, **kwargs):
        with raised_limit(factor=HEADROOM) as frames:
            try:
                return fn(*args, **kwargs)
            except RecursionError as exc:
                if isinstance(exc, TooDeepError):
                    raise
                code = subject.__code__
                problem = ("the code srcdiff generated for %s recursed deeper than %d frames (%d times "
                           "the recursion limit)" % (subject.__qualname__, frames, HEADROOM))
                error = TooDeepError(located(code.co_filename, code.co_firstlineno, "def %s(...):" % subject.__name__,
                                             problem, "Raise the limit with sys.setrecursionlimit, or "
                                             "write the recursion as a loop."))
        raise error
    run.__name__ = fn.__name__
    run.__qualname__ = fn.__qualname__
    run.__srcdiff_source__ = fn.__srcdiff_source__
    run.__srcdiff_compiled__ = fn.__srcdiff_compiled__
    run.__srcdiff_unwrapped__ = fn
    return run
