"""Switches of the fuzzer's optional grammar features (issue 15 and later): on/off, forced, and their probabilities.

``SRCDIFF_FUZZ_NEW=0`` turns every feature below off (the grammar of before issue 15);
``SRCDIFF_FUZZ_FORCE=closure,deep`` (or ``python -m tests.fuzz --force closure,deep``) makes the
named features fire in (nearly) every program, for targeted runs. ``SRCDIFF_FUZZ_FORCE=all``
forces them all; with ``SRCDIFF_FUZZ_ONLY=1`` (``--only``) the features not forced are off, so
a targeted run measures one feature alone.
"""
from __future__ import annotations

import os

# name -> probability per program (program-level features) or per statement draw (weights are
# derived from it in ``weight``); kept small so the original mix stays dominant
PROBABILITY = {
    "closure": 0.04,        # def make_k(c): def k(v): ...; return k   used as  k = make_k(a); k(e)
    "module_arg": 0.03,     # def f(x, xp=np): xp.sin(...)
    "module_alias": 0.03,   # m = np; la = np.linalg; sin = np.sin; pi, sqrt = np.pi, np.sqrt
    "wraps": 0.04,          # functools.wraps decorators on helpers and on f
    "fn_arg": 0.03,         # an argument that is a function made by a factory, a new one per call
    "r_c": 0.04,            # np.r_[...] / np.c_[...]
    "nested_list": 0.04,    # st = {"h": []}; st["h"].append(e); st["h"][-1]   /  outer = [[]]
    "list_reduce": 0.04,    # np.sum([... for i in range(k)]), sum(... for ...), np.stack([...])
    "nan": 0.04,            # an input entry that is NaN or outside a function's domain
    "complex": 0.04,        # complex array inputs, real output through abs / real / abs(z) ** 2
    "complex_out": 0.01,    # a complex-valued output: grad must refuse
    "float_complex": 0.03,  # Python float times complex: np.real(s * (1 + 1j) * z), complex Python scalars
    "deep": 0.006,          # sums of 100-400 terms, 100-190 nested calls (the parser's limit is 200)
    # constructs of the session of 2026-12-07 (local_checks.py)
    "local_def": 0.04,      # def h(t): ... at the top of f, called directly (late binding, defaults, early returns)
    "local_lambda": 0.03,   # h = lambda t: ... at the top of f
    "raise_assert": 0.04,   # if A > T: raise E(f"..."), assert A < T, f"..." that hold at the test point
    "check_call": 0.03,     # check_finite(v): a module-level checking helper, result unused
    # objects.py: user classes and srcdiff.grad inside f
    "objects": 0.04,        # f(model, x) or Model.loss(self, x): float/array attributes, int and function
                            # attributes, methods calling methods, a subclass overriding one
    "nested_grad": 0.04,    # v = e - lr * srcdiff.grad(energy)(e), value_and_grad, a Newton step
}
# per program: each feature is switched on with its probability (``Features.roll`` at the start of
# ``Generator.program``); a switched-on statement/expression feature then competes with the usual
# statements and expressions with a small weight
NEW_FEATURES = tuple(PROBABILITY)


def _env_force():
    text = os.environ.get("SRCDIFF_FUZZ_FORCE", "")
    names = {n.strip() for n in text.split(",") if n.strip()}
    if "all" in names:
        return set(NEW_FEATURES)
    unknown = names - set(NEW_FEATURES)
    if unknown:
        raise ValueError("unknown fuzz feature(s) %s; known: %s" % (sorted(unknown), ", ".join(NEW_FEATURES)))
    return names


def default_enabled():
    return os.environ.get("SRCDIFF_FUZZ_NEW", "1") != "0"


class Features:
    """Which issue-15 features a generator may use and how often."""

    def __init__(self, enabled=None, force=None, only=None, skip=()):
        self.enabled = default_enabled() if enabled is None else enabled
        self.skip = set(skip)
        self.force = set(_env_force() if force is None else force)
        self.only = os.environ.get("SRCDIFF_FUZZ_ONLY", "0") == "1" if only is None else only
        if self.force:
            self.enabled = True

    def on(self, name):
        return self.enabled and name not in self.skip and (name in self.force or not self.only)

    def p(self, name):
        if not self.on(name):
            return 0.0
        if name in self.force:
            return 0.97
        return PROBABILITY[name]

    def weight(self, name, base=1, forced=None):
        """A statement/expression weight: ``base`` normally, high (or ``forced``) when forced, 0 when off."""
        if not self.on(name):
            return 0
        if name in self.force:
            return 40 * max(base, 1) if forced is None else forced
        return base


def feature_of(tag):
    """The issue-15 feature a program's feature tag (``"nan:guard:..."``) belongs to, or None."""
    head = tag.split(":")[0]
    return head if head in PROBABILITY else None
