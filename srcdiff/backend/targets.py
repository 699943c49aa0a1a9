"""Targets: what emitted code may use (array namespace, tape, ``out=``, helpers, globals, ranges).

The modes produce one intermediate form; a ``Target`` decides how it is written out. The passes
that would otherwise hard-wire NumPy ask ``ctx.target``:

- ``modes/assemble.py``: the tape (``tape``: "list" appends and pops a Python list; "indexed"
  writes slots of a preallocated list at a counter, sized from the loops' trip counts when they are
  known before the function runs, grown with one capacity check per push otherwise);
- ``modes/reverse.py``: ``reversed(range(...))`` or an explicit descending ``range`` (``reversed_ranges``);
- ``optimize/reuse.py``: ``np.add(a, b, out=spare(a, b))`` only where ``out_buffers``;
- ``optimize/specialize.py``: ``g.sum(axis=0)`` where ``method_style``, else ``np.sum(g, axis=0)``;
- ``backend/codegen.py``: the name the array module is bound to (``namespace``), every runtime
  helper the code calls checked against ``helpers``, globals read live or frozen (``live_globals``);
- ``backend/entries.py``: the lean runner's ``ndarray`` fast path only where ``lean_runner``;
- ``backend/codegen.py``: a compiled target's ``jit`` binds its own helpers and compiles each
  generated function (``backend/numba_target.py``).
- ``backend/codegen.py``: the target's own versions of runtime helpers (``overrides``, a module).
- ``front/callee_inlining.py``: user callees written out in the caller (``inline_callees``), for a
  compiler that cannot call the NumPy backend's callee functions.

A target is frozen and hashable: it is part of every cache key.
"""
from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from dataclasses import dataclass

import numpy

from ..errors import ArgumentError, SrcdiffError, UnsupportedSyntaxError, located


class BackendError(SrcdiffError):
    """A target cannot make or compile this code (the NumPy backend might): what ``fallback=`` catches."""


class BackendSyntaxError(BackendError, UnsupportedSyntaxError):
    """A construct the target cannot write out (a recorded write into an array, a non-range loop)."""


class MissingHelperError(BackendError):
    """Generated code would call a runtime helper the target does not provide."""


class FallbackWarning(UserWarning):
    """``fallback="numpy"``: the asked-for backend refused the function; the NumPy backend is used."""


@dataclass(frozen=True)
class Target:
    """What generated code may use. ``NUMPY`` is the default; fields are described in the module docstring."""

    name: str
    module: object = numpy  # the array namespace
    namespace: str = "np"  # the name generated code binds it to (the user's own name for it wins)
    tape: str = "list"  # "list" or "indexed"
    out_buffers: bool = True
    helpers: frozenset | None = None  # runtime helper names the target provides; None: all of srcdiff's
    method_style: bool = True
    live_globals: bool = True
    reversed_ranges: bool = True
    lean_runner: bool = True
    jit: object = None  # a compiler: ``jit.helper(obj)`` binds a helper's version, ``jit.compile(fn, compiled)``
    overrides: str | None = None  # a module of runtime helpers replacing srcdiff's of the same name
    fallback: str | None = None  # "numpy": a ``BackendError`` warns and the NumPy backend is used
    inline_callees: bool = False  # same-module user callees written out in the caller (front/callee_inlining.py)

    def has_helper(self, name):
        return self.helpers is None or name in self.helpers

    def without(self, *names, name=None):
        """This target lacking the runtime helpers ``names`` (the generated code must do without them)."""
        helpers = (self.helpers if self.helpers is not None else runtime_helpers()) - set(names)
        return dataclasses.replace(self, name=name or self.name, helpers=frozenset(helpers))

    def bind_namespace(self, ctx):
        """The name generated code calls the array namespace by (``np`` for NumPy)."""
        return ctx.bind(self.namespace, self.module)


NUMPY = Target("numpy")

_KNOWN = {"numpy": NUMPY}
_FALLING_BACK: dict = {}  # (name, fallback) -> the target with that fallback (one object each)


def register(target):
    """Make ``target`` known to ``backend=`` (tests register theirs; the Numba target will register itself)."""
    _KNOWN[target.name] = target
    return target


def unregister(name):
    if name != "numpy":
        _KNOWN.pop(name, None)


def known():
    return sorted(_KNOWN)


def lookup(backend, fallback=None, cache=False):
    """The target ``backend=`` names (a name or a ``Target``); an unknown name is refused, listing the known ones.
    ``fallback="numpy"``: that target, falling back to NumPy where it refuses a function. ``cache=True``:
    that target keeping its compiled code on disk (backend/disk_cache.py), for a compiled target only."""
    if cache:
        return _on_disk(lookup(backend, fallback))
    if fallback not in (None, "numpy"):
        raise ArgumentError("fallback=%r: use fallback='numpy' or leave it out" % (fallback,))
    if fallback is not None:
        target = lookup(backend)
        if target is NUMPY:
            return NUMPY
        if (target.name, fallback) not in _FALLING_BACK:
            _FALLING_BACK[target.name, fallback] = dataclasses.replace(target, fallback=fallback)
        return _FALLING_BACK[target.name, fallback]
    if isinstance(backend, Target):
        return backend
    if backend == "numba" and "numba" not in _KNOWN:
        _register_numba()
    target = _KNOWN.get(backend) if isinstance(backend, str) else None
    if target is None:
        raise ArgumentError("backend=%r is not a known backend; known backends: %s"
                            % (backend, ", ".join(repr(n) for n in known())))
    return target


def _on_disk(target):
    """``target`` with its compiler's on-disk variant (``jit.on_disk``); refused for a target that compiles nothing."""
    disk = getattr(target.jit, "on_disk", None)
    if disk is None:
        raise ArgumentError("cache=True keeps compiled code on disk and needs backend='numba'; backend=%r compiles "
                            "nothing worth keeping (its code is generated in each process, and never written "
                            "to disk). Leave cache out, or use backend='numba'." % (target.name,))
    if disk is target.jit:
        return target
    key = (target.name, target.fallback, "disk")
    if key not in _FALLING_BACK:
        _FALLING_BACK[key] = dataclasses.replace(target, jit=disk)
    return _FALLING_BACK[key]


def _register_numba():
    """Register the Numba target (backend/numba_target.py) when Numba imports; else say how to get it."""
    try:
        import numba  # noqa: F401
    except ImportError:
        raise ArgumentError('backend="numba" needs Numba, which is not installed: pip install "srcdiff[numba]"') \
            from None
    # a plugin found by its module's name: numba_target builds its target from this module, and
    # registers it when imported
    importlib.import_module("srcdiff.backend.numba_target")


def runtime_helpers():
    """The names of every function in srcdiff's runtime modules (what generated code can call)."""
    from .. import runtime
    names = set()
    for info in pkgutil.iter_modules(runtime.__path__):
        module = importlib.import_module("%s.%s" % (runtime.__name__, info.name))
        names |= {n for n, v in vars(module).items() if callable(v) and _is_runtime_helper(v)}
    return frozenset(names)


def fall_back(transformed, exc, stacklevel=3):
    """Whether ``transformed`` (whose call raised ``exc``) now makes NumPy code instead: it does,
    with a ``FallbackWarning``, when its target refused the function and has ``fallback="numpy"``."""
    target = transformed.target
    if target.fallback != "numpy" or not isinstance(exc, BackendError):
        return False
    import warnings
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    warnings.warn("backend=%r could not make the derivative of %s, so the NumPy backend does (fallback='numpy'): %s"
                  % (target.name, getattr(transformed, "__name__", "the function"), first), FallbackWarning,
                  stacklevel=stacklevel)
    transformed.target = NUMPY
    for twin in ("_twin", "_checking"):
        transformed.__dict__.pop(twin, None)
    transformed.forget_generated()
    return True


def bound(transformed, target):
    """``transformed`` (a ``Transformed``) generating code for ``target``."""
    if target is not NUMPY:
        transformed.target = target
    return transformed


def refuse_again(inner):
    """Only NumPy code is differentiated again (``grad(grad(f))``): other targets' tapes and ranges
    are not inputs the modes understand."""
    if inner.target is not NUMPY:
        from ..errors import NonDifferentiableError
        raise NonDifferentiableError(
            "srcdiff differentiates again only code generated for backend='numpy'; %r generates code for "
            "backend=%r. Make the inner transformation with the default backend." % (inner, inner.target.name))


def _is_runtime_helper(obj):
    return (getattr(obj, "__module__", None) or "").startswith("srcdiff.runtime.")


def check_helpers(target, helpers, functions, ctx):
    """Refuse generated code that calls a runtime helper ``target`` lacks, naming the helper and
    the user's line whose derivative needs it."""
    if target.helpers is None:
        return
    for name, obj in sorted(helpers.items()):
        if not _is_runtime_helper(obj) or target.has_helper(obj.__name__):
            continue
        line = _first_use(functions, name)
        text = ctx.origin_text.get(line, "") if ctx is not None else ""
        filename = ctx.filename if ctx is not None else "<generated>"
        raise MissingHelperError(located(
            filename, line, text,
            "the %r backend has no runtime helper %s, which the derivative of this statement needs"
            % (target.name, obj.__name__),
            "Use backend='numpy' for this function, or rewrite the statement with operations the %r "
            "backend supports." % target.name))


def _first_use(functions, name):
    """The user's line of the first statement calling ``name`` (an adjoint statement has no line
    of its own: the comment or statement before it gives it)."""
    from .. import ir

    def block(stmts, line):
        for s in stmts:
            line = getattr(s, "line", 0) or line
            if isinstance(s, (ir.If, ir.For, ir.While)):
                head = s.test if not isinstance(s, ir.For) else s.iter
                if any(isinstance(n, ir.Name) and n.id == name for n in ir.walk(head)):
                    return line, True
                for inner in (s.body, s.orelse):
                    found, done = block(inner, line)
                    if done:
                        return found, True
            elif any(isinstance(n, ir.Name) and n.id == name for n in ir.walk(s)):
                return line, True
        return line, False
    for f in functions:
        line, done = block(f.body, 0)
        if done:
            return line
    return 0


def freeze_globals(ctx, functions):
    """For a target that freezes globals: guard every global the code reads by identity, so that
    rebinding one makes new code (the frozen values are then part of what the cache holds)."""
    if ctx.target.live_globals:
        return
    from .. import ir
    used = {n.id for f in functions for n in ir.walk(f) if isinstance(n, ir.Name)}
    for name in sorted(used & ctx.global_names):
        if name in ctx.env.globals and name not in ctx.helpers:
            # by identity: stricter than a guard on the value's type (``guard_type``), which it replaces
            ctx.guards[:] = [g for g in ctx.guards if not (g[0] is ctx.env.globals and g[1] == name)]
            ctx.guards.append((ctx.env.globals, name, ctx.env.globals[name]))


def numpy_named(helpers, ctx):
    """A test of names in generated code: does ``name`` stand for the ``numpy`` module (as one of
    the generated code's helpers, or as a name the user's code binds)?"""
    def is_numpy(name):
        if name in helpers:
            return helpers[name] is numpy
        try:
            return ctx.env.lookup(name) is numpy
        except Exception:  # not a name the user's code binds
            return False
    return is_numpy
