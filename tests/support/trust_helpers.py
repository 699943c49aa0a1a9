"""Checks shared by the tests of issue 15's fixes: gradients in both modes against finite
differences, and refusals that name the user's line."""
import inspect
import os

import numpy as np
import pytest

import srcdiff
from srcdiff.backend import cache as srcdiff_cache


@pytest.fixture()
def fresh_cache():
    """A transformation cache with nothing in it (tests count or compare transformations)."""
    srcdiff_cache.clear()
    yield


def numeric_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = h
        g.flat[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def check_both_modes(f, x, *rest):
    """grad against finite differences, value_and_grad's value against f, jvp against grad."""
    expected = numeric_grad(lambda v: f(v, *rest), x)
    g = srcdiff.grad(f)(x, *rest)
    np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-8)
    value, g2 = srcdiff.value_and_grad(f)(x, *rest)
    np.testing.assert_allclose(value, f(x, *rest), rtol=1e-12)
    np.testing.assert_allclose(g2, expected, rtol=1e-6, atol=1e-8)
    direction = np.array([0.5, -1.0, 2.0])
    value, tangent = srcdiff.jvp(f, (x,) + rest, direction)
    np.testing.assert_allclose(value, f(x, *rest), rtol=1e-12)
    np.testing.assert_allclose(tangent, np.dot(expected, direction), rtol=1e-6, atol=1e-8)


def located_at(msg, fn, needle):
    """``msg`` names the file and line of ``fn`` where ``needle`` stands, and quotes it."""
    lines, first = inspect.getsourcelines(fn)
    line = first + next(i for i, t in enumerate(lines) if needle in t)
    where = "%s:%d" % (os.path.basename(inspect.getsourcefile(fn)), line)
    assert where in msg, "the message does not name %s:\n%s" % (where, msg)
    assert needle in msg, msg
