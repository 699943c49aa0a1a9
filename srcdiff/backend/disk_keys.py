"""Keys of the on-disk cache: a fingerprint of everything generated code can depend on, taken before generating it.

A new process must find its entry without running srcdiff's pipeline (that is most of a first call),
so the key is made from what the pipeline reads: the user's function (its source text and code), every
global and closure value its code (and its callees' code, recursively) names, the options of the
transformation, and srcdiff's, NumPy's, Numba's and Python's versions (srcdiff's as a hash of its own
source files). Globals are part of it by value: the Numba backend binds them as constants. A value
the fingerprint cannot describe (an instance of a user class, a file handle) raises ``Unkeyable``: such
a function is compiled without the disk cache rather than risk serving code made for another value.
"""
from __future__ import annotations

import hashlib
import inspect
import os
import sys
import types

import numpy

_LIBRARIES = frozenset({"numpy", "scipy", "numba", "srcdiff", "llvmlite"}) | frozenset(sys.stdlib_module_names)
_environment: list = []


class Unkeyable(Exception):
    """A value the fingerprint cannot describe (its message names it)."""


def key(subject, options, statics):
    """The hex key of generated code for ``subject`` under ``options`` (plain data) and ``statics``
    (functions passed as arguments)."""
    out = [environment(), repr(options)]
    seen: set = set()
    for name, value in statics:
        out.append("static %s" % name)
        _value(value, out, seen, "argument %s" % name)
    _function(subject, out, seen)
    return hashlib.sha256("\n".join(out).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def environment():
    """Python's, NumPy's and Numba's versions and a hash of srcdiff's source files (once per process)."""
    if not _environment:
        import numba
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        digest = hashlib.sha256()
        for folder, dirs, files in sorted(os.walk(root)):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".py"):
                    with open(os.path.join(folder, name), "rb") as f:
                        digest.update(name.encode() + b"\0" + f.read())
        _environment.append("python %s numpy %s numba %s srcdiff %s" % (
            sys.version, numpy.__version__, numba.__version__, digest.hexdigest()))
    return _environment[0]


def _value(v, out, seen, where):
    t = type(v)
    if v is None or t in (bool, int, float, complex, str, bytes):
        out.append("%s %r" % (t.__name__, v))
    elif isinstance(v, numpy.generic):
        out.append("scalar %s %s" % (v.dtype.str, v.tobytes().hex()))
    elif t is numpy.ndarray:
        if v.dtype.hasobject:
            raise Unkeyable("%s is an array of Python objects" % where)
        data = hashlib.sha256(numpy.ascontiguousarray(v).tobytes()).hexdigest()
        out.append("array %s %s %s" % (v.dtype.str, v.shape, data))
    elif t in (tuple, list):
        out.append("%s %d" % (t.__name__, len(v)))
        for item in v:
            _value(item, out, seen, where)
    elif t is dict:
        out.append("dict %d" % len(v))
        for k, item in v.items():
            _value(k, out, seen, where)
            _value(item, out, seen, where)
    elif isinstance(v, types.ModuleType):
        out.append("module %s %s" % (v.__name__, _version(v.__name__)))
    elif isinstance(v, types.FunctionType):
        _function(v, out, seen)
    elif callable(getattr(v, "py_func", None)) and type(v).__module__.startswith("numba."):
        out.append("numba function")
        _function(v.py_func, out, seen)
    elif _library(getattr(v, "__module__", None) or type(v).__module__) and \
            getattr(v, "__qualname__", getattr(v, "__name__", None)) and (callable(v) or isinstance(v, type)):
        module = getattr(v, "__module__", None) or type(v).__module__
        out.append("library %s.%s %s %s" % (module, getattr(v, "__qualname__", v.__name__), type(v).__name__,
                                            _version(module)))
    else:
        raise Unkeyable("%s holds %s (a %s), whose value srcdiff cannot fingerprint"
                        % (where, _short(v), t.__name__))


def _function(fn, out, seen):
    """A user function: its source, code, defaults, closure values and the globals its code names."""
    if id(fn) in seen:  # recursion, or a callee met before
        out.append("function seen %s" % fn.__qualname__)
        return
    seen.add(id(fn))
    code = fn.__code__
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        source = "<no source>"
    out.append("function %s.%s %s" % (fn.__module__, fn.__qualname__, source))
    _code(code, out)
    where = "a value %s reads" % fn.__qualname__
    _value(fn.__defaults__, out, seen, where)
    _value(fn.__kwdefaults__, out, seen, where)
    for name, cell in zip(code.co_freevars, fn.__closure__ or ()):
        try:
            contents = cell.cell_contents
        except ValueError:
            out.append("closure %s empty" % name)
            continue
        out.append("closure %s" % name)
        _value(contents, out, seen, "the closure variable %s of %s" % (name, fn.__qualname__))
    names = sorted(_names(code))
    for name in names:
        if name not in fn.__globals__:
            continue
        value = fn.__globals__[name]
        out.append("global %s" % name)
        _value(value, out, seen, "the global %s of %s" % (name, fn.__qualname__))
        if isinstance(value, types.ModuleType) and not _library(value.__name__):
            for attribute in names:  # a user module: the attributes the code may read from it
                if attribute in vars(value):
                    out.append("attribute %s.%s" % (name, attribute))
                    _value(vars(value)[attribute], out, seen, "%s.%s" % (name, attribute))


def _code(code, out):
    out.append("code %s %s %s %d %s %s %s %s" % (
        hashlib.sha256(code.co_code).hexdigest(), code.co_names, code.co_varnames, code.co_argcount,
        code.co_kwonlyargcount, code.co_freevars, code.co_cellvars, code.co_flags))
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _code(const, out)
        else:
            out.append("const %s %r" % (type(const).__name__, const))


def _names(code):
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def _library(module):
    return isinstance(module, str) and module.split(".")[0] in _LIBRARIES


def _version(module):
    top = sys.modules.get(module.split(".")[0])
    return getattr(top, "__version__", "")


def _short(v):
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."
