"""What an analysis learns about a callee, kept for one transformation: each callee is read once however
often it is called, and nothing outlives the transformation (a helper redefined later is read again)."""
from __future__ import annotations

import functools
import threading

_local = threading.local()


def transformation_memo():
    """id(function) -> what was learnt, for the outermost transformation running in this thread (see
    ``analysed_once``); a new dict for one question outside any. Entries keep the function itself, so
    its id is not reused meanwhile."""
    memo = getattr(_local, "memo", None)
    return memo if memo is not None else {}


def analysed_once(transformation):
    """``transformation`` reading each callee once, with the callees' transformations it starts (the
    outermost one in a thread holds the memo)."""
    @functools.wraps(transformation)
    def run(*args, **kwargs):
        if getattr(_local, "memo", None) is not None:
            return transformation(*args, **kwargs)
        _local.memo = {}
        try:
            return transformation(*args, **kwargs)
        finally:
            _local.memo = None
    return run


def prepared_once(fn, prepare):
    """``prepare(fn)`` once per transformation, shared by the analyses that read callees (an error it
    raised is raised again). Readers must not change the result: copy its context before editing it."""
    memo = transformation_memo()
    key = ("prepared", id(fn))
    if key not in memo:
        try:
            memo[key] = (fn, prepare(fn), None)
        except Exception as exc:  # noqa: BLE001 - kept, and raised to every reader
            memo[key] = (fn, None, exc)
    _, prep, error = memo[key]
    if error is not None:
        raise error
    return prep
