"""Checks for tests/front/test_calls_17.py: gradients of a first argument that is an array or a list of
arrays, against central finite differences (float64) and against forward mode (jvp). The other
arguments are passed as fresh copies to every call of the Python function (it may write into them)."""
import copy

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
            up = f(_rebuild(x, parts), *copy.deepcopy(rest))
            parts[i][j] -= 2 * h
            down = f(_rebuild(x, parts), *copy.deepcopy(rest))
            g[j] = (up - down) / (2 * h)
        out.append(g)
    return out


def check(f, x, *rest):
    """grad against finite differences, value_and_grad's value against ``f``, jvp against grad."""
    expected = numeric(f, x, rest)
    before = copy.deepcopy(rest)
    got = _leaves(srcdiff.grad(f)(x, *rest))
    _same(rest, before)  # srcdiff's code never writes into the caller's values
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-8)
    value, _ = srcdiff.value_and_grad(f)(x, *rest)
    np.testing.assert_allclose(value, f(x, *copy.deepcopy(rest)), rtol=1e-12)
    rng = np.random.default_rng(7)
    tangents = [rng.standard_normal(np.shape(v)) for v in _leaves(x)]
    value, tangent = srcdiff.jvp(f, (x,) + rest, _rebuild(x, tangents), wrt=0)
    _same(rest, before)
    np.testing.assert_allclose(value, f(x, *copy.deepcopy(rest)), rtol=1e-12)
    np.testing.assert_allclose(tangent, sum(np.sum(g * t) for g, t in zip(expected, tangents)), rtol=1e-6, atol=1e-8)


def _same(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for u, v in zip(a, b):
            _same(u, v)
    elif isinstance(a, (np.ndarray, float, int)):
        np.testing.assert_array_equal(a, b)
