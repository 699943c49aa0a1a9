"""Code specialized to large arrays writes into temporaries nothing reads again (reuse.py): the
results must equal those of code that allocates every array."""
import numpy as np
import pytest

import srcdiff
from srcdiff import transformed
from srcdiff.optimize import reuse

RNG = np.random.default_rng(11)
N = reuse.LARGE  # entries at which reuse starts


def mlp(W1, b1, W2, X, Y):
    h = np.tanh(X @ W1 + b1)
    return np.mean((h @ W2 - Y) ** 2)


def chain(x, y):
    a = np.exp(-x * x)
    b = a * 2.0 + y        # a is dead here: its memory takes the result
    c = np.sin(b) / (1.0 + b * b)
    return np.sum(c * c)


def broadcast_grows(v, M):
    a = np.exp(v)          # a has v's shape; a + M has M's bigger shape: a's memory cannot take it
    return np.sum(np.tanh(a + M) ** 2)


def in_loop(x, w):
    s = 0.0
    for i in range(3):
        t = np.sin(x * w) + 1.0
        s = s + np.sum(t * t)
        x = x * 0.5 + t
    return s


def mixed_dtypes(x32, w):
    a = x32 * 2.0          # float32: the float64 result of a * w does not fit in it
    return np.sum(np.cos(a * w))


def mlp_args():
    return (0.1 * RNG.standard_normal((40, 30)), RNG.standard_normal(30), RNG.standard_normal((30, 2)),
            RNG.standard_normal((600, 40)), RNG.standard_normal((600, 2)))


CASES = [
    (mlp, mlp_args, (0, 1, 2)),
    (chain, lambda: (RNG.standard_normal(N), RNG.standard_normal(N)), (0, 1)),
    (broadcast_grows, lambda: (RNG.standard_normal(N), RNG.standard_normal((2, N))), (0, 1)),
    (in_loop, lambda: (RNG.standard_normal(N), RNG.standard_normal(N)), (0, 1)),
    (mixed_dtypes, lambda: (RNG.standard_normal(N).astype(np.float32), RNG.standard_normal(N)), (1,)),
]


@pytest.mark.parametrize("fun, make, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_reusing_code_matches_allocating_code(fun, make, wrt, monkeypatch):
    args = make()
    grad = srcdiff.value_and_grad(fun, wrt=wrt)
    assert "out=spare(" in grad.source_for(*args)
    value, grads = grad(*args)
    tangents = tuple(RNG.standard_normal(np.shape(args[i])) for i in wrt)
    _, jv = srcdiff.jvp(fun, args, tangents, wrt=wrt)
    assert "out=spare(" in srcdiff.forward(fun, wrt=wrt).source_for(*args)
    monkeypatch.setattr(transformed, "MAX_SHAPE_VARIANTS", 0)  # code for any shape: no reuse
    plain = srcdiff.value_and_grad(fun, wrt=wrt)
    assert "spare" not in plain.source_for(*args)
    ref_value, ref_grads = plain(*args)
    np.testing.assert_allclose(value, ref_value, rtol=1e-12)
    for g, r in zip(grads, ref_grads):
        np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(jv, sum(np.vdot(g, t) for g, t in zip(ref_grads, tangents)), rtol=1e-9)


@pytest.mark.parametrize("fun, make, wrt", CASES[:4], ids=[c[0].__name__ for c in CASES[:4]])
def test_gradients_of_large_functions_against_finite_differences(fun, make, wrt):
    srcdiff.check_grad(fun, *make(), wrt=wrt)


def test_arguments_are_left_alone():
    x, y = RNG.standard_normal(N), RNG.standard_normal(N)
    x0, y0 = x.copy(), y.copy()
    srcdiff.value_and_grad(chain, wrt=(0, 1))(x, y)
    srcdiff.jvp(chain, (x, y), (np.ones(N), np.ones(N)), wrt=(0, 1))
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)


def test_hvp_differentiates_code_that_reuses_memory():
    """Forward mode over a generated gradient that writes into its temporaries: the ``out=`` hint
    is dropped when that code is differentiated again."""
    args = mlp_args()
    v = RNG.standard_normal(args[0].shape)
    hv = srcdiff.hvp(mlp, wrt=0)(*args, v)
    grad = srcdiff.grad(mlp, wrt=0)
    assert "out=spare(" in grad.source_for(*args)
    eps = 1e-6
    fd = (grad(args[0] + eps * v, *args[1:]) - grad(args[0] - eps * v, *args[1:])) / (2 * eps)
    np.testing.assert_allclose(hv, fd, rtol=1e-5, atol=1e-8)


def test_small_arrays_allocate_as_usual():
    x, y = RNG.standard_normal(100), RNG.standard_normal(100)
    assert "spare" not in srcdiff.grad(chain, wrt=(0, 1)).source_for(x, y)
