"""Checks for tests/test_calls_17.py: gradients of a first argument that is an array or a list of
arrays, against central finite differences (float64) and against forward mode (jvp)."""
import numpy as np

import srcdiff


def _leaves(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _rebuild(x, leaves):
    return type(x)(leaves) if isinstance(x, (list, tuple)) else leaves[0]


def numeric(f, x, rest, h=1e-6):
    out = []
    for i, leaf in enumerate(_leaves(x)):
        g = np.zeros_like(leaf)
        for j in np.ndindex(leaf.shape):
            parts = [v.copy() for v in _leaves(x)]
            parts[i][j] += h
            up = f(_rebuild(x, parts), *rest)
            parts[i][j] -= 2 * h
            down = f(_rebuild(x, parts), *rest)
            g[j] = (up - down) / (2 * h)
        out.append(g)
    return out


def check(f, x, *rest):
    """grad against finite differences, value_and_grad's value against ``f``, jvp against grad."""
    expected = numeric(f, x, rest)
    got = _leaves(srcdiff.grad(f)(x, *rest))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-8)
    value, _ = srcdiff.value_and_grad(f)(x, *rest)
    np.testing.assert_allclose(value, f(x, *rest), rtol=1e-12)
    rng = np.random.default_rng(7)
    tangents = [rng.standard_normal(np.shape(v)) for v in _leaves(x)]
    value, tangent = srcdiff.jvp(f, (x,) + rest, _rebuild(x, tangents), wrt=0)
    np.testing.assert_allclose(value, f(x, *rest), rtol=1e-12)
    np.testing.assert_allclose(tangent, sum(np.sum(g * t) for g, t in zip(expected, tangents)), rtol=1e-6, atol=1e-8)
