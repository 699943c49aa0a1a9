"""``srcdiff coverage``: which public callables of NumPy, SciPy and Python namespaces have rules."""
from __future__ import annotations

import builtins
import importlib
import math
import textwrap
import types
import warnings

import numpy

# namespaces of the full report, in order; the SciPy ones only where SciPy can be imported
_NUMPY = (("numpy", numpy), ("numpy.linalg", numpy.linalg), ("numpy.fft", numpy.fft), ("math", math),
          ("builtins", builtins))
_SCIPY = ("scipy.special", "scipy.stats", "scipy.linalg", "scipy.signal", "scipy.integrate")
# the methods of a scipy.stats distribution the report lists (those the distribution has)
_DISTRIBUTION_METHODS = ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf", "logpmf", "pmf")
_GROUPS = ("reverse and forward", "reverse only", "forward only", "non-differentiable (accepted as constants)",
           "no rule")


class UnknownNamespace(ValueError):
    """``--namespace`` names no module the report can cover."""


def namespaces(wanted=()):
    """(label, module) of every namespace the report covers that can be imported here, and of the
    other ``numpy.*``/``scipy.*`` modules named in ``wanted``."""
    out = list(_NUMPY)
    for label in _SCIPY:
        module = _import(label)
        if module is not None:
            out.append((label, module))
    known = {label for label, _ in out}
    for label in wanted:
        if label not in known and label.split(".")[0] in ("numpy", "scipy"):
            module = _import(label)
            if module is not None:
                out.append((label, module))
    return out


def _import(label):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return importlib.import_module(label)
    except ImportError:
        return None


def public_callables(module):
    """name -> object for the public callables of ``module``: functions, ufuncs and other callable
    objects; classes (types, exceptions) only when srcdiff has a rule for them."""
    from .rules import lookup
    found = {}
    for name in sorted(dir(module)):
        if name.startswith("_"):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                obj = getattr(module, name)
            except Exception:
                continue
        if isinstance(obj, types.ModuleType) or not callable(obj):
            continue
        if isinstance(obj, type) and lookup(obj) is None:
            continue
        found[name] = obj
    return found


def _is_distribution(obj):
    stats = importlib.import_module("scipy.stats")
    kinds = (stats.rv_continuous, stats.rv_discrete)
    multi = getattr(getattr(stats, "_multivariate", None), "multi_rv_generic", None)
    return isinstance(obj, kinds + ((multi,) if multi is not None else ()))


def member_rule(owner, name):
    """The rule for ``owner.name`` (a distribution's method): registered on the bound method, on
    the function it binds, a definition srcdiff differentiates (rules/scipy_stats), or None."""
    from .rules import lookup
    method = getattr(owner, name, None)
    for candidate in (method, getattr(method, "__func__", None)):
        rule = lookup(candidate) if candidate is not None else None
        if rule is not None:
            return rule
    from .rules import scipy_stats  # the methods computed from a definition (loaded with the rules above)
    return _DEFINED if scipy_stats.definition(owner, name) is not None else None


def rule_kind(rule):
    """(in reverse mode, in forward mode): 'rule', 'constant' (non-differentiable) or None."""
    if rule is None:
        return None, None
    if rule.nondifferentiable:
        return "constant", "constant"
    return ("rule" if rule.adjoint is not None else None), ("rule" if rule.tangent is not None else None)


def section(out, width, title, names_and_rules, noun="public callables"):
    """Write one namespace's counts and its names, grouped by what srcdiff can do with them."""
    groups = {label: [] for label in _GROUPS}
    for name, rule in names_and_rules:
        rev, fwd = rule_kind(rule)
        if rev == "constant":
            groups[_GROUPS[3]].append(name)
        elif rev and fwd:
            groups[_GROUPS[0]].append(name)
        elif rev:
            groups[_GROUPS[1]].append(name)
        elif fwd:
            groups[_GROUPS[2]].append(name)
        else:
            groups[_GROUPS[4]].append(name)
    n_rev = len(groups[_GROUPS[0]]) + len(groups[_GROUPS[1]])
    n_fwd = len(groups[_GROUPS[0]]) + len(groups[_GROUPS[2]])
    out.write("%s: %d %s, %d with a reverse rule, %d with a forward rule, %d non-differentiable\n"
              % (title, len(names_and_rules), noun, n_rev, n_fwd, len(groups[_GROUPS[3]])))
    for label, names in groups.items():
        if names:
            text = "%s (%d): %s" % (label, len(names), " ".join(names))
            out.write(textwrap.fill(text, width, initial_indent="  ", subsequent_indent="      ",
                                    break_on_hyphens=False) + "\n")
    out.write("\n")


def _module_entries(module, seen):
    from .rules import lookup
    entries = []
    for name, obj in public_callables(module).items():
        if module.__name__.startswith("scipy.stats") and _is_distribution(obj):
            for method in _DISTRIBUTION_METHODS:
                if hasattr(obj, method):
                    rule = member_rule(obj, method)
                    if rule is not None:
                        seen.add(id(rule))
                    entries.append(("%s.%s" % (name, method), rule))
            continue
        rule = lookup(obj)
        if rule is not None:
            seen.add(id(rule))
        entries.append((name, rule))
    return entries


def _ndarray_entries():
    from .rules import lookup, lookup_attribute, lookup_method
    entries = []
    for name in sorted(n for n in dir(numpy.ndarray) if not n.startswith("_")):
        method = lookup_method(name)
        known_attr, function = lookup_attribute(name)
        if method is not None:
            rule = lookup(method[0])
        elif known_attr:
            rule = lookup(function) if function is not None else _CONSTANT
        else:
            rule = None
        entries.append(((name + "()") if callable(getattr(numpy.ndarray, name)) else name, rule))
    return entries


def report(wanted, out, width):
    """Write the coverage report of the namespaces in ``wanted`` (all when empty); returns 0."""
    from .rules import all_rules
    wanted = set(wanted)
    chosen = namespaces(wanted)
    known = {label for label, _ in chosen} | {"ndarray"}
    unknown = wanted - known
    if unknown:
        raise UnknownNamespace("unknown --namespace %s (choose from %s, or another importable numpy.* or "
                               "scipy.* module)" % (", ".join(sorted(unknown)), ", ".join(sorted(known))))
    seen = set()  # ids of rule objects reached from a namespace
    for label, module in chosen:
        if not wanted or label in wanted:
            entries = _module_entries(module, seen)
            noun = "public callables and distribution methods" if label == "scipy.stats" else "public callables"
            section(out, width, label, entries, noun)
    if not wanted or "ndarray" in wanted:
        section(out, width, "ndarray", _ndarray_entries(), noun="public methods and attributes")
    rules = all_rules()
    if not wanted:
        others = sorted(r.name for r in rules if id(r) not in seen and r.obj is not None
                        and not str(r.name).startswith("srcdiff."))
        internal = [r for r in rules if str(r.name).startswith("srcdiff.")]
        if others:
            out.write(textwrap.fill("other registered rules (%d): %s" % (len(others), " ".join(others)), width,
                                    subsequent_indent="    ") + "\n")
        out.write("srcdiff's own runtime helpers with rules (for differentiating generated code again): %d\n\n"
                  % len(internal))
    out.write("rules: %d reverse, %d forward\n" % (sum(r.adjoint is not None for r in rules),
                                                   sum(r.tangent is not None for r in rules)))
    return 0


class _Constant:
    nondifferentiable = True
    adjoint = tangent = None


_CONSTANT = _Constant()


class _Defined:
    """A scipy.stats method srcdiff computes from its definition (rules/scipy_stats): both modes."""
    nondifferentiable = False
    adjoint = tangent = True


_DEFINED = _Defined()
