"""Modules imported on first use, under one lock that a fork waits for."""
from __future__ import annotations

import importlib
import os
import threading
from types import ModuleType


class ForkSafeLock:
    """A re-entrant lock that ``os.fork`` waits for: a child never starts with a half-imported module or
    a half-filled rule table, nor with the lock held by a thread it does not have (it gets a fresh one)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(before=self._acquire, after_in_parent=self._release,
                                after_in_child=self._renew)

    def _acquire(self) -> None:
        self._lock.acquire()

    def _release(self) -> None:
        self._lock.release()

    def _renew(self) -> None:
        self._lock = threading.RLock()

    def __enter__(self) -> ForkSafeLock:
        self._acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release()


lock = ForkSafeLock()  # one for every lazy load (modules and rule tables), so two loads never wait on each other
_modules: dict[str, ModuleType] = {}


def module(name: str) -> ModuleType:
    """The module ``name`` (absolute), imported the first time it is asked for."""
    found = _modules.get(name)
    if found is None:
        with lock:
            found = _modules.get(name) or importlib.import_module(name)
            _modules[name] = found
    return found
