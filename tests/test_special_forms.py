"""Issue 15, items 6 and 9: np.r_/np.c_, unknown NumPy objects, einsum forms, deep code, complex mixes.

Every gradient is checked against central finite differences, in reverse (grad) and forward (jvp)."""
import numpy as np
import pytest

import srcdiff


def fd_grad(f, x, eps=1e-6):
    """Central finite differences of a real scalar function at a float or float array ``x``."""
    if isinstance(x, float):
        return (f(x + eps) - f(x - eps)) / (2 * eps)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def check_both(f, x, seed=0):
    """grad and jvp of ``f`` at ``x`` against finite differences."""
    expected = fd_grad(f, x)
    np.testing.assert_allclose(srcdiff.grad(f)(x), expected, rtol=1e-6, atol=1e-8)
    direction = 1.0 if isinstance(x, float) else np.random.default_rng(seed).normal(size=np.shape(x))
    value, tangent = srcdiff.jvp(f, (x,), direction)
    np.testing.assert_allclose(value, f(x), rtol=1e-12)
    np.testing.assert_allclose(tangent, np.sum(expected * direction), rtol=1e-6, atol=1e-8)


# ------------------------------------------------------------ Python floats times complex values
def real_of_float_times_complex(x):
    z = 1 + 1j
    return np.real(x * z)


def abs_of_float_times_complex(x):
    z = np.array([1 + 2j, -0.5 + 1j])
    return np.sum(np.abs(x * z) ** 2)


@pytest.mark.parametrize("f", [real_of_float_times_complex, abs_of_float_times_complex])
@pytest.mark.parametrize("kind", [float, np.float64])
def test_python_float_mixed_with_complex_has_a_real_gradient(f, kind):
    x = kind(2.0)
    g = srcdiff.grad(f)(x)
    assert isinstance(g, kind)
    np.testing.assert_allclose(g, fd_grad(f, 2.0), rtol=1e-6)
    np.testing.assert_allclose(srcdiff.value_and_grad(f)(x)[1], fd_grad(f, 2.0), rtol=1e-6)
    np.testing.assert_allclose(srcdiff.jvp(f, (x,), 1.0)[1], fd_grad(f, 2.0), rtol=1e-6)
    check_both(f, 2.0)
