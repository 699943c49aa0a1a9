"""The pipeline as data (srcdiff/passes.py): ``--stages`` prints the declared passes, and the
cleanup every mode shares leaves none of the flaws the hand-written sequences left."""
import math
import re
import textwrap

import numpy as np
import pytest

import srcdiff
from srcdiff import passes
from srcdiff.front import syntax
from srcdiff.optimize import cleanup


def square_times(a, x):
    return a * a * x


def calls_square_times(a, x):
    return np.sum(square_times(a, x))


def scalar_branch(a):
    if a > 1.0:
        b = a * a
    else:
        b = a * 3.0
    return b


def carried_sums(x, w):
    s = 0.0
    out = 0.0
    for i in range(3):
        s = s + np.sum(x)
        out = out + np.sum(w * x)
    return out


def piecewise(x, w):
    if x > 0.0:
        y = w * x * x
    else:
        y = w * math.sin(x)
    return y + x


def with_aux(w):
    loss = np.sum(w ** 2)
    return loss, w * 2.0


def _copies(source):
    """``a = b`` lines (one name into another) of generated code."""
    return re.findall(r"^\s*(\w+) = (\w+)$", source, re.M)


# ----------------------------------------------------------------------------- the declared list

@pytest.mark.parametrize("fun, args, has_aux", [
    (calls_square_times, (2.0, np.ones(3)), False),
    (carried_sums, (np.ones(3), np.ones(3)), False),
    (with_aux, (np.ones(3),), True),
])
def test_reverse_stages_are_the_declared_passes(fun, args, has_aux):
    names = [name for name, _ in srcdiff.grad(fun, has_aux=has_aux).stages(*args)]
    assert names == passes.stage_names("reverse", has_aux=has_aux)
    for hidden in ("keep branch decisions", "count trips", "call forward functions", "split self-overwrites",
                   "copy written arguments", "batch loop sums"):
        assert hidden in names
    assert ("split aux" in names) == has_aux


def test_forward_stages_are_the_declared_passes():
    names = [name for name, _ in srcdiff.forward(piecewise).stages(0.5, 1.5)]
    assert names == passes.stage_names("forward")
    assert "copy written arguments" in names and "tangent statements" in names


def test_every_mode_shares_one_cleanup_list():
    cleanup_names = [p.name for p in passes.CLEANUP]
    for mode in ("reverse", "forward"):
        names = passes.stage_names(mode)
        start = names.index(cleanup_names[0])
        assert names[start:start + len(cleanup_names)] == cleanup_names


def test_a_call_of_a_user_function_shows_its_rewrite():
    stages = dict(srcdiff.grad(calls_square_times).stages(2.0, np.ones(3)))
    assert "square_times_forward(a, x)" in stages["call forward functions"]
    assert "square_times_forward" not in stages["count trips"]


# ----------------------------------------------------------------------------- the flaws, gone

def test_split_mode_runs_the_peepholes():
    sources = srcdiff.grad(calls_square_times).sources(2.0, np.ones(3))
    backward = sources["square_times_backward"]
    assert "2.0 * d_t1 * a" in backward and "2 * d_t1" not in backward
    srcdiff.check_grad(calls_square_times, 2.0, np.linspace(0.5, 1.5, 3))


def test_vjp_takes_an_integer_cotangent_as_a_float():
    # the backward function, cleaned up like joint mode, takes its adjoints for floats
    _, pullback = srcdiff.vjp(square_times, np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    da, dx = pullback(np.array([1, 2]))
    assert np.allclose(da, [2 * 1.0 * 3.0 * 1, 2 * 2.0 * 4.0 * 2]) and np.allclose(dx, [1.0, 8.0])
    da, dx = pullback(np.array([True, False]))
    assert np.allclose(da, [6.0, 0.0]) and np.allclose(dx, [1.0, 0.0])


def test_no_empty_branch_after_the_last_dead_code():
    source = srcdiff.grad(scalar_branch).source_for(2.0)
    assert "pass" not in source
    for a in (0.5, 2.0):
        srcdiff.check_grad(scalar_branch, a)


def test_dead_loop_carried_values_are_dropped():
    source = srcdiff.grad(carried_sums, wrt=1).source_for(np.ones(3), np.ones(3))
    code = "\n".join(line for line in source.splitlines() if not line.strip().startswith("#"))
    assert "s = s +" not in code and "out = out +" not in code
    assert "for i in range(3)" not in code  # the forward loop is gone; the reverse one replays it
    srcdiff.check_grad(carried_sums, np.linspace(0.1, 0.3, 3), np.linspace(-1.0, 1.0, 3), wrt=1)


def test_identity_copies_are_read_as_the_original():
    source = srcdiff.grad(piecewise, wrt=(0, 1)).source_for(0.5, 1.5)
    assert [a for a, b in _copies(source) if a not in ("d_x", "d_w")] == []  # the returned ones stay
    for x in (0.5, -0.5):
        srcdiff.check_grad(piecewise, x, 1.5, wrt=(0, 1))


# ----------------------------------------------------------------------------- the passes alone

def _dead(lines):
    text = "def f(x, y, n):\n" + textwrap.indent(lines, "    ")
    fn = syntax.to_ir(syntax.function_defs(syntax.parse_module(text))[0][2], text)
    body = cleanup.dead_code(fn.body, set(), lambda s: True)
    return "\n".join(syntax.unparse(s).rstrip() for s in body)


def test_a_value_only_its_loop_reads_is_dropped():
    before = "s = 0.0\nfor i in range(n):\n    s = s + x\n    y = y * x\nreturn y"
    assert _dead(before) == "for i in range(n):\n    y = y * x\nreturn y"


@pytest.mark.parametrize("lines", [
    # read by the next iteration
    "s = 0.0\nfor i in range(n):\n    y = y + s\n    s = s + x\nreturn y",
    # read after a break out of the loop, though the rest of the body binds it again
    "r = 0.0\nfor i in range(n):\n    if x:\n        r = y\n        break\n    r = x\nreturn r",
    # read after the loop, which may run no time
    "s = 0.0\nfor i in range(n):\n    s = x\nreturn s",
    # read by the loop's own test
    "s = 0.0\nwhile s:\n    s = s - x\nreturn y",
])
def test_a_value_something_reads_stays(lines):
    assert _dead(lines) == lines


def _propagated(lines, names):
    text = "def f(x, y):\n" + textwrap.indent(lines, "    ")
    fn = syntax.to_ir(syntax.function_defs(syntax.parse_module(text))[0][2], text)
    return "\n".join(syntax.unparse(s).rstrip() for s in cleanup.propagate_copies(fn.body, names))


def test_a_copy_in_a_nested_block_is_propagated():
    before = "if x:\n    d_b = y\n    d_c = d_b * x\nelse:\n    d_c = x\nreturn d_c"
    assert _propagated(before, {"d_b"}) == "if x:\n    d_c = y * x\nelse:\n    d_c = x\nreturn d_c"


@pytest.mark.parametrize("lines", [
    # the original is bound again before the copy's last read (a held incoming adjoint)
    "d_t_out = d_t\nd_t = d_t_out * x\nd_u = d_t_out\nreturn (d_t, d_u)",
    # read by the next iteration of a loop
    "for i in range(3):\n    y = d_b\n    d_b = x\nreturn y",
])
def test_a_copy_still_needed_stays(lines):
    assert _propagated(lines, {"d_t_out", "d_b"}) == lines


# ----------------------------------------------------------------------------- ReverseMode in parts

def overwrites(x, w):
    y = np.sin(x * w)
    y = y * x
    return np.sum(y)


def test_the_reverse_walk_reads_facts_frozen_after_the_last_rewrite(monkeypatch):
    from dataclasses import FrozenInstanceError

    from srcdiff import pipeline
    from srcdiff.modes import reverse_prep
    from srcdiff.modes.reverse_facts import ReverseFacts
    built = []
    shapes = reverse_prep.Shapes
    monkeypatch.setattr(reverse_prep, "Shapes", lambda *a, **k: built.append(a[0]) or shapes(*a, **k))
    prep = pipeline.prepare(overwrites)
    prep.ctx.mode = "reverse"
    job = pipeline.Job(overwrites, prep, "joint", ["x"], frozenset(), frozenset())
    tree = passes.run_passes(passes.REVERSE, prep.tree, job)
    mode = job.walker(tree)
    facts = mode.freeze()
    assert isinstance(facts, ReverseFacts) and facts.fn is mode.fn and mode.freeze() is facts
    assert len(built) == len(set(map(id, built)))  # each tree's shapes analysed once
    assert built[-1] is facts.fn  # the last of them on the final tree
    with pytest.raises(AttributeError):
        mode.activity = None
    with pytest.raises(FrozenInstanceError):
        facts.shapes = None
    with pytest.raises(AttributeError):
        facts.primal_names.add("x9")


def test_adjoint_emitters_come_from_a_table():
    from srcdiff.modes import statements
    for table in (statements.EMITTERS, statements.CONTRIBUTORS):
        for kind, method in table.items():
            assert callable(getattr(statements.StatementMixin, method)), kind
    srcdiff.check_grad(overwrites, np.linspace(0.1, 0.5, 3), np.linspace(1.0, 2.0, 3), wrt=(0, 1))


def test_adjoints_accumulate_in_an_object_of_their_own():
    from srcdiff.modes.adjoints import Accumulator
    from srcdiff.modes.reverse import ReverseMode
    assert not issubclass(ReverseMode, Accumulator) and not hasattr(ReverseMode, "contribute")
    sources = srcdiff.grad(overwrites).sources(np.ones(3), np.ones(3))
    assert any("d_x" in text for text in sources.values())


def with_local_helper(x):
    def square(v):
        return v * v
    return np.sum(square(x))


def test_local_functions_are_inlined_in_a_stage_of_their_own():
    stages = dict(srcdiff.grad(with_local_helper).stages(np.ones(3)))
    assert "def square" in stages["source"]
    assert "def square" not in stages["inline local functions"]
    assert stages["normalize"] != stages["inline local functions"]


def test_scipy_stats_calls_are_rewritten_in_a_stage_of_their_own():
    stats = pytest.importorskip("scipy.stats")

    def log_density(x):
        return np.sum(stats.norm.logpdf(x))
    stages = dict(srcdiff.grad(log_density).stages(np.ones(3)))
    assert "stats.norm.logpdf(x)" in stages["normalize"]
    assert "stats.norm.logpdf" not in stages["scipy.stats calls"]
    assert passes.stage_names("reverse").index("scipy.stats calls") < passes.stage_names("reverse").index(
        "structure jumps")
