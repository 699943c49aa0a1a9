"""The rule table: which primitive has which adjoint and tangent template, filled on first need."""
from __future__ import annotations

import inspect
import sys
import types
from typing import Any, Callable, Sequence

import numpy

from . import derive
from .loading import changed as _changed, ensure_loaded
from ..errors import MissingRuleError, SrcdiffError
from ..front.reader import load
from .template import Template, signature_of
from ..hints import F


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
        self.refused = {}  # parameter -> (problem, fix): a derivative the rule refuses (no closed form)

    @property
    def differentiable_params(self):
        if self.nondifferentiable:
            return set()
        params = set()
        for template in (self.adjoint, self.tangent):
            if template is not None and template.user:  # a varying argument reaches ``undifferentiated``
                params.update(template.params[1:])
        if self.adjoint is not None:
            params.update(self.adjoint.written)
        if self.tangent is not None:
            params.update(self.tangent.reads_tangent_of)
        params.update(self.refused)  # so that a varying argument reaches the refusal
        return params

    def refusal(self, active_params):
        """(problem, fix) when a derivative with respect to one of ``active_params`` is refused."""
        for param in sorted(set(active_params) & set(self.refused)):
            return self.refused[param]
        return None

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
            elif kind is inspect.Parameter.VAR_KEYWORD:  # ``**kwargs``: the template may name some
                unknown = sorted(k for k in value if k not in names)
                if unknown:
                    raise MissingRuleError("srcdiff's rule for %s does not handle the keyword argument(s) %s"
                                           % (self.name, ", ".join(unknown)))
                out.update(value)
                continue
            if tname is None or tname not in names:
                if _is_default(value):
                    continue
                raise MissingRuleError(
                    "srcdiff's rule for %s does not handle its argument `%s`; call it without that "
                    "argument or register your own rule with srcdiff.adjoint" % (self.name, pname))
            out[tname] = value
        for p in params:  # ``*args`` given nothing is an empty tuple (the template reads it)
            if p.kind is inspect.Parameter.VAR_POSITIONAL and p.name in names and p.name not in out:
                from .. import ir
                out[p.name] = ir.Tuple([])
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


_RULES = {}  # _key(obj) -> Rule
_METHODS = {}  # method name -> (function object, adapter)
_ATTRIBUTES = {}  # attribute name -> function object, or None for non-differentiable



def _key(obj):
    """A bound method (``norm.logpdf``) is a new object at each attribute access: its key is its
    owner and function."""
    if isinstance(obj, types.MethodType):
        return ("method", id(obj.__self__), obj.__func__)
    return id(obj)


def rule_of(obj, name=None):
    ensure_loaded()  # a user's rule registered now must not be replaced by a built-in one later
    key = _key(obj)
    if key not in _RULES:
        _RULES[key] = Rule(obj, name or qualified_name(obj))
    return _RULES[key]


def qualified_name(obj):
    owner = getattr(obj, "__self__", None)
    if isinstance(obj, types.MethodType) and type(owner).__module__.startswith("scipy.stats"):
        dist = getattr(owner, "dist", owner)  # a frozen distribution names its distribution
        name = getattr(dist, "name", None) or type(dist).__name__.replace("_gen", "")
        return "scipy.stats.%s%s.%s" % (name, "(...)" if dist is not owner else "", obj.__func__.__name__)
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
    elif module.startswith("scipy.") and "._" in module:  # scipy.signal._signaltools: its public name
        public = module[:module.index("._")]
        if getattr(sys.modules.get(public), name, None) is obj:
            module = public
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
    # later template parameters with defaults name keywords of ``**kwargs`` (``np.pad``'s ``constant_values``);
    # not beside ``*args``, which a positional argument would fill instead of the keyword
    var_kw = any(p.kind is p.VAR_KEYWORD for p in params) and not var_pos
    for i, name in enumerate(template.inputs):
        if i < len(positional_only):
            continue
        if name in by_name or name in var_pos or (var_kw and name in template.defaults):
            continue
        raise RuleError("%s template %s has parameter `%s`, but %s%s has no such parameter"
                        % (mode, template.fn.__qualname__, name, rule.name, rule.signature))
    if len(template.inputs) < len(positional_only) and not by_name:
        raise RuleError("%s template %s takes %d inputs but %s%s takes %d" % (
            mode, template.fn.__qualname__, len(template.inputs), rule.name, rule.signature,
            len(positional_only)))


def _named_signature(params, template):
    """The signature ``params=("x", "loc", "scale")`` gives a callable whose own signature is
    ``(x, *args, **kwds)``: the names, positional or keyword, with the template's defaults."""
    if isinstance(params, str) or not all(isinstance(p, str) and p.isidentifier() for p in params):
        raise RuleError("params= takes a tuple of parameter names, such as (\"x\", \"loc\", \"scale\"); got %r"
                        % (params,))
    out, seen_default = [], False
    for name in reversed(params):  # defaults only on a trailing run of parameters
        default = template.defaults.get(name, inspect.Parameter.empty)
        if default is inspect.Parameter.empty or seen_default is None:
            seen_default, default = None, inspect.Parameter.empty
        out.append(inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default))
    return inspect.Signature(list(reversed(out)))


def _with_params(rule, params, template):
    if params is not None:
        rule.signature = _named_signature(params, template)


def adjoint(*objs: Callable[..., Any], elementwise: bool | None = None,
            params: Sequence[str] | None = None) -> Callable[[F], F]:
    """Register the decorated template as the reverse-mode rule of each of ``objs``.

    The template's first parameter is the result, the others are ``obj``'s parameters; in its
    body ``d[y]`` is the result's adjoint and ``d[x] = e`` adds ``e`` to ``x``'s adjoint.
    ``params`` names the parameters of a callable whose signature does not
    (``scipy.stats.norm.logpdf`` is ``(x, *args, **kwds)``):
    ``@srcdiff.adjoint(norm.logpdf, params=("x", "loc", "scale"))``.

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
        _install(objs, Template(fn), None, elementwise, params)
        return fn
    return register


def tangent(*objs: Callable[..., Any], params: Sequence[str] | None = None) -> Callable[[F], F]:
    """Register the decorated template as the forward-mode rule of each of ``objs``.

    In the body ``t[x]`` is the tangent of argument ``x`` and ``t[y] = e`` defines the result's;
    ``params`` as for ``adjoint``.

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
        _install(objs, None, Template(fn), params=params)
        return fn
    return register


def self_adjoint(*objs, elementwise=None):
    """Register the decorated adjoint template for ``objs``, and the tangent derived from it.

    For derivatives that are their own transpose (``derive``): an elementwise function's
    ``d[x] = d[y] * E`` also gives its tangent ``t[y] = t[x] * E`` (a sum over the inputs)."""
    def register(fn):
        adjoint_template = Template(fn)
        tangent_tree = _derived(derive.self_adjoint_tangent, adjoint_template.tree, fn)
        _install(objs, adjoint_template, Template(fn, tangent_tree), elementwise)
        return fn
    return register


def bilinear(*objs, elementwise=None):
    """Register a product bilinear in two operands: the template's first line ``y = P(a, b)`` states
    it, the lines ``d[a] = ...`` and ``d[b] = ...`` after it are the adjoint, and the tangent is the
    product rule ``t[y] = P(t[a], b) + P(a, t[b])``."""
    def register(fn):
        adjoint_tree, tangent_tree = _derived(derive.split_bilinear, load(fn).tree, fn)
        _install(objs, Template(fn, adjoint_tree), Template(fn, tangent_tree), elementwise)
        return fn
    return register


def _derived(how, tree, fn):
    try:
        return how(tree, fn.__qualname__)
    except derive.DeriveError as exc:
        raise RuleError(str(exc)) from None


def _install(objs, adjoint_template, tangent_template, elementwise=None, params=None):
    for obj in objs:
        rule = rule_of(obj)
        _with_params(rule, params, adjoint_template or tangent_template)
        if adjoint_template is not None:
            check_template(rule, adjoint_template, "adjoint")
        if tangent_template is not None:
            check_template(rule, tangent_template, "tangent")
        if adjoint_template is not None:
            rule.adjoint = adjoint_template
        if tangent_template is not None:
            rule.tangent = tangent_template
        if elementwise is not None:
            rule.elementwise = elementwise
            rule.shape = "elementwise" if elementwise else rule.shape
    _changed()


def available(module, *names):
    """The attributes of ``module`` among ``names`` that exist (NumPy adds functions over versions):
    ``@adjoint(*available(numpy, "unstack"))`` registers nothing on a NumPy without ``unstack``."""
    return [getattr(module, n) for n in names if hasattr(module, n)]


def nondifferentiable(*objs: Any) -> Any:
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
        rule_of(obj).nondifferentiable = True
    _changed()
    return objs[0] if len(objs) == 1 else objs


def shapes(*, reduce=(), scalar=(), elementwise=()):
    """Declare how results are shaped: reductions (scalar when ``axis=None``), always-scalar
    results, and elementwise functions (result broadcast from the inputs)."""
    for kind, objs in (("reduce", reduce), ("scalar", scalar), ("elementwise", elementwise)):
        for obj in objs:
            rule_of(obj).shape = kind
    _changed()


def shape_kind(rule):
    return rule.shape if rule is not None else None


def method(name, function, adapter=None):
    """``x.name(...)`` on an array means ``function(x, ...)`` (``adapter`` reshapes arguments)."""
    ensure_loaded()
    _METHODS[name] = (function, adapter)
    _changed()


def attribute(name, function=None):
    """``x.name`` means ``function(x)``; ``function=None`` declares it non-differentiable."""
    ensure_loaded()
    _ATTRIBUTES[name] = function
    _changed()


def remove(*objs):
    """Forget the rules of ``objs`` (a test's own rules; a built-in one is gone until restarting)."""
    ensure_loaded()
    for obj in objs:
        _RULES.pop(_key(obj), None)
    _changed()


def lookup(obj):
    """The rule registered for ``obj``, or None."""
    ensure_loaded()
    try:
        return _RULES.get(_key(obj))
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
