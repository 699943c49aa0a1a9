"""Differential fuzzing: random programs of the supported language, srcdiff against finite differences.

Each example is a whole generated module (helpers, then ``def f``) with its inputs; see
``tests/fuzzing/generator.py`` for what is generated and ``tests/fuzzing/runner.py`` for the checks
(reverse mode by ``grad`` and ``vjp`` against central finite differences in float64, forward mode
``jvp`` against finite differences and the dot-product test against ``vjp``). Refusals
(``srcdiff.SrcdiffError``) are fine; a wrong result or a crash fails the test, and hypothesis
shrinks it to a small program, printed below as a file ready to paste into a regression test.

The generator also writes the constructs of issue 15 (closures from factories, modules as
arguments and local aliases, ``functools.wraps`` decorators, function arguments made per call,
``np.r_``/``np.c_``, lists inside dicts and lists, reductions of comprehensions, NaN and
out-of-domain inputs, complex inputs and outputs, Python floats times complex arrays, very deep
expressions; see ``tests/fuzzing/features.py``), and those of the session of 2026-12-07: local
helpers (``def``/``lambda`` inside f), ``raise``/``assert`` guards with f-strings that hold, and
module-level checking helpers called for their effect (``tests/fuzzing/local_checks.py``; where a
guard made to fire raises in the plain program, srcdiff's derivatives must raise the same); and
(``tests/fuzzing/objects.py``) a model argument of a generated class (``f(model, x)``, or
``Model.loss(self, x)`` also checked as ``srcdiff.grad(model.loss)``), whose float attributes are
compared one by one, and ``srcdiff.grad(energy)(v)`` steps inside f, the reference computed with the
helpers' exact derivatives.
``NEW_FEATURES`` (environment variable
``SRCDIFF_FUZZ_NEW``, default on) switches them; off, the grammar is exactly the one of before.

Long runs outside pytest: ``python -m tests.fuzz --programs 10000``.
"""
import os
import zlib

import pytest
from hypothesis import HealthCheck, given, reject, settings

from tests.fuzzing import generator, runner
from tests.fuzzing.features import NEW_FEATURES as FEATURES

NEW_FEATURES = os.environ.get("SRCDIFF_FUZZ_NEW", "1") != "0"
SEEDS_PER_FEATURE = 2  # test_each_issue15_feature: programs per construct, forced, the others off
# about 500 programs in all, as before the issue-15 constructs
EXAMPLES = int(os.environ.get("SRCDIFF_FUZZ_EXAMPLES", "450" if NEW_FEATURES else "500"))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(generator.programs(new_features=NEW_FEATURES, skip=("deep",)))  # deep: below, it is slow
def test_generated_programs_differentiate_correctly(program):
    # one reverse-mode entry point per program (grad or vjp, alternating) keeps the test quick;
    # ``python -m tests.fuzz`` checks both on every program
    reverse = ("grad",) if zlib.crc32(program.source.encode()) % 2 else ("vjp",)
    outcome = runner.check(program, reverse=reverse, per_call=False)  # per-call: test_each_issue15_feature
    if outcome.status == "invalid":
        reject()  # the generator's fault (the plain program misbehaves), not srcdiff's
    if outcome.status in ("wrong", "error"):
        raise AssertionError("srcdiff gave a %s result on a generated program.\n\n%s"
                             % (outcome.status, runner.report(outcome)))


@pytest.mark.skipif(not NEW_FEATURES, reason="SRCDIFF_FUZZ_NEW=0")
@pytest.mark.parametrize("feature", FEATURES)
def test_each_issue15_feature(feature):
    # every construct at least a few times (hypothesis draws them unevenly); random mode, reproducible
    # with ``python -m tests.fuzz --force FEATURE --only --first 700000 --programs 2``
    for seed in range(700000, 700000 + SEEDS_PER_FEATURE):
        program = generator.random_program(seed, force={feature}, only=True)
        outcome = runner.check(program)
        if outcome.status in ("wrong", "error"):
            raise AssertionError("srcdiff gave a %s result on a generated program (feature %s).\n\n%s"
                                 % (outcome.status, feature, runner.report(outcome)))


def test_a_guard_made_to_fire_must_raise_in_srcdiff_too(monkeypatch):
    # the runner's fire check: srcdiff raises what the plain function raises (no issue); a derivative
    # that returned a result instead would be reported as wrong
    program = next(p for p in (generator.random_program(seed, force={"raise_assert"}, only=True)
                               for seed in range(700000, 700020)) if p.fires)
    issues = []
    runner._fires(program, issues)
    assert issues == []
    monkeypatch.setattr(runner.srcdiff, "grad", lambda fun, wrt=None: (lambda *args: 0.0))
    runner._fires(program, issues)
    assert issues and {i.status for i in issues} == {"wrong"} and {i.check for i in issues} == {"fire-grad"}


def _object_program(bound):
    for seed in range(700000, 700040):
        program = generator.random_program(seed, force={"objects"}, only=True)
        if bool(program.bound) == bound and not any(i.check in ("grad", "bound-grad") for i in
                                                    runner.check(program, reverse=("grad",)).issues):
            return program
    raise AssertionError("no objects program")


@pytest.mark.parametrize("bound", [False, True])
def test_an_object_gradient_is_compared_attribute_by_attribute(monkeypatch, bound):
    # the runner's oracle for objects: a gradient object whose float attribute `a` is off must be caught
    program = _object_program(bound)
    real = runner.srcdiff.grad

    def off(fun, wrt=None):
        g = real(fun, wrt=wrt) if wrt is not None else real(fun)

        def call(*args):
            out = g(*args)
            first = out[0] if isinstance(out, tuple) else out
            first.a = first.a * 1.5 + 0.1
            return out
        return call
    monkeypatch.setattr(runner.srcdiff, "grad", off)
    outcome = runner.check(program, reverse=("grad",))
    wrong = {i.check for i in outcome.issues if i.status == "wrong"}
    assert outcome.status == "wrong" and ("bound-grad" in wrong if bound else "grad" in wrong), runner.report(outcome)


def test_a_nested_gradient_reference_uses_exact_derivatives(monkeypatch):
    # the plain program's srcdiff.grad(energy) is replaced by the hand-written derivative for the finite
    # differences, so an inner gradient 1% off (here: the reference's) makes a used nested step disagree
    from tests.fuzzing import objects
    exact = dict(objects.ENERGIES)
    off = {k: (b, "1.01 * (%s)" % d, d2) for k, (b, d, d2) in exact.items()}
    caught = 0
    for seed in range(700000, 700012):
        program = generator.random_program(seed, force={"nested_grad"}, only=True)
        if not program.uses_srcdiff:
            continue
        monkeypatch.setattr(objects, "ENERGIES", exact)
        if runner.check(program, reverse=("grad",)).status != "ok":
            continue
        monkeypatch.setattr(objects, "ENERGIES", off)
        caught += runner.check(program, reverse=("grad",)).status == "wrong"
        if caught == 2:
            return
    raise AssertionError("a reference 1%% off was caught in %d programs only" % caught)
