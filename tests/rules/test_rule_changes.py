"""Rules registered or removed after code was generated: the code made under the old rule table is not
served again, whether asked through a new transformation, a kept one (its fast paths), a callee, or
forward mode. (The cache key once ignored the rule table: which code a call got depended on what had
run before.)"""
import numpy as np
import pytest

import srcdiff
from srcdiff.backend import cache
from srcdiff.rules import registry


def softplus(x):
    return np.log1p(np.exp(x))


def layer(w):
    return softplus(w * 1.5) + w


def loss(w):
    return np.sum(softplus(w) * w)


def deep_loss(w):
    return np.sum(layer(w) ** 2)


def size_of(x):
    return np.sqrt(np.sum(x * x))


def normalized(x):
    return np.sum(np.sin(x)) / size_of(x)


W = np.array([0.3, -1.2, 2.0])


def fd_grad(f, x, h=1e-6):
    out = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        out[i] = (f(x + e) - f(x - e)) / (2 * h)
    return out


def _straight_through(y, x):
    d[x] = d[y] * 0.25  # noqa: F821  (a user's surrogate derivative, not softplus's own)


def _straight_through_tangent(y, x):
    t[y] = t[x] * 0.25  # noqa: F821


def _runs(f):
    """The ways of asking for the gradient of ``f``: a new transformation each time, one kept across
    the changes (its per-object fast paths), and forward mode (jvp along each axis)."""
    kept = srcdiff.grad(f)
    forward = [np.eye(W.size)[i] for i in range(W.size)]
    return {"new": lambda x: srcdiff.grad(f)(x),
            "kept": lambda x: kept(x),
            "forward": lambda x: np.array([srcdiff.jvp(f, (x,), e)[1] for e in forward])}


def _check_rule_change(f, expected_with_rule, register, unregister):
    runs = _runs(f)
    own = fd_grad(f, W)
    for name, run in runs.items():
        np.testing.assert_allclose(run(W), own, rtol=1e-6, atol=1e-8, err_msg=name)  # cached now
    register()
    try:
        for name, run in runs.items():
            np.testing.assert_allclose(run(W), expected_with_rule, rtol=1e-12, err_msg=name + " (rule registered)")
    finally:
        unregister()
    for name, run in runs.items():
        np.testing.assert_allclose(run(W), own, rtol=1e-6, atol=1e-8, err_msg=name + " (rule removed)")


def test_a_rule_registered_after_use_replaces_the_functions_source():
    # d/dw sum(s(w) * w) with s' taken as 0.25: 0.25 * w + s(w)
    _check_rule_change(loss, 0.25 * W + softplus(W),
                       lambda: (srcdiff.adjoint(softplus)(_straight_through),
                                srcdiff.tangent(softplus)(_straight_through_tangent)),
                       lambda: registry.remove(softplus))


def test_a_rule_registered_after_use_reaches_a_callee():
    # layer(w) = s(1.5 w) + w, with s' taken as 0.25: layer' = 0.375 + 1
    expected = 2 * layer(W) * (0.25 * 1.5 + 1.0)
    _check_rule_change(deep_loss, expected,
                       lambda: (srcdiff.adjoint(softplus)(_straight_through),
                                srcdiff.tangent(softplus)(_straight_through_tangent)),
                       lambda: registry.remove(softplus))


def test_nondifferentiable_declared_after_use():
    """``size_of`` declared non-differentiable after a gradient through it: it is a constant now."""
    _check_rule_change(normalized, np.cos(W) / size_of(W),
                       lambda: srcdiff.nondifferentiable(size_of), lambda: registry.remove(size_of))


def test_replacing_a_builtin_rule_after_use(scratch_registry):
    def f(x):
        return np.sum(np.tanh(x) * x)

    runs = _runs(f)
    for name, run in runs.items():
        np.testing.assert_allclose(run(W), fd_grad(f, W), rtol=1e-6, atol=1e-8, err_msg=name)

    @srcdiff.adjoint(np.tanh)
    def tanh_adjoint(y, x):
        d[x] = d[y] * 0.5  # noqa: F821

    @srcdiff.tangent(np.tanh)
    def tanh_tangent(y, x):
        t[y] = t[x] * 0.5  # noqa: F821

    for name, run in runs.items():
        np.testing.assert_allclose(run(W), np.tanh(W) + 0.5 * W, rtol=1e-12, err_msg=name)


def test_unchanged_rules_transform_once():
    """Calls that change no rule reuse the code (the built-in rules loaded on first need do not count
    as a change)."""
    def f(x):
        return np.sum(np.cos(x) * x)

    for _ in range(3):
        srcdiff.grad(f)(W)
        srcdiff.value_and_grad(f)(W)
    assert cache.transformations_of(f.__code__) == 2  # grad and value_and_grad


def test_scipy_stats_imported_later_is_no_change_of_rules(tmp_path):
    """SciPy's rules, loaded at the first transformation after the user's code imports scipy.stats, are
    built in: code generated before stays valid, and the transformation that loads them is stored for
    the next call (once they were counted as a user's change there, and the same code was made twice).
    In a fresh process: here scipy.stats may be loaded already."""
    pytest.importorskip("scipy.stats")
    import os
    import subprocess
    import sys
    script = ("import numpy as np, srcdiff\nfrom srcdiff.backend import cache\n"
              "def f(w):\n    return np.sum(np.exp(w) * w)\n"
              "srcdiff.grad(f)(np.ones(2))\nimport scipy.stats\n"
              "srcdiff.grad(f)(np.ones(3))\nsrcdiff.grad(f)(np.ones(3))\nsrcdiff.grad(f)(np.ones(2))\n"
              "print(cache.transformations_of(f.__code__))\n")
    path = tmp_path / "later_stats.py"
    path.write_text(script)
    root = os.path.dirname(os.path.dirname(srcdiff.__file__))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=root))
    assert out.stdout.split() == ["2"], out
