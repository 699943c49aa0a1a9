"""Transformed functions that travel: pickled by reference where importable, else with their source text.

A ``grad`` object pickles as its class, ``wrt`` and the user's function, never its generated code
(code objects do not pickle, and specialized code is only right for the shapes it was made for): the
receiving process transforms each shape itself. The user's function goes by reference when its module
can be imported and names it (``module.loss``, or the ``@srcdiff.grad`` object there), else by value,
as the source text of its ``def`` plus the globals it reads (user functions among them again by
reference or by value), its defaults and closure values. The receiver compiles that text; inspect then
finds it where the file was (if the file there holds the same lines) or in ``linecache``, so that the
text srcdiff differentiates is the text the code was compiled from. The standard ``pickle`` needs
nothing else; cloudpickle uses the same ``__reduce_ex__``.
"""
from __future__ import annotations

import builtins
import importlib
import itertools
import linecache
import os
import sys
import threading
import types
import uuid
import weakref

from ..front import reader, source_check
from ..errors import SourceUnavailableError

_MAIN = ("__main__", "__mp_main__")  # a script's functions: by value (another process runs another script)
_EMPTY = "<srcdiff empty cell>"
_lock = threading.RLock()


class Portable:
    """Base of srcdiff's transformed-function objects: pickling (see the module docstring)."""

    def __reduce_ex__(self, protocol):
        target = _innermost(self)
        module, qualname = getattr(target, "__module__", None), getattr(self, "__qualname__", None)
        if module not in _MAIN and qualname and _lookup(module, qualname) is self:
            return _by_reference, (module, qualname)  # a decorated module-level function: its name
        sig = self.sig
        state = {"fun": portable(self.fun), "wrt": sig.wrt[0] if sig.single else tuple(sig.wrt)}
        for option in ("has_aux", "check_real", "mode"):  # (mode: a jacobian's)
            if option in self.__dict__:
                state[option] = self.__dict__[option]
        target = self.__dict__.get("target")
        if target is not None and target.name != "numpy":  # the receiver looks the backend up by name
            state["backend"] = target.name
        return _empty, (type(self),), state

    def __setstate__(self, state):
        state = dict(state)
        check_real = state.pop("check_real", None)
        backend = state.pop("backend", None)
        self.__init__(state.pop("fun"), state.pop("wrt"), **state)
        if backend is not None:
            from .targets import lookup
            self.target = lookup(backend)
        if check_real is not None:
            self.check_real = check_real


def _empty(cls):
    return cls.__new__(cls)


def _by_reference(module, qualname):
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _lookup(module, qualname):
    """The object ``module.qualname`` names in this process (modules already imported only), or None."""
    obj = sys.modules.get(module) if isinstance(module, str) else None
    for part in (qualname or "").split("."):
        if obj is None or not part.isidentifier():
            return None
        obj = getattr(obj, part, None)
    return obj


def _innermost(obj):
    """The user's function under transformed objects (``grad(grad(f))`` -> ``f``)."""
    for _ in range(64):
        if not isinstance(obj, Portable):
            break
        obj = obj.fun
    return obj


def portable(value, depth=0):
    """``value`` with the functions in it (lists, tuples and dicts looked into) made picklable."""
    if isinstance(value, types.FunctionType):
        return _function(value)
    if isinstance(value, types.ModuleType):
        return _Module(value.__name__)
    if depth < 4 and type(value) in (list, tuple):
        items = [portable(v, depth + 1) for v in value]
        return value if all(a is b for a, b in zip(items, value)) else type(value)(items)
    if depth < 4 and type(value) is dict:
        items = {k: portable(v, depth + 1) for k, v in value.items()}
        return value if all(items[k] is v for k, v in value.items()) else items
    return value


class _Module:
    def __init__(self, name):
        self.name = name

    def __reduce__(self):
        return importlib.import_module, (self.name,)


_wrappers = weakref.WeakKeyDictionary()  # function -> its _ByValue (one per function: pickle's memo ends cycles)


def _function(fn):
    module = getattr(fn, "__module__", None)
    if module not in _MAIN:
        named = _lookup(module, fn.__qualname__)
        if named is fn:
            return fn  # pickle saves it by name
        if isinstance(named, Portable) and _innermost(named) is fn:
            return _Inner(named)  # the function under a decorated module-level name
    with _lock:
        wrapper = _wrappers.get(fn)
        if wrapper is None:
            wrapper = _wrappers[fn] = _ByValue(weakref.ref(fn))
    return wrapper


class _Inner:
    def __init__(self, transformed):
        self.transformed = transformed

    def __reduce__(self):
        return _innermost, (self.transformed,)


class _ByValue:
    """Stands for a function while pickling: it is rebuilt from its source text by ``_make``."""

    def __init__(self, ref):
        self.ref = ref

    def __reduce__(self):
        fn = self.ref()
        code = fn.__code__
        try:
            lines, first, filename = reader.running_source(fn)
        except (OSError, TypeError) as exc:
            raise SourceUnavailableError(
                "cannot pickle %s: srcdiff sends a function defined in a script (or not importable by name) as "
                "its source text, and Python has no source text for it (%s)\nDefine it with `def` in a .py "
                "file or a notebook cell, or in a module the receiving process imports."
                % (fn.__qualname__, exc)) from None
        source_check.require_current(fn, lines, first, filename)  # the text is the code that runs
        lines = tuple(lines[:-1]) + (lines[-1] if lines[-1].endswith("\n") else lines[-1] + "\n",)
        head = (code.co_filename, first, lines, fn.__name__, fn.__qualname__, code.co_name, code.co_firstlineno,
                code.co_flags, code.co_freevars, fn.__module__, _token(fn),
                portable(fn.__defaults__), portable(fn.__kwdefaults__))
        names = sorted(source_check.global_names(code))
        state = ({n: portable(fn.__globals__[n]) for n in names if n in fn.__globals__},
                 tuple(portable(_contents(c)) for c in fn.__closure__ or ()), fn.__doc__, portable(fn.__dict__))
        return _make, head, state, None, None, _fill


def _contents(cell):
    try:
        return cell.cell_contents
    except ValueError:
        return _EMPTY


_PROCESS = uuid.uuid4().hex
_count = itertools.count()
# id(globals dict) -> (token, the dict): held, so its id is not reused, and the token stays the same for as
# long as the process runs (a weak reference to one function using the dict could die while the dict lives:
# the next copy sent then got a new token, and its receiver rebuilt the function again)
_tokens = {}


def _token(fn):
    """A name for ``fn``'s globals dict unique across processes: functions sharing it on the sender
    share one namespace on the receiver."""
    with _lock:
        entry = _tokens.get(id(fn.__globals__))
        if entry is not None and entry[1] is fn.__globals__:
            return entry[0]
        token = (_PROCESS, next(_count))
        _tokens[id(fn.__globals__)] = (token, fn.__globals__)
        return token


def _after_fork_in_child():
    global _PROCESS, _lock
    _PROCESS, _lock = uuid.uuid4().hex, threading.RLock()
    _tokens.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


# ----------------------------------------------------------------------------- the receiving side

_namespaces = {}  # token -> the globals dict functions of that sender's namespace share here
_functions = {}  # (token, where, text...) -> function rebuilt here: the same code again, so srcdiff's cache serves it
_codes = {}  # (where, text...) -> code object
_shipped = {}  # filename -> {first line: lines} registered in linecache by this module


def _make(filename, first, lines, name, qualname, co_name, firstlineno, flags, freevars, module, token,
          defaults, kwdefaults):
    with _lock:
        ns = _namespaces.get(token)
        if ns is None:
            ns = _namespaces[token] = {"__name__": module, "__builtins__": builtins}
        where = _place(filename, first, lines)
        key = (token, where, first, lines, qualname, co_name, firstlineno, flags)
        fn = _functions.get(key) if not freevars else None
        if fn is not None and _same(fn.__defaults__, defaults) and _same(fn.__kwdefaults__, kwdefaults):
            return fn
        code = _code(where, first, lines, co_name, firstlineno, flags, freevars, qualname)
        cells = tuple(types.CellType() for _ in freevars)
        fn = types.FunctionType(code, ns, name, defaults, cells or None)
        fn.__qualname__, fn.__module__, fn.__kwdefaults__ = qualname, module, kwdefaults
        if not freevars:
            if len(_functions) > 1024:
                _functions.clear()
            _functions[key] = fn
        return fn


def _fill(fn, state):
    items, closure, doc, attributes = state
    fn.__globals__.update(items)
    fn.__dict__.update(attributes)  # ``__wrapped__`` of a decorator's wrapper, among others
    for cell, value in zip(fn.__closure__ or (), closure):
        if not (type(value) is str and value == _EMPTY):
            cell.cell_contents = value
    fn.__doc__ = doc


def _same(a, b):
    if a is b:
        return True
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and type(a) in (int, float, complex, str, bool, bytes) and repr(a) == repr(b)


def _place(filename, first, lines):
    """The filename under which inspect reads ``lines`` at line ``first`` here: the file itself when it
    holds them (or linecache does), else a linecache entry made for them (under another name when the
    file here, or another text sent earlier, holds different lines there)."""
    end = first - 1 + len(lines)
    if tuple(linecache.getlines(filename)[first - 1:end]) == lines:
        return filename
    for k in itertools.count():
        name = filename if k == 0 else "%s [sent copy %d]" % (filename, k)
        taken = _shipped.get(name)
        if taken is None and (name in linecache.cache or os.path.exists(name)):
            continue  # a file, or text someone else registered: not ours to change
        taken = dict(taken or {})
        if any(a < end and first - 1 < a + len(t) and (a, t) != (first - 1, lines) for a, t in taken.items()):
            continue  # another text sent earlier occupies these lines
        taken[first - 1] = lines
        text = []
        for a in sorted(taken):  # lines not sent: a statement at column 0 ends the block above, as in the file
            text += ["pass\n"] * (a - len(text)) + list(taken[a])
        _shipped[name] = taken
        linecache.cache[name] = (sum(map(len, text)), None, text, name)
        return name


def _code(where, first, lines, co_name, firstlineno, flags, freevars, qualname):
    key = (where, first, lines, co_name, firstlineno, flags, freevars, qualname)
    code = _codes.get(key)
    if code is not None:
        return code
    parts = qualname.split(".")
    cls = parts[-2] if len(parts) >= 2 and parts[-2].isidentifier() else None
    found, start = _compiled(lines, where, flags, freevars, cls, co_name, firstlineno - first, ())
    # compiled as the source check compiles the file's text: with the modules the file imports (3.11
    # compiles a call of a module's function otherwise), so that the check finds the code to be the text
    imported = (source_check.imported_names(where) or ((),))[0]
    used = frozenset(imported) & source_check.global_names(found[0]) if found else ()
    if used:
        found, start = _compiled(lines, where, flags, freevars, cls, co_name, firstlineno - first, used)
    if len(found) != 1:
        raise SourceUnavailableError("cannot unpickle %s: its source text (%s:%d) does not compile to one "
                                     "function on its own here" % (qualname, where, first))
    code = _codes[key] = _moved(found[0], first - start)
    if len(_codes) > 1024:
        _codes.clear()
    return code


def _compiled(lines, where, flags, freevars, cls, co_name, line, imports):
    """The code objects named ``co_name`` at ``line`` (from the text's first) in ``lines`` compiled on their
    own, and the line where the text starts in the compiled module."""
    compiled = source_check.compile_lines(list(lines), where, flags, freevars, cls, imports)
    if compiled is None:
        return [], 0
    return [c for c in source_check.code_objects(compiled[0]) if c.co_name == co_name and
            c.co_firstlineno == line + compiled[1] and c.co_freevars == freevars], compiled[1]


def _moved(code, delta):
    """``code`` with its line numbers (and those of the code nested in it) moved by ``delta``."""
    consts = tuple(_moved(c, delta) if isinstance(c, types.CodeType) else c for c in code.co_consts)
    return code.replace(co_firstlineno=code.co_firstlineno + delta, co_consts=consts)
