"""Instances of plain user classes as records: differentiable attributes a NamedTuple, the others constants.

An object (``model``, ``self``) is passed to generated code as its *mirror*: a NamedTuple of the
attributes in its ``__dict__`` that hold floats, float arrays or containers of them (nested
objects, dataclasses and NamedTuples lowered the same way). Its other attributes (ints, strings,
None, functions, tuples of them) are constants of the generated code, specialized like a function
passed as an argument: the mirror's class carries them, so objects differing in one get their own
code. ``front/records.py`` then reads ``self.W`` as a field, ``self.n`` as its constant, and
``self.predict(x)`` as a call of ``type(self).predict`` with the mirror as first argument.

The gradient with respect to an object is an object of the same class, made without calling
``__init__`` (``cls.__new__(cls)``), whose differentiable attributes hold their gradients and whose
constant attributes are those of the object differentiated (so sizes and activations stay readable).
"""
from __future__ import annotations

import collections
import functools
import os
import sys
import sysconfig
import types

import numpy

from ..errors import ArgumentError

_MIRRORS = {}  # (class, field names, constants) -> mirror class
_LIBRARY = tuple({os.path.realpath(p) + os.sep for k, p in sysconfig.get_paths().items()
                  if k in ("stdlib", "platstdlib", "purelib", "platlib")})
_USER = {}  # class -> whether it is a user's plain class


def is_user_object(value):
    """An instance of a class defined in the user's code (not the standard library or a package)."""
    cls = type(value)
    known = _USER.get(cls)
    if known is None:
        known = _USER[cls] = _user_class(cls)
    return known


def _user_class(cls):
    if cls.__module__ in ("builtins", "__builtin__") or issubclass(cls, (tuple, list, dict, numpy.ndarray, type,
                                                                        numpy.generic, types.ModuleType)) \
            or "__dict__" not in dir(cls) or getattr(cls, "__dataclass_fields__", None) is not None \
            or callable(getattr(cls, "__array_function__", None)):
        return False
    module = sys.modules.get(cls.__module__)
    path = getattr(module, "__file__", None)
    if path is None:
        return cls.__module__ == "__main__"  # a class typed at the prompt or in a notebook
    return not os.path.realpath(path).startswith(_LIBRARY)


def is_object_mirror(cls):
    return getattr(cls, "__srcdiff_object__", None) is not None


def _differentiable(v):
    """Whether the attribute value ``v`` becomes a field of the mirror (else it is a constant)."""
    if isinstance(v, (bool, numpy.bool_)):
        return False
    if isinstance(v, (float, complex, numpy.floating, numpy.complexfloating)):
        return True
    if isinstance(v, numpy.ndarray):
        return v.dtype.kind in "fc"
    if isinstance(v, (list, dict)) or (isinstance(v, tuple) and not _hashable_constant(v)):
        items = v.values() if isinstance(v, dict) else v
        return all(_differentiable(x) and not is_user_object(x) for x in items)
    return is_user_object(v) or hasattr(v, "__dataclass_fields__") and not isinstance(v, type) or \
        (isinstance(v, tuple) and hasattr(type(v), "_fields"))


def _hashable_constant(v):
    if v is None or isinstance(v, (bool, int, str, numpy.integer, numpy.bool_, bytes)):
        return True
    if isinstance(v, tuple):
        return all(_hashable_constant(x) for x in v)
    return isinstance(v, (types.FunctionType, types.BuiltinFunctionType, types.ModuleType, numpy.ufunc))


def _split(value):
    """(names of the differentiable attributes, ((name, constant), ...)) of the object ``value``."""
    cls = type(value)
    for special in ("__getattr__", "__getattribute__", "__slots__"):
        if special in _class_attrs(cls) and getattr(cls, special) is not getattr(object, special, None):
            raise ArgumentError("srcdiff differentiates objects whose attributes live in their __dict__; %s "
                                "defines %s, so srcdiff cannot tell what `obj.attr` reads. Pass the arrays as "
                                "arguments of a function instead." % (cls.__qualname__, special))
    fields, constants = [], []
    for name, v in vars(value).items():
        _refuse_shadowed(cls, name, v)
        if _differentiable(v):
            fields.append(name)
        elif _hashable_constant(v):
            constants.append((name, v))
        elif isinstance(v, (list, tuple, dict)) and any(is_user_object(x) for x in (
                v.values() if isinstance(v, dict) else v)):
            raise ArgumentError(
                "srcdiff follows objects held directly as attributes, not inside a %s: `%s` of %s holds %s objects. "
                "Keep their arrays in the %s instead (a list of (W, b) tuples), or one attribute per object." % (
                    type(v).__name__, name, cls.__qualname__, next(type(x).__qualname__ for x in (
                        v.values() if isinstance(v, dict) else v) if is_user_object(x)), type(v).__name__))
        else:
            raise ArgumentError(
                "srcdiff differentiates %s objects through their attributes, but `%s` holds %s, neither floats "
                "or float arrays (or lists, tuples, dicts of them) nor a constant (int, str, None, a function). "
                "Keep it out of the object (pass it as an argument), or store floats." % (
                    cls.__qualname__, name, _describe(v)))
    return tuple(fields), tuple(constants)


def _refuse_shadowed(cls, name, v):
    """An attribute also named by a property or cached_property of the class: ``obj.name`` reads the
    property (not the value in __dict__), or a cache of values computed from other attributes. A
    cache holding a constant (a label, a count) is read from __dict__ as Python reads it: no gradient
    is lost there."""
    for klass in cls.__mro__[:-1]:
        d = vars(klass).get(name)
        cache = isinstance(d, functools.cached_property)
        if cache and not _differentiable(v) and _hashable_constant(v):
            return
        if d is not None and (cache or hasattr(type(d), "__set__") or hasattr(type(d), "__delete__")):
            raise ArgumentError(
                "srcdiff differentiates %s objects through the attributes in their __dict__, and `%s` is there "
                "and is also a %s of %s, so its value is derived from other attributes (or read through the "
                "class) and its gradient would not reach them. Compute it in a method instead (`def %s(self): "
                "...`, called as `self.%s()`), or del the cached value before differentiating." % (
                    cls.__qualname__, name, type(d).__name__, klass.__qualname__, name, name))
        if d is not None:
            return


def _class_attrs(cls):
    out = set()
    for klass in cls.__mro__[:-1]:  # not object's
        out.update(vars(klass))
    return out


def _describe(v):
    if isinstance(v, numpy.ndarray):
        return "an array of dtype %s" % v.dtype
    return "a %s" % type(v).__name__


def mirror_class(cls, fields, constants, passive=False):
    """The NamedTuple class standing for ``cls`` objects with these fields and constants. A *passive*
    mirror stands for an object not differentiated: what it does not hold (class attributes,
    properties) is read from the object itself, as the code was written."""
    key = (cls, fields, constants, passive)
    mirror = _MIRRORS.get(key)
    if mirror is None:
        base = collections.namedtuple(cls.__name__, fields, rename=True)  # ``_W`` is no valid field name
        body = {"__getattr__": _from_original} if passive else {"__slots__": (), "__getattr__": _from_class}
        mirror = _MIRRORS[key] = type(cls.__name__, (base,), body)
        mirror.__srcdiff_object__ = cls
        mirror.__srcdiff_names__ = fields
        mirror.__srcdiff_constants__ = constants
        mirror.__srcdiff_passive__ = passive
    return mirror


def _from_class(self, name):
    """A differentiated object's mirror, where a method runs as written (its result not differentiated,
    ``records.check_method`` refused what the mirror cannot stand for): its constants, and the class's
    methods bound to the mirror."""
    if name.startswith("__"):  # protocols (``__array__``, ``__len__``...) stay the NamedTuple's
        raise AttributeError(name)
    constants = dict(type(self).__srcdiff_constants__)
    if name in constants:
        return constants[name]
    found = getattr(type(self).__srcdiff_object__, name, None)
    if isinstance(found, types.FunctionType):
        return types.MethodType(found, self)
    raise AttributeError("%r object has no attribute %r" % (type(self).__name__, name))


def _from_original(self, name):
    if name == "_srcdiff_original":
        raise AttributeError(name)
    return getattr(self._srcdiff_original, name)


def lower_object(value, lower, passive=False):
    """The mirror of the object ``value``; ``lower`` lowers each differentiable attribute."""
    fields, constants = _split(value)
    mirror = mirror_class(type(value), fields, constants, passive)
    out = mirror(*[lower(getattr(value, name)) for name in fields])
    if passive:
        out._srcdiff_original = value
    return out


def lift_object(g, original, lift):
    """The gradient ``g`` (a mirror, or a tuple of its fields) as an object of ``original``'s class."""
    cls = type(original)
    fields, _ = _split(original)
    out = cls.__new__(cls)
    state = dict(vars(original))
    state.update({name: lift(gv, getattr(original, name)) for name, gv in zip(fields, g)})
    out.__dict__.update(state)
    return out


def check_tangent(tangent, primal, name):
    """A tangent of the object ``primal`` is an object of its class with the same differentiable attributes."""
    if type(tangent) is not type(primal) or _split(tangent)[0] != _split(primal)[0]:
        raise ArgumentError("the tangent of `%s`, a %s object, must be a %s object with the same float attributes "
                            "(%s); got %s" % (name, type(primal).__qualname__, type(primal).__qualname__,
                                              ", ".join(_split(primal)[0]), _describe(tangent)))
