"""NamedTuple and dataclass arguments: their fields read by name (``params.hidden.W``) become reads by position.

A NamedTuple is a tuple, which srcdiff already differentiates as a container; what it does not know
is which position a field name stands for. The API passes the structure of each NamedTuple argument
(a ``Schema``, among the parameters' static values), and the function's reads of its fields, nested
ones included, are rewritten to constant subscripts before anything else looks at the code. A
differentiated dataclass is passed to the generated code as a NamedTuple of its fields (its mirror)
and its gradient made a dataclass again; the function may only read its fields, since the object
itself (``isinstance``, passing it on) would be the mirror.
"""
from __future__ import annotations

import collections
import dataclasses
import linecache

import numpy

from .. import ir
from ..errors import UnsupportedSyntaxError, located

_INTERNED = {}


@dataclasses.dataclass(frozen=True)
class Schema:
    """The type of a NamedTuple value, its field names, and the schema of each field (None: not a record)."""
    cls: type
    fields: tuple
    children: tuple


def is_namedtuple(value):
    return isinstance(value, tuple) and isinstance(getattr(type(value), "_fields", None), tuple)


def schema_of(value):
    """The interned ``Schema`` of a NamedTuple ``value`` (the same object for the same structure), else None."""
    if not is_namedtuple(value):
        return None
    schema = Schema(type(value), tuple(type(value)._fields), tuple(schema_of(v) for v in value))
    return _INTERNED.setdefault(schema, schema)


def rewrite(fn_def, schemas, filename):
    """``fn_def`` with ``p.field`` (``p`` a parameter in ``schemas``, never rebound) read as ``p[i]``."""
    if not schemas:
        return fn_def
    rebound = _rebound(fn_def.body) & set(schemas)
    for name in sorted(rebound):
        line = next(s.line for s in _stmts(fn_def.body) if name in _bound_by(s))
        raise _refuse(filename, line, "`%s` holds a %s whose fields srcdiff reads by name, and it is bound again "
                      "here" % (name, schemas[name].cls.__name__),
                      "Give the new value another name.")
    return dataclasses.replace(fn_def, body=_Rewriter(schemas, filename).block(fn_def.body))


class _Rewriter:
    def __init__(self, schemas, filename):
        self.schemas, self.filename = schemas, filename
        self.line = 0

    def block(self, stmts):
        out = []
        for s in stmts:
            self.line = getattr(s, "line", self.line) or self.line
            changes = {}
            for f in dataclasses.fields(s):
                value = getattr(s, f.name)
                if isinstance(value, (ir.Expr, ir.Keyword, ir.Generator)):
                    changes[f.name] = self.value(value)
                elif isinstance(value, list) and value and isinstance(value[0], ir.Stmt):
                    changes[f.name] = self.block(value)
                elif isinstance(value, list):
                    changes[f.name] = [self.value(v) if isinstance(v, ir.Node) else v for v in value]
            out.append(dataclasses.replace(s, **changes) if changes else s)
        return out

    def value(self, e):
        """``e`` rewritten, where its value is used whole: a dataclass only has its fields read."""
        new, schema = self.node(e)
        if schema is not None and mirrors_dataclass(schema):
            raise _refuse(self.filename, self.line, "`%s` is a %s, which srcdiff differentiates through the reads "
                          "of its fields (`%s.%s`); it cannot follow the object itself used here" % (
                              _text(e), schema.cls.__name__, _text(e), schema.fields[0] if schema.fields else "x"),
                          "Read the fields you need (`%s.%s`) and pass those instead of the object."
                          % (_text(e), schema.fields[0] if schema.fields else "x"))
        return new

    def node(self, e):
        """(the rewritten node, the schema of its value or None)."""
        if isinstance(e, ir.Name):
            return e, self.schemas.get(e.id)
        if isinstance(e, ir.Attr):
            base, schema = self.node(e.value)
            if schema is None:
                return (dataclasses.replace(e, value=base) if base is not e.value else e), None
            if e.attr not in schema.fields:
                raise _refuse(self.filename, self.line, "srcdiff reads the fields of the %s `%s` by position; "
                              "`%s` is not one of its fields (%s)" % (schema.cls.__name__, _text(e.value), e.attr,
                                                                      ", ".join(schema.fields)),
                              "Read only its fields inside the differentiated function.")
            i = schema.fields.index(e.attr)
            return ir.Subscript(base, ir.Const(i)), schema.children[i]
        if isinstance(e, ir.Subscript):
            base, schema = self.node(e.value)
            if schema is not None and mirrors_dataclass(schema):
                self.value(e.value)  # a dataclass is not subscripted: refused
            index = self.value(e.index)
            child = schema.children[e.index.value] if schema is not None and isinstance(e.index, ir.Const) and \
                isinstance(e.index.value, int) and -len(schema.children) <= e.index.value < len(schema.children) \
                else None
            return dataclasses.replace(e, value=base, index=index), child
        changes = {}
        for f in dataclasses.fields(e):
            value = getattr(e, f.name)
            if isinstance(value, ir.Node):
                changes[f.name] = self.value(value)
            elif isinstance(value, list) and any(isinstance(v, ir.Node) for v in value):
                changes[f.name] = [self.value(v) if isinstance(v, ir.Node) else v for v in value]
        return (dataclasses.replace(e, **changes) if changes else e), None


def _text(e):
    from . import syntax
    return " ".join(syntax.unparse(e).split())


def _refuse(filename, line, problem, fix):
    return UnsupportedSyntaxError(located(filename, line, linecache.getline(filename, line).strip(), problem, fix))


def _stmts(stmts):
    for s in stmts:
        yield s
        for block in ir.blocks(s):
            yield from _stmts(block)


def _bound_by(s):
    if isinstance(s, ir.Assign):
        return {n for t in s.targets for n in ir.target_names(t)}
    if isinstance(s, (ir.AugAssign, ir.For)):
        return set(ir.target_names(s.target))
    return set()


def _rebound(stmts):
    out = set()
    for s in _stmts(stmts):
        out |= _bound_by(s)
    return out


# ------------------------------------------------------------------ dataclasses, at the API's edge

_MIRRORS = {}


def is_dataclass_value(value):
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def mirrors_dataclass(schema):
    """Whether ``schema`` stands for a dataclass (passed to generated code as a NamedTuple mirror)."""
    return getattr(schema.cls, "__srcdiff_dataclass__", None) is not None


def _mirror(cls):
    """A NamedTuple class with the fields of the dataclass ``cls`` (those its ``__init__`` takes)."""
    mirror = _MIRRORS.get(cls)
    if mirror is None:
        names = [f.name for f in dataclasses.fields(cls) if f.init]
        mirror = _MIRRORS[cls] = collections.namedtuple(cls.__name__, names)
        mirror.__srcdiff_dataclass__ = cls
    return mirror


def lower(value):
    """``value`` with every dataclass in it (itself, or nested in dataclasses and NamedTuples) as its mirror."""
    if is_dataclass_value(value):
        mirror = _mirror(type(value))
        return mirror(*[lower(getattr(value, name)) for name in mirror._fields])
    if is_namedtuple(value):
        items = [lower(v) for v in value]
        return value if all(a is b for a, b in zip(items, value)) else type(value)(*items)
    return value


def lift(g, original):
    """The gradient ``g`` computed for ``lower(original)`` in the type of ``original``."""
    if is_dataclass_value(original):
        names = _mirror(type(original))._fields
        return dataclasses.replace(original, **{n: lift(v, getattr(original, n)) for n, v in zip(names, g)})
    if is_namedtuple(original):
        return type(original)(*[lift(a, b) for a, b in zip(g, original)])
    return g


_PLAIN = frozenset({numpy.ndarray, float, int, complex, bool, list, tuple, dict, str, type(None)})


def holds_dataclass(sig, args, kwargs):
    """Whether a differentiated argument of this call is a dataclass, or a NamedTuple holding one."""
    for v in args:
        if type(v) not in _PLAIN:
            break
    else:
        if not kwargs:
            return False  # arrays, numbers and plain containers: the common case, decided cheaply
    return any(is_dataclass_value(v) or (is_namedtuple(v) and lower(v) is not v) for v in sig.values(args, kwargs))


def lowered_arguments(sig, args, kwargs):
    """``(args, kwargs)`` with the differentiated arguments lowered (the others are constants, left as they are)."""
    args, kwargs = list(args), dict(kwargs)
    for pos, name in zip(sig.positions, sig.wrt):
        if pos < len(args) and sig.params[pos].kind is not sig.params[pos].KEYWORD_ONLY:
            args[pos] = lower(args[pos])
        elif name in kwargs:
            kwargs[name] = lower(kwargs[name])
    return tuple(args), kwargs
