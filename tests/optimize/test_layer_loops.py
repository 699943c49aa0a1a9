"""Gradients of list-of-layers networks (issue 17, speed on a real network), against central differences.

The reverse loop over the layers skips the product for the input data on its last trip
(optimize/last_trip.py) and starts layer gradients from the first contribution: these check that
every gradient still comes out right, with 1, 2 and 3 layers, slices, early breaks and the data
differentiated too.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

import srcdiff


def layers(n, seed=0, sizes=(5, 4, 3, 2)):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(m, k)) / np.sqrt(m), rng.normal(size=k) * 0.1)
            for m, k in zip(sizes[:n], sizes[1:n + 1])]


def data(seed=1, sizes=(5, 4, 3, 2)):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(6, sizes[0])), rng.normal(size=(6, 2))


def numeric(f, params, *rest, h=1e-6):
    """Central differences with respect to every array of ``params`` (a list of (W, b) pairs)."""
    out = []
    for i, pair in enumerate(params):
        grads = []
        for j, a in enumerate(pair):
            g = np.zeros_like(a)
            for idx in np.ndindex(a.shape):
                def at(step):
                    moved = [list(p) for p in params]
                    moved[i][j] = a.copy()
                    moved[i][j][idx] += step
                    return f([tuple(p) for p in moved], *rest)
                g[idx] = (at(h) - at(-h)) / (2 * h)
            grads.append(g)
        out.append(grads)
    return out


def check(f, params, *rest):
    got = srcdiff.grad(f)(params, *rest)
    want = numeric(f, params, *rest)
    assert len(got) == len(want)
    for g_pair, w_pair in zip(got, want):
        assert len(g_pair) == 2
        for g, w in zip(g_pair, w_pair):
            assert g is not None
            np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8)
    return got


def sliced(params, X, Y):
    h = X
    for W, b in params[:-1]:
        h = np.tanh(np.dot(h, W) + b)
    W, b = params[-1]
    z = np.dot(h, W) + b
    prior = 0.0
    for W, b in params:
        prior = prior + np.sum(W ** 2) + np.sum(b ** 2)
    return np.sum(np.sin(z) * np.mean(Y)) + 1e-2 * prior


def direct(params, X, Y):
    h = X
    for W, b in params:
        h = np.tanh(h @ W + b)
    return np.sum(h ** 2)


def breaks_early(params, X, Y):
    h = X
    n = 0
    for W, b in params:
        if n == 2:
            break
        h = np.tanh(np.dot(h, W) + b)
        n = n + 1
    return np.sum(h ** 3)


def residual(params, X, Y):
    h = X
    for W, b in params:
        h = np.tanh(np.dot(h, W) + b) + h
    return np.sum(h ** 2)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_sliced_layers(n):
    X, Y = data()
    check(sliced, layers(n), X, Y)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_layers_iterated_directly(n):
    X, Y = data()
    check(direct, layers(n), X, Y)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_loop_that_breaks_early(n):
    X, Y = data()
    got = check(breaks_early, layers(n), X, Y)
    if n == 3:  # the third layer is never used: its gradient is zero
        assert not np.any(got[2][0]) and not np.any(got[2][1])


def test_residual_layers_read_the_carried_adjoint_twice():
    X, _ = data()
    params = layers(3, sizes=(4, 4, 4, 4))
    X = X[:, :4]
    check(residual, params, X, None)


@pytest.mark.parametrize("f", [sliced, direct])
def test_data_differentiated_too_keeps_its_product(f):
    """With ``X`` differentiated the last trip's product is its gradient: computed."""
    params, (X, Y) = layers(3), data()
    d_params, d_X = srcdiff.grad(f, wrt=(0, 1))(params, X, Y)
    h = 1e-6
    want = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        up, down = X.copy(), X.copy()
        up[idx] += h
        down[idx] -= h
        want[idx] = (f(params, up, Y) - f(params, down, Y)) / (2 * h)
    np.testing.assert_allclose(d_X, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", [sliced, direct])
def test_input_data_product_skipped_on_last_trip(f):
    """The reverse loop computes no gradient for the data ``X`` (not differentiated)."""
    params, (X, Y) = layers(3), data()
    source = srcdiff.value_and_grad(f).source_for(params, X, Y)
    assert re.search(r"\n( +)if k\d*:\n\1    d_h\d* = (dot_lhs|matmul_lhs)\(", source), source
    source = srcdiff.grad(f, wrt=(0, 1)).source_for(params, X, Y)
    assert not re.search(r"if k\d*:\n", source), source


def shared_bias(params, X, Y):
    h = X
    for W, b in params:
        h = h + b  # every layer's d_b is the carried d_h: the slots must not share it
        h = np.dot(h, W)
    return np.sum(h ** 2)


def test_layer_gradients_store_new_arrays_without_adding_zeros():
    """Each layer's gradient starts from its first contribution (``first_at``), not zeros plus it."""
    params, (X, Y) = layers(3), data()
    source = srcdiff.value_and_grad(sliced).source_for(params, X, Y)
    assert re.search(r"first_at\(d_seq\d*, k\d*, \(d_W\d*, d_b\d*\), \(True, (True|False)\)\)", source), source
    got = check(sliced, params, X, Y)
    arrays = [a for pair in got for a in pair]
    assert len({id(a) for a in arrays}) == len(arrays)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_shared_adjoints_are_not_stored_twice(n):
    """A layer gradient that is the carried adjoint itself is added to the zeros (a new array per
    slot), as before: changing one layer's gradient in place leaves the others alone."""
    params = layers(n, sizes=(4, 4, 4, 4))
    X, Y = data()
    X = X[:, :4]
    got = check(shared_bias, params, X, Y)
    arrays = [a for pair in got for a in pair]
    assert len({id(a) for a in arrays}) == len(arrays)
    before = [a.copy() for a in arrays]
    arrays[0] += 1.0
    for a, b in zip(arrays[1:], before[1:]):
        np.testing.assert_array_equal(a, b)


def test_first_at_keeps_only_arrays_of_their_own():
    from srcdiff.runtime.helpers import first_at
    base = np.arange(6.0).reshape(2, 3)
    new = base * 2.0
    slots = [[np.zeros((2, 3)), np.zeros(3)], [np.zeros((2, 3)), np.zeros(3)]]
    first_at(slots, 1, (new, base[0]), (True, True))  # a view: copied by the sum
    assert slots[1][0] is new and slots[1][1] is not base[0] and slots[1][1].base is None
    np.testing.assert_array_equal(slots[1][1], base[0])
    first_at(slots, 0, (np.broadcast_to(1.0, (2, 3)), None), (True, True))  # read-only; None adds nothing
    assert slots[0][0].flags.writeable and not np.any(slots[0][1])
    np.testing.assert_array_equal(slots[0][0], np.ones((2, 3)))
    single = [np.zeros(2, dtype=np.float32)]
    first_at(single, 0, np.ones(2), True)  # another dtype: the sum's
    assert single[0].dtype == np.float64
    nan = np.array([np.nan, 1.0])
    single = [np.zeros(2)]
    first_at(single, 0, nan, True)
    assert single[0] is nan
    rows = np.zeros((2, 2))  # an array of zeros: added in place, as add_at does
    first_at(rows, 1, np.ones(2), True)
    np.testing.assert_array_equal(rows, [[0, 0], [1, 1]])


@pytest.mark.parametrize("f", [sliced, direct, shared_bias])
def test_hessian_vector_product_over_layer_loops(f):
    """Forward mode over the gradient (hvp) reads ``first_at`` and the guarded product as the sum
    and the product they are: against central differences of the gradient."""
    params = layers(3, sizes=(4, 4, 4, 4))
    X, Y = data()
    X = X[:, :4]
    rng = np.random.default_rng(5)
    v = [(rng.normal(size=W.shape), rng.normal(size=b.shape)) for W, b in params]
    got = srcdiff.hvp(f)(params, X, Y, v)
    grad, h = srcdiff.grad(f), 1e-5
    up = grad([(W + h * vW, b + h * vb) for (W, b), (vW, vb) in zip(params, v)], X, Y)
    down = grad([(W - h * vW, b - h * vb) for (W, b), (vW, vb) in zip(params, v)], X, Y)
    for g_pair, u_pair, d_pair in zip(got, up, down):
        for g, u, d in zip(g_pair, u_pair, d_pair):
            np.testing.assert_allclose(g, (u - d) / (2 * h), rtol=1e-5, atol=1e-7)
