"""The opt-in on-disk cache (``cache=True``, ``backend="numba"``): generated code kept in the user's cache directory.

Each entry is two files named by its key (backend/disk_keys.py): ``srcdiff_<key>.py``, the generated
source as it is compiled, and ``srcdiff_<key>.json``, what srcdiff needs to call it without running its
pipeline again (helper names, shapes it is specialized to, the result's facts). The functions are
compiled from that file with ``numba.njit(cache=True)``, so Numba keeps its machine code beside it (in
``__pycache__``): a new process finds both and its first call compiles nothing. The directory is
``$SRCDIFF_CACHE_DIR``, else ``$XDG_CACHE_HOME/srcdiff``, else ``~/.cache/srcdiff``. Without
``cache=True`` nothing is written. Entries are never changed once written (a changed function, global
or srcdiff gives another key); delete the directory to reclaim the space.
"""
from __future__ import annotations

import ast
import importlib
import json
import os
import sys
import tempfile
import types
import warnings

from . import codegen, disk_keys, guards
from .. import tracebacks
from ..context import TypeIs


class CacheWarning(UserWarning):
    """``cache=True`` could not keep this function's code on disk; it is compiled in memory instead."""


def directory():
    """Where entries are written: ``$SRCDIFF_CACHE_DIR``, ``$XDG_CACHE_HOME/srcdiff`` or ``~/.cache/srcdiff``."""
    explicit = os.environ.get("SRCDIFF_CACHE_DIR")
    if explicit:
        return os.path.abspath(os.path.expanduser(explicit))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(os.path.abspath(base), "srcdiff")


def maker(make, target, subject, options, statics):
    """``make`` (which runs the pipeline) for a target keeping its code on disk: the entry for this
    function and these options when one is stored, else ``make()``'s result, stored."""
    if not getattr(target.jit, "disk", False):
        return make

    def cached():
        from .cache import rules_generation
        if rules_generation():  # rules registered in this process: not part of any key
            return _in_memory(make, "rules were registered in this process")
        try:
            key = disk_keys.key(subject, options, statics)
        except disk_keys.Unkeyable as e:
            return _in_memory(make, str(e))
        path = os.path.join(directory(), "srcdiff_%s" % key)
        loaded = _load(path, target.jit)
        if loaded is not None:
            return loaded
        result = make()
        manifest = _describe(result)
        if isinstance(manifest, str):
            return _in_memory(lambda: result, manifest)
        _write(path, result.compiled, manifest)
        return _load(path, target.jit) or result
    return cached


def _in_memory(make, why):
    warnings.warn("cache=True: srcdiff keeps this code in memory only, because %s" % why, CacheWarning, stacklevel=6)
    return make()


class Loaded:
    """A pipeline result read back from disk (the attributes callers read of ``ReverseResult``/``ForwardResult``)."""

    def __init__(self, compiled, facts, guards_):
        self.compiled = compiled
        self.stages: list = []
        self.guards = guards_
        self.names = facts["names"]
        self.tape = facts.get("tape")
        self.returns_value = facts.get("returns_value", True)
        complex_from = facts.get("complex_from", "[]")
        self.complex_from = None if complex_from is None else frozenset(ast.literal_eval(complex_from))
        if "tangent_params" in facts:
            self.tangent_params = list(facts["tangent_params"])


class DiskCompiled(codegen.Compiled):
    """Generated functions compiled from their file in the cache directory, as module-level functions
    (no closure cells: Numba's cache keys a closure by its pickled contents), their free names globals."""

    path: str = ""

    def jitted_function(self, name, code, user_fn, user_cells, defaults, kwdefaults):
        # a module of its own, in sys.modules: Numba's cached code finds its environment by module name
        module = types.ModuleType(os.path.splitext(os.path.basename(self.path))[0])
        namespace = module.__dict__
        namespace.update({n: v for n, v in user_fn.__globals__.items() if not n.startswith("__")})
        namespace.update({n: cell.cell_contents for n, cell in user_cells.items() if n in self.closure_names})
        namespace.update({n: self.jit.helper(h) for n, h in self.helpers.items()})
        namespace["__file__"] = self.path
        sys.modules[module.__name__] = module
        fn = types.FunctionType(code, namespace, name, defaults)
        if kwdefaults:
            fn.__kwdefaults__ = dict(kwdefaults)
        run = self.jit.compile(fn, self)
        run.__srcdiff_source__ = self.function_source(name)
        run.__srcdiff_compiled__ = self
        return run


def _describe(result):
    """The manifest of ``result`` (plain data), or why it cannot have one."""
    compiled = result.compiled
    helpers = {}
    for name, obj in compiled.helpers.items():
        if isinstance(obj, types.ModuleType):  # the array namespace
            module, qualname = obj.__name__, ""
        else:
            module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
        if not module or qualname is None or _resolve(module, qualname) is not obj:
            return "its code calls %s, which is not importable by name" % name
        helpers[name] = [module, qualname]
    described = []
    for box, name, obj in result.guards:
        module = box.get("__name__") if isinstance(box, dict) else None
        if name is None or not isinstance(module, str) or getattr(sys.modules.get(module), "__dict__", None) is not box:
            return "its code depends on a binding that is not a module's global"
        described.append([module, name, "type" if type(obj) is TypeIs else "is"])
    facts = {"names": result.names, "tape": getattr(result, "tape", None),
             "returns_value": getattr(result, "returns_value", True)}
    complex_from = original = getattr(result, "complex_from", frozenset())
    if original is not None:  # names and (name, part) tuples: kept as their repr, read back literally
        complex_from = repr(sorted(original, key=repr))
        if set(ast.literal_eval(complex_from)) != set(original):
            return "its facts are not plain data"
    facts["complex_from"] = complex_from
    if hasattr(result, "tangent_params"):
        facts["tangent_params"] = list(result.tangent_params)
    return {"format": 2, "source": compiled.source, "helpers": helpers, "closure_names": list(compiled.closure_names),
            "guarded": {f: {p: list(s) for p, s in shapes.items()} for f, shapes in compiled.guarded.items()},
            "user_file": compiled.user_file, "user_name": compiled.user_name,
            "user_lines": {str(k): v for k, v in compiled.user_lines.items()}, "facts": facts, "guards": described}


def _write(path, compiled, manifest):
    """Write the entry (the module first, the manifest last: a manifest means a whole entry), each atomically."""
    text = codegen.factory_text(compiled.source, set(compiled.helpers) | set(compiled.closure_names))
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if not os.path.exists(path + ".py"):  # never rewritten: Numba's cache checks the file's time stamp
            _atomic(path + ".py", text)
        _atomic(path + ".json", json.dumps(manifest))
    except OSError as e:
        warnings.warn("cache=True: srcdiff could not write to the cache directory %s (%s); the code is kept in "
                      "memory only" % (os.path.dirname(path), e), CacheWarning, stacklevel=6)


def _atomic(path, text):
    fd, temp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(temp, path)


def _load(path, jit):
    """The result stored at ``path``, or None (no entry, or one this process cannot use)."""
    try:
        with open(path + ".json", encoding="utf-8") as f:
            manifest = json.load(f)
        with open(path + ".py", encoding="utf-8") as f:
            text = f.read()
    except (OSError, ValueError):
        return None
    helpers = {name: _resolve(module, qualname) for name, (module, qualname) in manifest["helpers"].items()}
    if manifest.get("format") != 2 or any(h is None for h in helpers.values()) or \
            text != codegen.factory_text(manifest["source"], set(helpers) | set(manifest["closure_names"])):
        return None
    guarded = {f: {p: tuple(s) for p, s in shapes.items()} for f, shapes in manifest["guarded"].items()}
    tree = ast.parse(text, path + ".py")
    if guarded:
        tree = guards.guard_tree(tree, guarded)
    tree.body = [node for node in tree.body[0].body if isinstance(node, ast.FunctionDef)]  # module-level functions
    module = compile(tree, path + ".py", "exec")
    codes = {c.co_name: c for c in module.co_consts if isinstance(c, types.CodeType)}
    compiled = DiskCompiled(manifest["source"], path + ".py", codes, helpers, tuple(manifest["closure_names"]),
                            manifest["user_file"], manifest["user_name"],
                            {int(k): v for k, v in manifest["user_lines"].items()}, False, jit, guarded=guarded)
    compiled.path = path + ".py"
    tracebacks.register(compiled)
    current = []
    for module_name, name, kind in manifest["guards"]:
        box = getattr(sys.modules.get(module_name), "__dict__", None)
        if box is None:
            return None
        value = box.get(name)
        current.append((box, name, TypeIs(type(value)) if kind == "type" else value))
    return Loaded(compiled, manifest["facts"], current)


def _resolve(module, qualname):
    try:
        obj = importlib.import_module(module)
    except ImportError:
        return None
    for part in qualname.split(".") if qualname else ():
        obj = getattr(obj, part, None)
    return obj
