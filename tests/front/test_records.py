"""NamedTuples and dataclasses as differentiated arguments (issue 17 item 3): fields read by name, nested,
gradients of the same type, both modes against central differences; other uses refused at the user's line."""
import dataclasses
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pytest

import srcdiff
from tests.support.trust_helpers import located_at


class Layer(NamedTuple):
    W: np.ndarray
    b: np.ndarray


class Net(NamedTuple):
    hidden: Layer
    out: Layer
    log_scale: float


@dataclass
class Linear:
    W: np.ndarray
    b: np.ndarray
    log_sigma: float


@dataclass(frozen=True)
class Kernel:
    log_length: float
    log_scale: float


@dataclass
class Model:
    kernel: Kernel
    head: Layer
    log_noise: float


X = np.array([[0.3, -1.2], [0.8, 0.5], [-0.1, 0.9]])
RNG = np.random.default_rng(7)


def flat(x):
    if isinstance(x, (float, np.ndarray)):
        return [np.atleast_1d(np.asarray(x, dtype=float)).ravel()]
    items = [getattr(x, f.name) for f in dataclasses.fields(x)] if dataclasses.is_dataclass(x) else list(x)
    return [v for item in items for v in flat(item)]


def rebuild(x, vector):
    """A record like ``x`` holding the entries of ``vector``."""
    pos = [0]

    def take(v):
        if isinstance(v, float):
            pos[0] += 1
            return float(vector[pos[0] - 1])
        if isinstance(v, np.ndarray):
            out = vector[pos[0]:pos[0] + v.size].reshape(v.shape).copy()
            pos[0] += v.size
            return out
        if dataclasses.is_dataclass(v):
            return dataclasses.replace(v, **{f.name: take(getattr(v, f.name)) for f in dataclasses.fields(v)})
        return type(v)(*[take(item) for item in v])
    return take(x)


def check_record(f, params, *rest):
    """grad has the type of ``params`` and matches central differences; jvp along a record matches grad."""
    vector = np.concatenate(flat(params))
    h = 1e-6
    expected = np.array([(f(rebuild(params, vector + h * e), *rest) - f(rebuild(params, vector - h * e), *rest))
                         / (2 * h) for e in np.eye(vector.size)])
    g = srcdiff.grad(f)(params, *rest)
    assert type(g) is type(params)
    np.testing.assert_allclose(np.concatenate(flat(g)), expected, rtol=1e-6, atol=1e-8)
    value, g2 = srcdiff.value_and_grad(f)(params, *rest)
    np.testing.assert_allclose(value, f(params, *rest), rtol=1e-12)
    np.testing.assert_allclose(np.concatenate(flat(g2)), expected, rtol=1e-6, atol=1e-8)
    direction = np.cos(np.arange(vector.size))
    value, tangent = srcdiff.jvp(f, (params,) + rest, rebuild(params, direction))
    np.testing.assert_allclose(value, f(params, *rest), rtol=1e-12)
    np.testing.assert_allclose(tangent, expected @ direction, rtol=1e-6, atol=1e-8)
    return g


def net_loss(net, x):
    h = np.tanh(x @ net.hidden.W + net.hidden.b)
    W, b = net.out  # a NamedTuple is a tuple: unpacking works as in Python
    return np.exp(net.log_scale) * np.sum((h @ W + b) ** 2) + np.sum(net[1].b)


def _net():
    return Net(Layer(RNG.standard_normal((2, 3)), RNG.standard_normal(3)),
               Layer(RNG.standard_normal((3, 1)), RNG.standard_normal(1)), 0.2)


def test_nested_namedtuples_give_gradients_of_the_same_types():
    g = check_record(net_loss, _net(), X)
    assert type(g.hidden) is Layer and g.hidden.W.shape == (2, 3) and isinstance(g.log_scale, float)


def linear_nll(p, x, y):
    mu = x @ p.W + p.b
    return 0.5 * np.sum((y - mu) ** 2) / np.exp(2 * p.log_sigma) + len(y) * p.log_sigma


def test_a_dataclass_gives_a_dataclass_gradient():
    p = Linear(RNG.standard_normal(2), np.array([0.1]), -0.3)
    g = check_record(linear_nll, p, X, np.array([0.5, -1.0, 0.2]))
    assert g.W.shape == (2,) and isinstance(g.log_sigma, float)


def model_loss(m, x):
    ell = np.exp(m.kernel.log_length)
    K = np.exp(m.kernel.log_scale) * np.exp(-0.5 * np.sum((x[:, None, :] - x[None, :, :]) ** 2, axis=2) / ell ** 2)
    K = K + np.exp(m.log_noise) * np.eye(len(x))
    return np.sum(np.linalg.solve(K, x @ m.head.W + m.head.b))


def test_a_frozen_dataclass_and_a_namedtuple_inside_a_dataclass():
    m = Model(Kernel(-0.2, 0.3), Layer(RNG.standard_normal((2, 1)), np.array([0.4])), -1.0)
    g = check_record(model_loss, m, X)
    assert type(g.kernel) is Kernel and type(g.head) is Layer


def with_constant_hyper(w, hyper, x):
    return np.sum(np.tanh(x @ w) * np.exp(hyper.log_scale)) / np.exp(hyper.log_length)


def test_a_frozen_dataclass_not_differentiated_is_read_as_constants():
    w = RNG.standard_normal(2)
    hyper = Kernel(0.1, -0.4)
    g = srcdiff.grad(with_constant_hyper)(w, hyper, X)
    h = 1e-6
    expected = [(with_constant_hyper(w + h * e, hyper, X) - with_constant_hyper(w - h * e, hyper, X)) / (2 * h)
                for e in np.eye(2)]
    np.testing.assert_allclose(g, expected, rtol=1e-6)
    np.testing.assert_allclose(srcdiff.jvp(with_constant_hyper, (w, hyper, X), np.ones(2))[1], np.sum(expected),
                               rtol=1e-6)


def test_a_record_and_an_array_differentiated_together():
    p = Linear(RNG.standard_normal(2), np.array([0.1]), -0.3)
    y = np.array([0.5, -1.0, 0.2])
    gp, gy = srcdiff.grad(linear_nll, wrt=(0, 2))(p, X, y)
    assert type(gp) is Linear
    h = 1e-6
    expected = [(linear_nll(p, X, y + h * e) - linear_nll(p, X, y - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(gy, expected, rtol=1e-6)
    np.testing.assert_allclose(gp.W, srcdiff.grad(linear_nll)(p, X, y).W)


# ------------------------------------------------------------------ refused

def isinstance_check(p, x):
    if isinstance(p, Linear):  # on the NamedTuple passed for the dataclass this would be False
        return np.sum(x @ p.W)
    return 0.0


def not_a_field(p, x):
    return np.sum(x @ p.W) * p.scale()


def rebinds(net, x):
    net = net._replace(log_scale=0.0)
    return np.sum(x @ net.hidden.W)


@pytest.mark.parametrize("fn, make, needle, words", [pytest.param(*case, id=case[0].__name__) for case in [
    (isinstance_check, lambda: Linear(np.ones(2), np.zeros(1), 0.0), "if isinstance(p, Linear):",
     "cannot follow the object itself"),
    (not_a_field, lambda: Linear(np.ones(2), np.zeros(1), 0.0), "p.scale()", "`scale` is not one of its fields"),
    (rebinds, _net, "net = net._replace(log_scale=0.0)", "bound again"),
]])
def test_what_a_record_cannot_be_followed_through_is_refused_at_its_line(fn, make, needle, words):
    params = make()
    tangent = params
    for transform in (lambda: srcdiff.grad(fn)(params, X), lambda: srcdiff.jvp(fn, (params, X), tangent)):
        with pytest.raises(srcdiff.SrcdiffError) as info:
            transform()
        assert words in str(info.value)
        located_at(str(info.value), fn, needle)


class Box(NamedTuple):
    width: float
    height: float

    @property
    def area(self):
        return self.width * self.height


def with_constant_box(w, box):
    return np.sum(w ** 2) * box.area


def test_a_namedtuple_not_differentiated_keeps_its_properties():
    w = np.array([0.5, -1.0])
    np.testing.assert_allclose(srcdiff.grad(with_constant_box)(w, Box(2.0, 3.0)), 2 * w * 6.0)
    np.testing.assert_allclose(srcdiff.jvp(with_constant_box, (w, Box(2.0, 3.0)), np.ones(2))[1], np.sum(2 * w * 6.0))
