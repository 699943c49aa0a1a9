"""Which definition (stats_continuous, stats_multi) stands for a method of a scipy.stats distribution,
and the parameters SciPy's method takes, by name and position."""
import inspect
import types

import scipy.stats
import scipy.stats._distn_infrastructure as _infrastructure

from . import stats_continuous, stats_multi, stats_rules  # noqa: F401  (stats_rules registers)

_P = inspect.Parameter


class Definition:
    """``fn`` computes ``scipy.stats.<name>.<method>`` from the arguments bound to ``signature``,
    all passed positionally in the signature's order."""

    def __init__(self, name, method, fn, params):
        self.name, self.method, self.fn = name, method, fn
        self.display = "scipy.stats.%s.%s" % (name, method)
        self.signature = inspect.Signature([_P(p, _P.POSITIONAL_OR_KEYWORD, default=d) for p, d in params])

    @property
    def params(self):
        return list(self.signature.parameters.values())


def _shape_names(dist):
    return [s.strip() for s in (dist.shapes or "").split(",") if s.strip()]


def _table():
    out = {}  # (id of the distribution object, method name) -> Definition
    for name, (nshapes, methods) in stats_continuous.METHODS.items():
        dist = getattr(scipy.stats, name)
        shapes = _shape_names(dist)
        assert len(shapes) == nshapes, (name, shapes)
        params = [("x", _P.empty)] + [(s, _P.empty) for s in shapes] + [("loc", 0.0), ("scale", 1.0)]
        for method, fn in methods.items():
            out[id(dist), method] = Definition(name, method, fn, params)
    for name, methods in stats_multi.METHODS.items():
        dist = getattr(scipy.stats, name)
        if name == "multivariate_normal":
            params = [("x", _P.empty), ("mean", None), ("cov", 1.0), ("allow_singular", False)]
        elif name == "dirichlet":
            params = [("x", _P.empty), ("alpha", _P.empty)]
        else:
            params = [("k", _P.empty)] + [(s, _P.empty) for s in _shape_names(dist)] + [("loc", 0.0)]
        for method, fn in methods.items():
            out[id(dist), method] = Definition(name, method, fn, params)
    return out


TABLE = _table()
_DISTRIBUTIONS = {id(getattr(scipy.stats, name)): name
                  for name in list(stats_continuous.METHODS) + list(stats_multi.METHODS)}
_BY_CLASS = {type(getattr(scipy.stats, name)): name for name in stats_continuous.METHODS}
_BY_CLASS.update({type(getattr(scipy.stats, name)): name for name in ("poisson", "binom", "bernoulli")})
_FROZEN = (_infrastructure.rv_frozen, scipy.stats._multivariate.multivariate_normal_frozen,
           scipy.stats._multivariate.dirichlet_frozen)


def is_univariate(obj):
    """Is ``obj`` a univariate scipy.stats distribution (not frozen), of any family?"""
    return isinstance(obj, _infrastructure.rv_generic)


def distribution(obj):
    """The name of the scipy.stats distribution ``obj`` is (``scipy.stats.norm``), or None."""
    return _DISTRIBUTIONS.get(id(obj)) if obj is not None else None


def definition(dist, method):
    """The Definition of ``dist.method`` (``dist`` a scipy.stats distribution object), or None."""
    return TABLE.get((id(dist), method))


def bound_definition(obj):
    """(Definition, the frozen object or None) for a bound method ``norm.logpdf`` or
    ``norm(0, 1).logpdf``; None for anything else."""
    if not isinstance(obj, types.MethodType):
        return None
    owner, method = obj.__self__, obj.__func__.__name__
    if isinstance(owner, _FROZEN):
        dist = getattr(owner, "dist", None) or getattr(owner, "_dist", None)
        name = _frozen_name(owner)
        found = definition(getattr(scipy.stats, name), method) if name else None
        return (found, owner) if found is not None and dist is not None else None
    found = definition(owner, method)
    return (found, None) if found is not None else None


def _frozen_name(frozen):
    if isinstance(frozen, scipy.stats._multivariate.multivariate_normal_frozen):
        return "multivariate_normal"
    if isinstance(frozen, scipy.stats._multivariate.dirichlet_frozen):
        return "dirichlet"
    dist = getattr(frozen, "dist", None)  # a new instance of the distribution's class
    return _BY_CLASS.get(type(dist)) if dist is not None else None


def frozen_arguments(frozen):
    """(positional, keyword) arguments a frozen distribution passes to its distribution's methods."""
    if isinstance(frozen, scipy.stats._multivariate.multivariate_normal_frozen):
        return (frozen.mean, frozen.cov, frozen.allow_singular), {}
    if isinstance(frozen, scipy.stats._multivariate.dirichlet_frozen):
        return (frozen.alpha,), {}
    return tuple(frozen.args), dict(frozen.kwds)


def freeze_signature(name):
    """The parameters ``scipy.stats.<name>(...)`` takes to freeze the distribution (without ``x``)."""
    for (key, _), found in TABLE.items():
        if _DISTRIBUTIONS.get(key) == name:
            params = found.params[1:]
            if name in ("multivariate_normal", "dirichlet"):
                params.append(_P("seed", _P.POSITIONAL_OR_KEYWORD, default=None))
            return inspect.Signature(params)
    return None


def refusal(obj):
    """(problem, fix) for a method of a scipy.stats distribution srcdiff has no definition for, or None."""
    if not isinstance(obj, types.MethodType) or not type(obj.__self__).__module__.startswith("scipy.stats"):
        return None
    owner, method = obj.__self__, obj.__func__.__name__
    dist = getattr(owner, "dist", owner)
    name = getattr(dist, "name", None) or type(dist).__name__.replace("_gen", "")
    covered = sorted({d.method for (key, _), d in TABLE.items() if d.name == name})
    what = ("srcdiff differentiates %s of scipy.stats.%s" % (", ".join(covered), name)) if covered else \
        "srcdiff differentiates scipy.stats.%s only" % ", ".join(sorted({d.name for d in TABLE.values()}))
    first = "q" if method in ("ppf", "isf") else "k" if isinstance(dist, _infrastructure.rv_discrete) else "x"
    first = [] if method in ("mean", "var", "std", "median", "entropy") else [first]
    params = first + _shape_names(dist) + ["loc"] + ([] if isinstance(dist, _infrastructure.rv_discrete)
                                                       else ["scale"]) if is_univariate(dist) else ["x", "..."]
    spelled = "(%s)" % ", ".join('"%s"' % p for p in params)
    return ("srcdiff has no derivative rule for scipy.stats.%s.%s (%s)" % (name, method, what),
            "Register one naming its parameters: @srcdiff.adjoint(%s.%s, params=%s) and @srcdiff.tangent(%s.%s, "
            "params=%s), or compute it with NumPy and scipy.special functions." % (name, method, spelled, name,
                                                                                   method, spelled))
