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
import types

import numpy

from .. import ir
from . import objects
from ..errors import ArgumentError, UnsupportedSyntaxError, located

_INTERNED = {}


@dataclasses.dataclass(frozen=True)
class Schema:
    """The type of a NamedTuple value, its field names, and the schema of each field (None: not a record)."""
    cls: type
    fields: tuple
    children: tuple
    constants: tuple = ()  # an object's mirror: (attribute, value) of the attributes that are constants


def is_namedtuple(value):
    return isinstance(value, tuple) and isinstance(getattr(type(value), "_fields", None), tuple)


def schema_of(value):
    """The interned ``Schema`` of a NamedTuple ``value`` (the same object for the same structure), else None."""
    if not is_namedtuple(value):
        return None
    cls = type(value)
    schema = Schema(cls, tuple(getattr(cls, "__srcdiff_names__", cls._fields)), tuple(schema_of(v) for v in value),
                    getattr(cls, "__srcdiff_constants__", ()))
    return _INTERNED.setdefault(schema, schema)


def rewrite(fn_def, schemas, filename, taken=()):
    """(``fn_def`` with ``p.field`` (``p`` a parameter in ``schemas``, never rebound) read as ``p[i]``,
    the helpers its rewritten calls name (name -> function), the guards they were resolved under).

    For an object's mirror (front/objects.py) ``p.const`` reads its constant and ``p.method(...)``
    calls ``type(p).method(p, ...)``, bound to a helper name that collides with nothing in ``taken``.
    """
    if not schemas:
        return fn_def, {}, []
    rewriter = _Rewriter(schemas, filename, taken)
    return rewrite_with(rewriter, fn_def), rewriter.helpers, rewriter.guards


def rewrite_with(rewriter, fn_def):
    rebound = _rebound(fn_def.body) & set(rewriter.schemas)
    for name in sorted(rebound):
        line = next(s.line for s in _stmts(fn_def.body) if name in _bound_by(s))
        raise _refuse(rewriter.filename, line, "`%s` holds a %s whose fields srcdiff reads by name, and it is bound "
                      "again here" % (name, _kind(rewriter.schemas[name])),
                      "Give the new value another name.")
    return dataclasses.replace(fn_def, body=rewriter.block(fn_def.body))


def _kind(schema):
    return getattr(schema.cls, "__srcdiff_object__", schema.cls).__name__


class _Rewriter:
    def __init__(self, schemas, filename, taken=()):
        self.schemas, self.filename = schemas, filename
        self.line = 0
        self.taken = set(taken)
        self.helpers, self.guards = {}, []  # helper name -> method or constant; (class dict, name, value)
        self.checked = set()  # (method, schema of its self) already checked (see check_method)

    def block(self, stmts):
        out = []
        for s in stmts:
            self.line = getattr(s, "line", self.line) or self.line
            self._refuse_attribute_write(s)
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
                          "of its fields (`%s.%s`)%s; it cannot follow the object itself used here" % (
                              _text(e), _kind(schema), _text(e), schema.fields[0] if schema.fields else "x",
                              " and the calls of its methods" if objects.is_object_mirror(schema.cls) else ""),
                          "Read the fields you need (`%s.%s`) and pass those instead of the object."
                          % (_text(e), schema.fields[0] if schema.fields else "x"))
        return new

    def node(self, e):
        """(the rewritten node, the schema of its value or None)."""
        if isinstance(e, ir.Name):
            return e, self.schemas.get(e.id)
        if isinstance(e, ir.Call) and isinstance(e.func, ir.Name) and e.func.id == "super" and \
                any(objects.is_object_mirror(s.cls) for s in self.schemas.values()):
            raise _refuse(self.filename, self.line, "srcdiff calls the methods of objects through their class, "
                          "and does not follow `super()` (generated code has no class to start the lookup from)",
                          "Give the base class's method its own name (`def base_pred(self, x)`) and call "
                          "`self.base_pred(x)`.")
        if isinstance(e, ir.Call) and isinstance(e.func, ir.Attr):
            method = self.method_call(e)
            if method is not None:
                return method, None
        if isinstance(e, ir.Attr):
            base, schema = self.node(e.value)
            if schema is None:
                return (dataclasses.replace(e, value=base) if base is not e.value else e), None
            if objects.is_object_mirror(schema.cls) and e.attr not in schema.fields:
                return self.constant(e, schema), None
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


    # ------------------------------------------------------------------ objects of user classes

    def method_call(self, e):
        """``obj.method(args)`` as a call of the helper bound to ``type(obj).method``, or None (not one)."""
        base, schema = self.node(e.func.value)
        if schema is None or not objects.is_object_mirror(schema.cls) or e.func.attr in schema.fields or \
                e.func.attr in dict(schema.constants):
            return None
        cls = schema.cls.__srcdiff_object__
        if schema.cls.__srcdiff_passive__ and not isinstance(_static_lookup(cls, e.func.attr), types.FunctionType):
            return None  # an object not differentiated: a staticmethod or property called as written
        if not isinstance(e.func.value, ir.Name):
            raise _refuse(self.filename, self.line, "srcdiff calls methods of the objects that are arguments of the "
                          "function (`self.%s(...)`), not of an object inside one (`%s`)" % (e.func.attr,
                                                                                              _text(e.func)),
                          "Call a function of the inner object's class with it as an argument, or pass the inner "
                          "object as an argument.")
        fn = self.method_of(cls, e.func.attr, e)
        self.check_method(fn, schema)
        name = self.helper("%s_%s" % (cls.__name__, e.func.attr), fn)
        args = [base] + [self.value(a) for a in e.args]
        keywords = [dataclasses.replace(k, value=self.value(k.value)) for k in e.keywords]
        return ir.Call(ir.Name(name), args, keywords)

    def method_of(self, cls, attr, e):
        """The plain function ``cls``'s ``attr`` names (through its bases), guarded against a class redefining it."""
        owner = next((k for k in cls.__mro__ if attr in vars(k)), None)
        fn = _static_lookup(cls, attr)
        if not isinstance(fn, types.FunctionType) or owner is object:
            what = "has no method `%s`" % attr if fn is None else "has `%s` as a %s, not a plain method" % (
                attr, type(fn).__name__)
            raise _refuse(self.filename, self.line, "srcdiff calls the methods of %s objects through their class, and "
                          "%s" % (cls.__name__, what),
                          "Call plain methods (`def %s(self, ...)`) or module-level functions." % attr)
        for k in cls.__mro__[:cls.__mro__.index(owner) + 1]:  # a class in between defining it later: new code
            self.guards.append((vars(k), attr, fn if k is owner else None))
        return fn

    def check_method(self, fn, schema):
        """Refuse in ``fn`` what its mirror cannot stand for, as its own transformation would: when its
        result is not differentiated, generated code runs ``fn`` as written with the mirror as ``self``,
        where ``isinstance(self, C)`` or ``self.n += 1`` would quietly differ from Python."""
        if (fn, schema) in self.checked:
            return
        self.checked.add((fn, schema))
        from . import reader
        source = reader.load(fn)
        if source.tree.params:
            inner = _Rewriter({source.tree.params[0].name: schema}, source.filename, self.taken)
            inner.checked = self.checked
            rewrite_with(inner, source.tree)

    def constant(self, e, schema):
        """The read ``obj.attr`` of a constant attribute: the constant itself, or the helper bound to it."""
        constants = dict(schema.constants)
        cls = schema.cls.__srcdiff_object__
        if e.attr not in constants and schema.cls.__srcdiff_passive__:  # not differentiated: read as written
            return e
        if e.attr not in constants:
            kind = "a method" if isinstance(getattr(cls, e.attr, None), types.FunctionType) else \
                "a property" if isinstance(getattr(cls, e.attr, None), property) else \
                "a class attribute" if hasattr(cls, e.attr) else "no attribute"
            raise _refuse(self.filename, self.line, "srcdiff reads the attributes an object holds in its __dict__; "
                          "`%s` is %s of %s (the object's attributes: %s)" % (
                              _text(e), kind, cls.__name__, ", ".join(list(schema.fields) + list(constants)) or "none"),
                          ("Call methods (`%s(...)`), and keep the values the function reads on the object "
                           "(set in __init__)." % _text(e)) if kind == "a method" else
                          "Keep the values the function reads on the object (set in __init__), or compute them in "
                          "a method called as `%s()`." % _text(e))
        return _constant_expr(constants[e.attr], lambda v: ir.Name(self.helper("%s_%s" % (cls.__name__, e.attr), v)))

    def helper(self, stem, obj):
        for name, bound in self.helpers.items():
            if bound is obj:
                return name
        name, n = stem, 2
        while name in self.taken:
            name, n = "%s%d" % (stem, n), n + 1
        self.taken.add(name)
        self.helpers[name] = obj
        return name

    def _refuse_attribute_write(self, s):
        targets = s.targets if isinstance(s, ir.Assign) else [s.target] if isinstance(s, (ir.AugAssign, ir.For)) \
            else []
        for t in targets:
            for node, direct in _written(t):
                schema = self.node(node.value)[1] if isinstance(node, ir.Attr) else None
                if schema is not None and (direct or objects.is_object_mirror(schema.cls)):
                    raise _refuse(self.filename, self.line, "srcdiff reads the fields of `%s` (a %s) but does not "
                                  "follow writes to them" % (_text(node.value), _kind(schema)),
                                  "Compute the new value into a local name and return it, or keep it in a dict.")


def _written(t, direct=True):
    """(node, whether it is the assigned target itself) for ``t`` and the containers it writes into."""
    yield t, direct
    if isinstance(t, (ir.Tuple, ir.List)):
        for e in t.elts:
            yield from _written(e, True)
    elif isinstance(t, (ir.Subscript, ir.Attr, ir.Starred)):
        yield from _written(t.value, False)


def _static_lookup(cls, attr):
    """What ``cls`` (through its bases) holds as ``attr``, undecorated: a staticmethod stays one."""
    owner = next((k for k in cls.__mro__ if attr in vars(k)), None)
    return vars(owner).get(attr) if owner is not None else None


def _constant_expr(v, named):
    if v is None or isinstance(v, (bool, int, str, bytes)):
        return ir.Const(v)
    if isinstance(v, (numpy.integer, numpy.bool_)):
        return ir.Const(v.item())
    if isinstance(v, tuple):
        return ir.Tuple([_constant_expr(x, named) for x in v])
    return named(v)  # a function or a module: a helper the generated code is bound to


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
    """Whether ``schema`` stands for a dataclass or an object (passed to generated code as a NamedTuple mirror)."""
    return getattr(schema.cls, "__srcdiff_dataclass__", None) is not None or objects.is_object_mirror(schema.cls)


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
    if type(value) in _PLAIN:
        return value
    if objects.is_user_object(value):
        return objects.lower_object(value, lower)
    return value


def lift(g, original):
    """The gradient ``g`` computed for ``lower(original)`` in the type of ``original``."""
    if is_dataclass_value(original):
        names = _mirror(type(original))._fields
        return dataclasses.replace(original, **{n: lift(v, getattr(original, n)) for n, v in zip(names, g)})
    if is_namedtuple(original):
        return type(original)(*[lift(a, b) for a, b in zip(g, original)])
    if objects.is_user_object(original):
        return objects.lift_object(g, original, lift)
    return g


_PLAIN = frozenset({numpy.ndarray, float, int, complex, bool, list, tuple, dict, str, type(None)})


def holds_dataclass(sig, args, kwargs):
    """Whether a differentiated argument of this call is a dataclass, or a NamedTuple holding one, or
    any argument an object of a user class."""
    for v in args:
        if type(v) not in _PLAIN:
            break
    else:
        if not kwargs:
            return False  # arrays, numbers and plain containers: the common case, decided cheaply
    if any(_passive_object(v) for v in list(args) + list(kwargs.values())) or \
            any(objects.is_user_object(v) for v in sig.values(args, kwargs)):
        return True  # objects of user classes, differentiated or not, are passed as their mirrors
    return any(is_dataclass_value(v) or (is_namedtuple(v) and lower(v) is not v) for v in sig.values(args, kwargs))


def lowered_arguments(sig, args, kwargs):
    """``(args, kwargs)`` with the differentiated arguments lowered (the others are constants, left as they are)."""
    args, kwargs = list(args), dict(kwargs)
    for pos, name in zip(sig.positions, sig.wrt):
        if pos < len(args) and sig.params[pos].kind is not sig.params[pos].KEYWORD_ONLY:
            args[pos] = lower(args[pos])
        elif name in kwargs:
            kwargs[name] = lower(kwargs[name])
    wrt_positions = set(sig.positions)
    for i, v in enumerate(args):  # an object not differentiated: its methods and constants still read as such
        if i not in wrt_positions and _passive_object(v):
            args[i] = _lower_if_plain(v)
    for k, v in kwargs.items():
        if k not in sig.wrt and _passive_object(v):
            kwargs[k] = _lower_if_plain(v)
    return tuple(args), kwargs


def _passive_object(value):
    """An object of a user class not differentiated, passed as a passive mirror; a callable one stays a
    function the code is specialized to (``act=Act()``)."""
    return objects.is_user_object(value) and not callable(value)


def _lower_if_plain(value):
    """The mirror of an object not differentiated, or the object itself when it holds what a mirror cannot."""
    try:
        return objects.lower_object(value, lower, passive=True)
    except ArgumentError:
        return value
