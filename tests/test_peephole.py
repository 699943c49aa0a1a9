"""Shared slices and merged constant factors in generated code (peephole.py): fewer passes over
arrays, the same derivatives."""
import numpy as np
import pytest

import srcdiff

RNG = np.random.default_rng(5)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rebinds_between(x):
    a = x[1:]
    x = x * 2.0          # x[1:] below is a slice of another array
    b = x[1:]
    return np.sum(a * b * b)


def writes_between(x):
    y = x * 1.5
    t = -y
    y[0] = 5.0           # t was computed before the write
    return np.sum(2.0 * t * y)


def list_slices(xs):
    a = xs[1:]
    b = xs[1:]
    return np.sum(np.stack(a) * np.stack(b))


def test_rosenbrock_tangent_reads_each_slice_once_and_merges_constants():
    source = srcdiff.forward(rosenbrock).source_for(np.ones(6))
    assert source.count("= x[:-1]") == 1 and source.count("= t_x[:-1]") == 1
    assert "200.0 * " in source and "-2 * " in source  # 100 * (2 * ...) and 2 * -(...) merged


@pytest.mark.parametrize("fun, args", [
    (rosenbrock, (RNG.uniform(-2, 2, 6),)),
    (rebinds_between, (RNG.standard_normal(5),)),
    (writes_between, (RNG.standard_normal(4),)),
])
def test_derivatives_are_unchanged(fun, args):
    srcdiff.check_grad(fun, *args)
    t = RNG.standard_normal(args[0].shape)
    _, jv = srcdiff.jvp(fun, args, t)
    np.testing.assert_allclose(jv, np.vdot(srcdiff.grad(fun)(*args), t), rtol=1e-10)


def test_slices_of_a_list_are_not_shared():
    xs = [RNG.standard_normal(3) for _ in range(3)]
    g = srcdiff.grad(list_slices)(xs)
    np.testing.assert_allclose(g[0], 0.0)
    np.testing.assert_allclose(g[1], 2 * xs[1])
    np.testing.assert_allclose(g[2], 2 * xs[2])
