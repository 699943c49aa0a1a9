"""srcdiff on research-style programs (tests/programs/), both modes, against central finite differences.

For every case of every program (issue 17's stand-in for the outside collections):

* reverse: ``value_and_grad`` gives the plain call's value and a gradient with an entry of the
  right shape for every float leaf of the differentiated arguments (containers, dataclasses and
  NamedTuples included), matching central differences entry by entry (small arguments) or along
  random directions (large ones), and the exact derivative where the case gives one;
* forward: ``jvp`` along random directions matches the directional central difference and, when
  reverse mode runs, the dot product ``<grad, v>``.

A case that does not pass today carries its status in ``known`` (tests/programs/harness.py): a
strict xfail that expects exactly that outcome (refused, crash or wrong), so a refusal that turns
into a wrong gradient or a crash fails, and a case that starts to pass fails until it is unmarked.
``python -m tests.programs`` prints the same results as a table.
"""
import warnings

import pytest

from tests.programs import harness
from tests.programs.harness import MODES, PROGRAMS, cases_of, load


class Refused(AssertionError):
    """srcdiff raised a SrcdiffError."""


class Wrong(AssertionError):
    """srcdiff returned a value or derivative that disagrees with the plain function."""


class Crash(AssertionError):
    """srcdiff raised something other than a SrcdiffError."""


OUTCOME = {"refused": Refused, "wrong": Wrong, "crash": Crash}


def params():
    out = []
    for name in PROGRAMS:
        module = load(name)
        if module is None:
            out.append(pytest.param(None, None, id=name, marks=pytest.mark.skip(reason="needs scipy")))
            continue
        for case in cases_of(module):
            for mode in MODES:
                marks = []
                if mode in case.known:
                    status, reason = case.known[mode]
                    marks.append(pytest.mark.xfail(strict=True, raises=OUTCOME[status], reason=reason))
                out.append(pytest.param(case, mode, id="%s-%s" % (case.name, mode), marks=marks))
    return out


@pytest.mark.parametrize("case,mode", params())
def test_program_gradient(case, mode):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = harness.run(case, mode)
    if result.status != "ok":
        raise OUTCOME[result.status]("%s %s: %s" % (case.name, mode, result.detail))


def test_enough_programs_and_cases():
    modules = [load(name) for name in PROGRAMS]
    modules = [m for m in modules if m is not None]
    if len(modules) < len(PROGRAMS):
        pytest.skip("some programs need scipy")
    cases = [c for m in modules for c in cases_of(m)]
    assert len(modules) >= 25 and len(cases) >= 35
    assert len({c.name for c in cases}) == len(cases)
    for case in cases:
        assert set(case.known) <= set(MODES), case.name
        for status, reason in case.known.values():
            assert status in OUTCOME and reason, case.name


def test_harness_catches_a_wrong_gradient(monkeypatch):
    """The checks are not vacuous: a slightly wrong gradient or tangent is reported as wrong."""
    import numpy as np

    import srcdiff

    def f(x, p):
        return np.sum(np.sin(x) * x) + np.sum(p["a"] ** 2)

    def make():
        return np.array([0.3, -1.2, 2.0]), {"a": np.array([0.5])}

    case = harness.Case("sin_times_x", f, make, wrt=(0, 1))
    assert harness.run(case, "reverse").status == "ok"
    assert harness.run(case, "forward").status == "ok"
    exact = harness.Case("sin_times_x", f, make, wrt=0, reference=lambda x, p: np.sin(x) + np.cos(x) * x)
    assert harness.run(exact, "reverse").status == "ok"
    bad = harness.Case("sin_times_x", f, make, wrt=0, reference=lambda x, p: np.cos(x) * x)
    assert harness.run(bad, "reverse").status == "wrong"

    value_and_grad, jvp = srcdiff.value_and_grad, srcdiff.jvp

    def off_value_and_grad(fun, wrt):
        def call(*args):
            value, (gx, gp) = value_and_grad(fun, wrt=wrt)(*args)
            return value, (gx, {"a": gp["a"] * (1 + 1e-4)})
        return call

    def off_jvp(fun, primals, tangents, wrt):
        value, t = jvp(fun, primals, tangents, wrt=wrt)
        return value, t + 1e-4 * abs(t) + 1e-6

    monkeypatch.setattr(srcdiff, "value_and_grad", off_value_and_grad)
    assert harness.run(case, "reverse").status == "wrong"
    monkeypatch.setattr(srcdiff, "jvp", off_jvp)
    assert harness.run(case, "forward").status == "wrong"
