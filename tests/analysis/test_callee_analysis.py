"""The check for writes into a callee's arguments (analysis/effects.py) reads each callee once per
transformation, recursive ones included, and still finds writes made through recursion."""
import collections

import numpy as np
import pytest

import srcdiff
import srcdiff.pipeline
from srcdiff.analysis import effects

from tests.support.trust_helpers import check_both_modes, fresh_cache, located_at  # noqa: F401  (fixture)


# The 15-line module of issue 16: a self-recursive helper that calls another helper.
def pad(a, k):
    b = a * 0.5 + k
    return np.tanh(b)


def walk(a, n):
    if n <= 0:
        return a
    b = pad(a, 0.1)
    return walk(np.sin(b) + a, n - 1)


def walk_loss(x):
    return np.sum(walk(x, 4) ** 2)


# Mutual recursion: ``ping`` reaches ``pong`` and back.
def ping(a, n):
    if n <= 0:
        return a * 2.0
    return pong(np.cos(a), n - 1)


def pong(a, n):
    return ping(a * 0.5, n - 1) + pad(a, 0.2)


def ping_loss(x):
    return np.sum(ping(x, 5))


# A write only recursion makes: the first call writes into ``a``, which the caller passed as ``b``.
def swap_write(a, b, n):
    if n <= 0:
        a[0] = 0.0
        return a * 1.0
    return swap_write(b, a, n - 1)


def calls_swap_write(x):
    u = np.ones(3)
    y = x * 2.0
    z = swap_write(u, y, 1)
    return np.sum(z * y)


def _count(monkeypatch, module, name):
    """Count calls of ``module.name`` per function it is given."""
    counts = collections.Counter()
    real = getattr(module, name)

    def counted(fn, *args, **kwargs):
        counts[fn.__name__] += 1
        return real(fn, *args, **kwargs)
    monkeypatch.setattr(module, name, counted)
    return counts


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("loss, callees", [(walk_loss, {"walk", "pad"}), (ping_loss, {"ping", "pong", "pad"})])
def test_each_callee_is_read_once_for_its_writes_per_transformation(monkeypatch, fresh_cache, mode, loss, callees):
    counts = _count(monkeypatch, effects, "_own_writes")
    if mode == "reverse":
        srcdiff.pipeline.reverse(loss, ["x"])
    else:
        srcdiff.pipeline.forward(loss, ["x"])
    assert counts == {name: 1 for name in callees}


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_recursive_helper_module_parses_each_function_at_most_twice(monkeypatch, fresh_cache, mode):
    """Once to transform it, once to read its writes (the old check re-parsed the recursive helper at
    every level until Python's recursion limit: seconds for 15 lines)."""
    counts = _count(monkeypatch, srcdiff.pipeline, "prepare")
    if mode == "reverse":
        srcdiff.pipeline.reverse(walk_loss, ["x"])
    else:
        srcdiff.pipeline.forward(walk_loss, ["x"])
    assert set(counts) == {"walk_loss", "walk", "pad"} and max(counts.values()) <= 2, counts


@pytest.mark.parametrize("loss", [walk_loss, ping_loss])
def test_gradients_through_recursive_helpers(loss):
    check_both_modes(loss, np.array([0.3, -0.7, 1.1]))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_write_made_one_recursion_deeper_is_refused(fresh_cache, mode):
    x = np.array([0.3, -0.7, 1.1])
    with pytest.raises(srcdiff.NonDifferentiableError) as info:
        srcdiff.grad(calls_swap_write, mode=mode)(x)
    msg = str(info.value)
    assert "swap_write writes into its parameter `b`" in msg, msg
    located_at(msg, calls_swap_write, "z = swap_write(u, y, 1)")
