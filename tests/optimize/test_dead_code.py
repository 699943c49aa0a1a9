"""Dead code in generated functions (cleanup.dead_code, finish.drop_dead): values nothing reads
and writes into new arrays nothing reads are dropped; writes something may still read stay. And
copies of one name into another (cleanup.propagate_copies)."""
import textwrap

import numpy as np
import pytest

import srcdiff
from srcdiff.optimize import cleanup
from srcdiff import ir
from srcdiff.front import syntax

RNG = np.random.default_rng(11)


def _dropped(lines):
    """``dead_code`` on a function body, ``zeros_like(...)`` as the new array and ``push``/``mutate``
    as calls with effects."""
    text = "def f(x, y, tape):\n" + textwrap.indent(lines, "    ")
    fn = syntax.to_ir(syntax.function_defs(syntax.parse_module(text))[0][2], text)
    allocates = lambda e: isinstance(e, ir.Call) and syntax.unparse(e.func) == "zeros_like"  # noqa: E731
    pure = lambda s: not any(isinstance(n, ir.Call) and syntax.unparse(n.func) in ("push", "mutate", "tape.pop")
                             for n in ir.walk(s.value))  # noqa: E731
    body = cleanup.dead_code(fn.body, set(), pure, cleanup.scratch_arrays(fn.body, allocates, pure))
    return "\n".join(syntax.unparse(s).strip() for s in body)


@pytest.mark.parametrize("before, after", [
    ("d = zeros_like(x)\nd[1:] = y\nreturn y", "return y"),
    # the gradient of Rosenbrock inside its Hessian-vector product: a view read only to write back
    ("d = zeros_like(x)\nd[:-1] = y\nv = d[1:]\nw = v + y\nd[1:] = w\nreturn x",
     "return x"),
    ("d = zeros_like(x)\nd[0] += y\nt = zeros_like(x)\nt[0] = y\nreturn t",
     "t = zeros_like(x)\nt[0] = y\nreturn t"),
])
def test_writes_nothing_reads_are_dropped(before, after):
    assert _dropped(before) == after


@pytest.mark.parametrize("lines", [
    "d = zeros_like(x)\nd[0] = y\nreturn d",
    "d = zeros_like(x)\nv = d[1:]\nd[1] = y\nreturn v",                 # a view taken before the write
    "d = zeros_like(x)\nv = d[1:]\nw = v.T\nd[1] = y\nreturn w",        # a view of a view
    "d = zeros_like(x)\nd[1] = y\nv = d.reshape(2, 2)\nreturn v",
    "d = zeros_like(x)\npush(tape, d)\nd[1] = y\nz = tape.pop()\nreturn z",  # the tape holds d
    "d = zeros_like(x)\nv = d[1:]\npush(tape, v)\nd[1] = y\nz = tape.pop()\nreturn z",
    "d = zeros_like(x)\nv = mutate(d)\nd[1] = y\nreturn v",              # a call may keep d
    "d = zeros_like(x)\nfor i in range(3):\n    y = d[i]\nd[1] = 2.0\nreturn y",
    "d = zeros_like(x)\nv = d[1:]\nv += 1.0\nd[1] = y\nreturn x",         # written through a view: d kept
    "d = zeros_like(x)\nd = y\nd[1] = 2.0\nreturn x",                     # assigned twice: not a new array
    "d = x\nd[1] = y\nreturn y",                                          # the caller's array
    "d = zeros_like(x)\nd[1] = tape.pop()\nreturn y",                    # the pop must happen
    "d = zeros_like(x)\nd[1] = 2.0 * tape.pop()\nreturn y",
])
def test_writes_something_may_read_stay(lines):
    kept = _dropped(lines)
    assert lines.count("d[1] = ") == kept.count("d[1] = "), kept


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def logistic(w, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def test_hessian_vector_product_computes_no_gradient_it_does_not_return():
    """hvp transforms the gradient's code; the gradient itself (``d_x``) is only written, never read."""
    x, v = RNG.uniform(-2, 2, 8), RNG.standard_normal(8)
    hvp = srcdiff.hvp(rosenbrock)
    source = hvp.source_for(x)
    assert "d_x" not in source.replace("t_d_x", ""), source
    grad = srcdiff.grad(rosenbrock)
    eps = 1e-6
    fd = (grad(x + eps * v) - grad(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hvp(x, v), fd, rtol=1e-6, atol=1e-6)


def test_gradient_specialized_to_shapes_skips_the_value():
    """Once the mean's weight is a number, the loss itself is dead in ``grad``: no logarithms."""
    w, X = RNG.standard_normal(3), RNG.standard_normal((20, 3))
    y = (RNG.random(20) < 0.5).astype(float)
    code = lambda source: "\n".join(line for line in source.splitlines() if not line.strip().startswith("#"))  # noqa
    source = srcdiff.grad(logistic).source_for(w, X, y)
    assert "np.log" not in code(source), source
    srcdiff.check_grad(logistic, w, X, y)
    assert "np.log" in code(srcdiff.value_and_grad(logistic).source_for(w, X, y))


def _propagated(lines, names):
    text = "def f(x, y):\n" + textwrap.indent(lines, "    ")
    fn = syntax.to_ir(syntax.function_defs(syntax.parse_module(text))[0][2], text)
    return "\n".join(syntax.unparse(s).strip() for s in cleanup.propagate_copies(fn.body, names))


@pytest.mark.parametrize("before, after", [
    ("t_a = x * 2.0\nt_b = t_a\nt_c = t_b\nreturn t_c + 1.0", "t_a = x * 2.0\nreturn t_a + 1.0"),
    ("t_b = x\nt_b[0] = 1.0\nreturn t_b", "x[0] = 1.0\nreturn x"),  # the same object either way
])
def test_copies_are_propagated(before, after):
    assert _propagated(before, {"t_b", "t_c"}) == after


@pytest.mark.parametrize("lines", [
    "t_b = x\nx = y\nreturn t_b",                                  # x rebound after the copy
    "t_a = y\nt_b = t_a\nt_a = x\nreturn t_b",                  # t_a assigned twice
    "t_b = x\nt_b = y\nreturn t_b",                                # t_b assigned twice
    "for i in range(3):\n    t_b = x\nreturn t_b",                 # not at the top level
    "t_c = x\nreturn t_c",                                          # not one of the names
])
def test_copies_that_must_stay(lines):
    assert _propagated(lines, {"t_b"}) == lines
