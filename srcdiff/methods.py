"""Bound methods of user objects (``model.loss``) transformed as their class's function with the object first.

``grad(model.loss)`` differentiates with respect to the object (``self``), as
``grad(type(model).loss, wrt="self")(model, ...)`` does; an explicit ``wrt`` counts the method's own
parameters (``wrt=0`` is the first after ``self``), and ``"self"`` may be named among them.
"""
from __future__ import annotations

import inspect

from .front import objects, records
from .tracebacks import for_user


def is_user_method(fun):
    """A method bound to an instance of a user class (front/objects.py), whose function has source."""
    return inspect.ismethod(fun) and objects.is_user_object(fun.__self__) and inspect.isfunction(fun.__func__)


def unbound_wrt(fun, wrt):
    """``wrt`` for the method's function: None means ``self``; an index counts past ``self``."""
    first = next(iter(inspect.signature(fun.__func__).parameters))
    if wrt is None:
        return first
    if isinstance(wrt, (tuple, list)):
        return type(wrt)(unbound_wrt(fun, w) for w in wrt)
    if isinstance(wrt, int) and not isinstance(wrt, bool) and wrt >= 0:
        return wrt + 1
    return wrt


class Bound:
    """A transformation of ``type(obj).method`` called with ``obj`` as its first argument."""

    def __init__(self, inner, obj):
        self.inner, self.obj = inner, obj
        self.__wrapped__ = inner
        self.__name__ = getattr(inner, "__name__", "method")

    def __call__(self, *args, **kwargs):
        try:
            return self.inner(self.obj, *args, **kwargs)
        except Exception as exc:  # told in the user's terms, as the transformation itself tells it
            raise exc.with_traceback(for_user(exc))

    @property
    def source(self):
        """The generated source: of the last call, else of the code for this object (the other arguments
        not specialized)."""
        inner = self.inner
        if getattr(inner, "_result", 0) is None and hasattr(inner, "argument_kinds"):
            mirror = records.lower(self.obj)
            inner.generate(statics=inner.argument_kinds((mirror,), {})[2])
        return inner.source

    def source_for(self, *args, **kwargs):
        return self.inner.source_for(self.obj, *args, **kwargs)

    def sources(self, *args, **kwargs):
        return self.inner.sources(self.obj, *args, **kwargs)

    def __getattr__(self, name):  # .source, .sig, ...
        return getattr(self.inner, name)

    def __repr__(self):
        return "<srcdiff bound to %s: %r>" % (type(self.obj).__qualname__, self.inner)


def bind(make, fun, wrt, argnums=None):
    """``make(function, wrt)`` for a bound method ``fun``, bound to its object."""
    from .arguments import resolve_wrt
    return Bound(make(fun.__func__, unbound_wrt(fun, resolve_wrt(wrt, argnums, default=None))), fun.__self__)
