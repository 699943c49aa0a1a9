"""Per-transformation state passed through the passes: the namer, the source, the options."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import ir
from .backend.targets import NUMPY


class Namer:
    """Hands out deterministic names that collide with nothing the function mentions."""

    def __init__(self, taken=()):
        self.taken = set(taken)
        self.counters = {}

    def reserve(self, names):
        self.taken.update(names)

    def fresh(self, stem):
        """``stem`` itself if free, else ``stem2``, ``stem3``... (``t`` always gets a number)."""
        stem = re.sub(r"\W", "_", stem) or "t"
        if stem[0].isdigit():
            stem = "_" + stem
        if stem != "t" and stem not in self.taken:
            self.taken.add(stem)
            return stem
        n = self.counters.get(stem, 1 if stem == "t" else 2)
        sep = "_" if stem[-1].isdigit() else ""
        while "%s%s%d" % (stem, sep, n) in self.taken:
            n += 1
        self.counters[stem] = n + 1
        name = "%s%s%d" % (stem, sep, n)
        self.taken.add(name)
        return name

    def temp(self):
        return self.fresh("t")


@dataclass
class Context:
    """What one transformation knows: source, name resolution, namer and options."""

    source: object  # frontend.Source
    env: object  # frontend.Environment
    namer: Namer
    locals: set
    origin_text: dict = field(default_factory=dict)  # line -> original statement text
    resolved: dict = field(default_factory=dict)  # id(ir node) -> resolved object
    options: dict = field(default_factory=dict)
    helpers: dict = field(default_factory=dict)  # name in generated code -> object it is bound to
    source_names: set = field(default_factory=set)  # every identifier of the user's function
    statics: dict = field(default_factory=dict)  # parameter -> the function it is bound to (specialized)
    constants: dict = field(default_factory=dict)  # parameter -> the str, int or dict it holds (dict keys)
    inplace: set = field(default_factory=set)  # (line, name) of ``name op= value`` (in place for arrays)
    renamed_from: dict = field(default_factory=dict)  # name given by ssa -> the user's name
    mode: str = ""  # "reverse" or "forward" once the transformation has chosen
    guards: list = field(default_factory=list)  # (namespace or cell, name, function) the code was built on
    arg_shapes: dict = field(default_factory=dict)  # parameter -> shape of the array it holds (specialized)
    target: object = NUMPY  # backend.targets.Target: what the emitted code may use
    schemas: dict = field(default_factory=dict)  # parameter -> front.records.Schema of the record it holds

    @property
    def filename(self):
        return self.source.filename

    def resolve(self, expr):
        """The live object a ``Name``/``Attr`` chain refers to, cached per node (or missing)."""
        key = id(expr)
        if key not in self.resolved:
            root = expr
            while isinstance(root, ir.Attr):
                root = root.value
            if isinstance(root, ir.Name) and root.id in self.statics:
                obj = self.statics[root.id]
                node = expr
                chain = []
                while isinstance(node, ir.Attr):
                    chain.append(node.attr)
                    node = node.value
                for attr in reversed(chain):
                    obj = getattr(obj, attr, None)
            elif isinstance(root, ir.Name) and root.id in self.helpers and root.id not in self.locals:
                obj = self.helpers[root.id]
                chain = []
                node = expr
                while isinstance(node, ir.Attr):
                    chain.append(node.attr)
                    node = node.value
                for attr in reversed(chain):
                    obj = getattr(obj, attr, None)
            else:
                obj = self.env.resolve(expr, self.locals)
            self.resolved[key] = (expr, obj)
        return self.resolved[key][1]

    def guard(self, func_expr, obj):
        """Remember that ``func_expr`` named ``obj`` when the code was generated (see ``stale``)."""
        if not isinstance(func_expr, ir.Name) or func_expr.id in self.statics or func_expr.id in self.helpers:
            return
        name = func_expr.id
        if name in self.env.closure:
            self.guards.append((self.env.closure[name], None, obj))
        elif name in self.env.globals:
            self.guards.append((self.env.globals, name, obj))

    def guard_type(self, name, obj):
        """Remember that global or closure variable ``name`` held a value of ``obj``'s type (code
        specialized to a scalar global is rebuilt when the global becomes an array)."""
        if name in self.env.closure:
            box, key = self.env.closure[name], None
        elif name in self.env.globals:
            box, key = self.env.globals, name
        else:
            return
        if not any(g[0] is box and g[1] == key for g in self.guards):
            self.guards.append((box, key, TypeIs(type(obj))))

    def bind(self, stem, obj):
        """The name generated code uses for ``obj`` (a module, a runtime helper, a function).

        Reuses the user's own global name for the same object (``np`` for numpy) when the function
        already refers to it; otherwise binds ``stem`` (renamed if the user's code uses that name).
        """
        for name, bound in self.helpers.items():
            if bound is obj:
                return name
        for name in self._free_names():
            if name not in self.locals and self.env.lookup(name) is obj:
                return name
        name = stem if stem not in self.namer.taken else self.namer.fresh(stem)
        self.namer.taken.add(name)
        self.helpers[name] = obj
        return name

    def _free_names(self):
        """The user's identifiers bound in its globals, closure or builtins, sorted; computed once
        per set of names (``bind`` asks for every helper: a scan of all names made it quadratic)."""
        cached = self.__dict__.get("_free_cache")
        if cached is None or cached[0] is not self.source_names:
            names = [n for n in sorted(self.source_names) if n in self.env.closure or n in self.env.globals or
                     n in self.env.builtins]
            cached = self.__dict__["_free_cache"] = (self.source_names, names)
        return cached[1]

    @property
    def global_names(self):
        """Names the user's function reads that are not local (its globals and closure cells)."""
        return {n for n in self.source_names if n not in self.locals}


def all_names(fn_def):
    """Every identifier appearing in a function (to keep new names from colliding)."""
    names = {p.name for p in fn_def.params}
    for node in ir.walk(fn_def):
        if isinstance(node, ir.Name):
            names.add(node.id)
        elif isinstance(node, ir.Attr):
            names.add(node.attr)
    return names


class TypeIs:
    """A guard's expectation that a name holds a value of this type, whatever the value."""

    def __init__(self, type_):
        self.type = type_


def stale(guards):
    """Has any name the generated code was built on been rebound to another function (or, for a
    ``TypeIs`` guard, to a value of another type) since?"""
    for box, name, obj in guards:
        if name is None:
            try:
                current = box.cell_contents
            except ValueError:
                return True
        else:
            current = box.get(name)
        if current is not obj and not (type(obj) is TypeIs and type(current) is obj.type):
            return True
    return False
