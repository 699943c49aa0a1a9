"""The cyclic garbage collector held off while srcdiff transforms a function.

A transformation allocates millions of short-lived IR nodes, dataflow states and gast nodes while
the function's trees stay alive; the collector's passes over that growing heap made the time of a
transformation grow faster than its length (800 statements: 6.8 s of CPU with the collector on,
4.4 s with it off). Whatever cycles the transformation leaves are collected at the next collection
after it. The collector is off while at least one transformation runs in any thread, and turned
back on by the last one to finish, only if it was on before the first started.
"""
from __future__ import annotations

import functools
import gc
import os
import threading

_lock = threading.Lock()
_state = {"running": 0, "was_enabled": False}


def _reset_after_fork():
    """A child forked mid-transformation gets a new lock and counts no transformation (the threads
    running them are not there); the collector is turned back on if the parent had turned it off."""
    global _lock
    _lock = threading.Lock()
    if _state["running"] and _state["was_enabled"]:
        gc.enable()
    _state.update(running=0, was_enabled=False)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def paused(transformation):
    """``transformation`` running with the cyclic garbage collector off."""
    @functools.wraps(transformation)
    def run(*args, **kwargs):
        with _lock:
            if _state["running"] == 0:
                _state["was_enabled"] = gc.isenabled()
                gc.disable()
            _state["running"] += 1
        try:
            return transformation(*args, **kwargs)
        finally:
            with _lock:
                _state["running"] -= 1
                if _state["running"] == 0 and _state["was_enabled"]:
                    gc.enable()
    return run
