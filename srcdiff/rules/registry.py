"""The rule table: which primitive has which adjoint and tangent template, filled on first need."""
from __future__ import annotations

import importlib
import inspect
import os
import sys
import threading

import numpy

from ..errors import MissingRuleError, SrcdiffError
from .template import Template, signature_of


class RuleError(SrcdiffError, TypeError):
    """A rule template does not fit the function it is registered for."""


class Rule:
    """Everything srcdiff knows about differentiating one primitive."""

    def __init__(self, obj, name):
        self.obj = obj
        self.name = name
        self.signature = signature_of(obj) if callable(obj) else None
        self.adjoint = None
        self.tangent = None
        self.nondifferentiable = False
        self.elementwise = isinstance(obj, numpy.ufunc) and obj.signature is None
        self.linear = ()  # parameters in which the primitive is linear
        self.shape = "elementwise" if self.elementwise else None  # for the shape-class analysis
        self.check = None  # binding -> (problem, fix) when constant arguments cannot be differentiated

    @property
    def differentiable_params(self):
        if self.nondifferentiable:
            return set()
        params = set()
        if self.adjoint is not None:
            params.update(self.adjoint.written)
        if self.tangent is not None:
            params.update(self.tangent.reads_tangent_of)
        return params

    def bind_signature(self, args, keywords):
        """Call-site atoms by the primitive's own parameter names ({} when Python cannot tell)."""
        if self.signature is None:
            return {}
        try:
            return dict(self.signature.bind(*args, **dict(keywords)).arguments)
        except TypeError:
            return {}

    def bind(self, args, keywords):
        """Map call-site atoms to template parameter names, refusing arguments rules ignore.

        ``args`` is a list of atoms, ``keywords`` a list of (name, atom). Returns a dict.
        """
        template = self.adjoint or self.tangent
        names = template.inputs if template else []
        signature = self.signature or _template_signature(template)
        if signature is None:
            return {}
        if self.signature is None:  # the template stands in for it: ``out=None`` is no argument there
            keywords = [(k, v) for k, v in keywords if k in signature.parameters or not _is_default(v)]
        try:
            bound = signature.bind(*args, **dict(keywords))
        except TypeError as exc:
            raise MissingRuleError("cannot match the call of %s to its signature: %s" % (self.name, exc)) from None
        out = {}
        params = list(signature.parameters.values())
        positional_only = [p.name for p in params if p.kind is p.POSITIONAL_ONLY]
        for pname, value in bound.arguments.items():
            kind = signature.parameters[pname].kind
            tname = pname
            if kind is inspect.Parameter.POSITIONAL_ONLY:
                position = positional_only.index(pname)
                tname = names[position] if position < len(names) else None
            elif kind is inspect.Parameter.VAR_POSITIONAL:
                tname = pname if pname in names else None
                from .. import ir
                value = ir.Tuple(list(value))
            elif kind is inspect.Parameter.VAR_KEYWORD:
                if value:
                    raise MissingRuleError("srcdiff's rule for %s does not handle the keyword argument(s) %s"
                                           % (self.name, ", ".join(sorted(value))))
                continue
            if tname is None or tname not in names:
                if _is_default(value):
                    continue
                raise MissingRuleError(
                    "srcdiff's rule for %s does not handle its argument `%s`; call it without that "
                    "argument or register your own rule with srcdiff.adjoint" % (self.name, pname))
            out[tname] = value
        return out


def _template_signature(template):
    """When Python cannot tell a primitive's signature, the rule template's parameters stand in."""
    if template is None:
        return None
    params = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                default=template.defaults.get(n, inspect.Parameter.empty))
              for n in template.inputs]
    try:
        return inspect.Signature(params)
    except ValueError:  # a parameter without default after one with: positional-only then
        return inspect.Signature([p.replace(kind=inspect.Parameter.POSITIONAL_ONLY) for p in params])


def _is_default(atom):
    """A call-site argument that equals the usual default (``out=None``)."""
    from .. import ir
    return isinstance(atom, ir.Const) and atom.value is None


_RULES = {}  # id(obj) -> Rule
_METHODS = {}  # method name -> (function object, adapter)
_ATTRIBUTES = {}  # attribute name -> function object, or None for non-differentiable

# The built-in rule modules, imported on the first look into the table (parsing their templates
# is most of what ``import srcdiff`` would otherwise cost). SciPy's are imported only once the
# user's code has imported ``scipy.special``: a function of it cannot be met before.
_BUILTIN_MODULES = ("fft_rules", "index_joins", "kernel_rules", "linalg_decompositions", "linalg_rules", "math_rules",
                    "methods", "numpy_arith", "numpy_complex", "numpy_constructors", "numpy_cumulative",
                    "numpy_joins", "numpy_nondiff", "numpy_products", "numpy_reductions", "numpy_selection",
                    "numpy_shapes", "numpy_transcendental", "python_rules", "runtime_rules")
_SCIPY_MODULES = ("scipy_rules",)
_loaded = set()  # the groups ("builtin", "scipy") whose modules have been imported or are importing
_load_lock = threading.RLock()  # re-entrant: the rule modules register through this module


def _load(group, modules):
    with _load_lock:
        if group in _loaded:
            return
        _loaded.add(group)  # first: the modules' own registrations come back here
        try:
            for name in modules:
                importlib.import_module("srcdiff.rules." + name)
        except BaseException:
            _loaded.discard(group)
            raise


def ensure_loaded():
    """Import the built-in rule modules (and SciPy's, once SciPy is in use) if not done yet."""
    if "builtin" not in _loaded:
        _load("builtin", _BUILTIN_MODULES)
    if "scipy" not in _loaded and "scipy.special" in sys.modules:
        _load("scipy", _SCIPY_MODULES)


# A fork while another thread imports the rule modules would leave the child a half-filled table
# and a lock held by a thread it does not have: the fork waits for the load to finish instead.
def _hold_lock_for_fork():
    _load_lock.acquire()


def _release_lock_in_parent():
    _load_lock.release()


def _fresh_lock_in_child():
    global _load_lock
    _load_lock = threading.RLock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_hold_lock_for_fork, after_in_parent=_release_lock_in_parent,
                        after_in_child=_fresh_lock_in_child)


def _rule(obj, name=None):
    ensure_loaded()  # a user's rule registered now must not be replaced by a built-in one later
    key = id(obj)
    if key not in _RULES:
        _RULES[key] = Rule(obj, name or qualified_name(obj))
    return _RULES[key]


def qualified_name(obj):
    module = getattr(obj, "__module__", None) or ""
    name = getattr(obj, "__name__", None) or type(obj).__name__
    if isinstance(obj, numpy.ufunc) and getattr(numpy, name, None) is not obj:
        special = sys.modules.get("scipy.special")
        if special is not None and getattr(special, name, None) is obj:
            return "scipy.special.%s" % name
    if isinstance(obj, numpy.ufunc) or module.startswith("numpy"):
        for sub in ("linalg", "fft", "random"):
            if getattr(getattr(numpy, sub), name, None) is obj:
                return "numpy.%s.%s" % (sub, name)
        module = "numpy"
    if module.startswith("scipy.special."):
        module = "scipy.special"
    if module in ("builtins", ""):
        return name
    return "%s.%s" % (module, name)


def check_template(rule, template, mode):
    """Template parameters must name the primitive's parameters (after the result), and every
    other name the template reads must exist."""
    unknown = template.unknown_names()
    if unknown:
        raise RuleError("%s template %s for %s uses %s, which %s not defined in its module (%s)" % (
            mode, template.fn.__qualname__, rule.name, ", ".join("`%s`" % n for n in unknown),
            "is" if len(unknown) == 1 else "are", template.fn.__module__))
    if rule.signature is None:
        return
    params = list(rule.signature.parameters.values())
    positional_only = [p for p in params if p.kind is p.POSITIONAL_ONLY]
    by_name = {p.name for p in params if p.kind is not p.POSITIONAL_ONLY}
    var_pos = [p.name for p in params if p.kind is p.VAR_POSITIONAL]
    for i, name in enumerate(template.inputs):
        if i < len(positional_only):
            continue
        if name in by_name or name in var_pos:
            continue
        raise RuleError("%s template %s has parameter `%s`, but %s%s has no such parameter"
                        % (mode, template.fn.__qualname__, name, rule.name, rule.signature))
    if len(template.inputs) < len(positional_only) and not by_name:
        raise RuleError("%s template %s takes %d inputs but %s%s takes %d" % (
            mode, template.fn.__qualname__, len(template.inputs), rule.name, rule.signature,
            len(positional_only)))


def adjoint(*objs, elementwise=None):
    """Register the decorated template as the reverse-mode rule of each of ``objs``.

    The template's first parameter is the result, the others are ``obj``'s parameters; in its
    body ``d[y]`` is the result's adjoint and ``d[x] = e`` adds ``e`` to ``x``'s adjoint.

    >>> import numpy as np, srcdiff
    >>> def softplus(x):
    ...     return np.log1p(np.exp(x))
    >>> @srcdiff.adjoint(softplus)
    ... def softplus_adjoint(y, x):
    ...     d[x] = d[y] / (1.0 + np.exp(-x))
    >>> @srcdiff.tangent(softplus)
    ... def softplus_tangent(y, x):
    ...     t[y] = t[x] / (1.0 + np.exp(-x))
    >>> def loss(w):
    ...     return np.sum(softplus(w))
    >>> srcdiff.grad(loss)(np.array([0.0]))
    array([0.5])
    """
    def register(fn):
        template = Template(fn)
        for obj in objs:
            rule = _rule(obj)
            check_template(rule, template, "adjoint")
            rule.adjoint = template
            if elementwise is not None:
                rule.elementwise = elementwise
                rule.shape = "elementwise" if elementwise else rule.shape
        return fn
    return register


def tangent(*objs):
    """Register the decorated template as the forward-mode rule of each of ``objs``.

    In the body ``t[x]`` is the tangent of argument ``x`` and ``t[y] = e`` defines the result's.

    >>> import math, srcdiff
    >>> def cube(x):
    ...     return x * x * x
    >>> @srcdiff.tangent(cube)
    ... def cube_tangent(y, x):
    ...     t[y] = 3.0 * x * x * t[x]
    >>> def f(x):
    ...     return cube(x) + 1.0
    >>> srcdiff.jvp(f, (2.0,), 1.0)
    (9.0, 12.0)
    """
    def register(fn):
        template = Template(fn)
        for obj in objs:
            rule = _rule(obj)
            check_template(rule, template, "tangent")
            rule.tangent = template
        return fn
    return register


def available(module, *names):
    """The attributes of ``module`` among ``names`` that exist (NumPy adds functions over versions):
    ``@adjoint(*available(numpy, "unstack"))`` registers nothing on a NumPy without ``unstack``."""
    return [getattr(module, n) for n in names if hasattr(module, n)]


def nondifferentiable(*objs):
    """Declare functions whose outputs carry no derivative (integer, boolean or piecewise-constant).

    >>> import numpy as np, srcdiff
    >>> def count_positive(x):
    ...     return np.sum(x > 0)
    >>> _ = srcdiff.nondifferentiable(count_positive)
    >>> def f(x):
    ...     return np.sum(x ** 2) * count_positive(x)
    >>> srcdiff.grad(f)(np.array([1.0, -2.0]))
    array([ 2., -4.])
    """
    for obj in objs:
        _rule(obj).nondifferentiable = True
    return objs[0] if len(objs) == 1 else objs


def shapes(*, reduce=(), scalar=(), elementwise=()):
    """Declare how results are shaped: reductions (scalar when ``axis=None``), always-scalar
    results, and elementwise functions (result broadcast from the inputs)."""
    for kind, objs in (("reduce", reduce), ("scalar", scalar), ("elementwise", elementwise)):
        for obj in objs:
            _rule(obj).shape = kind


def refuse_unless(obj, checker, unknown=False):
    """``checker(constant arguments)`` returns (problem, fix) for calls the rule cannot honour.

    With ``unknown=True`` the arguments whose values are not known when the code is generated (a
    variable) are passed too, as ``Ellipsis``, so that the checker can refuse them."""
    def check(binding):
        from .. import ir
        consts = {k: Ellipsis for k in binding} if unknown else {}
        consts.update({k: v.value for k, v in binding.items() if isinstance(v, ir.Const)})
        consts.update({k: _literal(v) for k, v in binding.items() if isinstance(v, (ir.Tuple, ir.List))})
        return checker(consts)
    _rule(obj).check = check


def _literal(node):
    from .. import ir
    values = []
    for e in node.elts:
        if isinstance(e, ir.Const):
            values.append(e.value)
        elif isinstance(e, (ir.Tuple, ir.List)):
            values.append(_literal(e))
        else:
            values.append(Ellipsis)  # not known now
    return tuple(values)


def shape_kind(rule):
    return rule.shape if rule is not None else None


def method(name, function, adapter=None):
    """``x.name(...)`` on an array means ``function(x, ...)`` (``adapter`` reshapes arguments)."""
    ensure_loaded()
    _METHODS[name] = (function, adapter)


def attribute(name, function=None):
    """``x.name`` means ``function(x)``; ``function=None`` declares it non-differentiable."""
    ensure_loaded()
    _ATTRIBUTES[name] = function


def lookup(obj):
    """The rule registered for ``obj``, or None."""
    ensure_loaded()
    try:
        return _RULES.get(id(obj))
    except TypeError:  # pragma: no cover
        return None


def lookup_method(name):
    ensure_loaded()
    return _METHODS.get(name)


def lookup_attribute(name):
    """(known, function) for an array attribute."""
    ensure_loaded()
    if name in _ATTRIBUTES:
        return True, _ATTRIBUTES[name]
    return False, None


def all_rules():
    ensure_loaded()
    return list(_RULES.values())
