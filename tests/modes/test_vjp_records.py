"""vjp of functions of dataclasses and of objects of user classes: lowered and lifted as grad does them."""
import dataclasses

import numpy as np
import pytest

import srcdiff


@dataclasses.dataclass
class Params:
    w: np.ndarray
    b: float


class Model:
    def __init__(self, w, a, c):
        self.w = w
        self.a = a
        self.c = c  # an int: a constant of the generated code

    def inner(self, t):
        return np.tanh(t) * self.a + t * self.c

    def loss(self, x):
        return np.sum(self.inner(self.w * x)) + self.a ** 2


def f_params(p, x):
    return np.sum(np.sin(p.w * x)) + p.b * np.sum(x)


def f_model(m, x):
    return m.loss(x) * 0.5 + np.sum(m.w ** 2)


def _make(kind):
    if kind == "dataclass":
        return f_params, Params(np.array([0.3, -1.2, 0.7]), 0.4), ("w", "b")
    return f_model, Model(np.array([0.3, -1.2, 0.7]), 0.8, 2), ("w", "a")


def _fd(fun, obj, x, name, idx, h=1e-6):
    def shifted(d):
        o = dataclasses.replace(obj) if dataclasses.is_dataclass(obj) else _copy_obj(obj)
        v = getattr(o, name)
        if np.ndim(v):
            v = v.copy()
            v[idx] += d
        else:
            v = v + d
        setattr(o, name, v)
        return fun(o, x)
    return (shifted(h) - shifted(-h)) / (2 * h)


def _copy_obj(obj):
    out = type(obj).__new__(type(obj))
    out.__dict__.update(vars(obj))
    return out


@pytest.mark.parametrize("kind", ["dataclass", "object"])
def test_vjp_of_a_record_argument_matches_finite_differences_and_grad(kind):
    fun, obj, names = _make(kind)
    x = np.array([0.5, 1.5, -0.4])
    value, pullback = srcdiff.vjp(fun, wrt=0)(obj, x)
    assert value == pytest.approx(fun(obj, x), rel=1e-12)
    for ct in (1.0, -2.5):
        g = pullback(ct)  # twice: the second call replays the forward pass
        assert type(g) is type(obj)
        for name in names:
            gv = np.asarray(getattr(g, name))
            for idx in np.ndindex(*np.shape(getattr(obj, name))):
                assert gv[idx] == pytest.approx(ct * _fd(fun, obj, x, name, idx), rel=1e-6, abs=1e-8)
    g = srcdiff.grad(fun, wrt=0)(obj, x)
    for name in names:
        np.testing.assert_allclose(getattr(pullback(1.0), name), getattr(g, name), rtol=1e-12)


def test_vjp_of_a_record_and_an_array_gives_both_cotangents():
    fun, obj, names = _make("object")
    x = np.array([0.5, 1.5, -0.4])
    value, pullback = srcdiff.vjp(fun, obj, x)  # JAX's form: one cotangent per primal
    gm, gx = pullback(1.0)
    assert isinstance(gm, Model) and gm.c == 2
    ref_m, ref_x = srcdiff.grad(fun, wrt=(0, 1))(obj, x)
    np.testing.assert_allclose(gm.w, ref_m.w, rtol=1e-12)
    assert gm.a == pytest.approx(ref_m.a, rel=1e-12)
    np.testing.assert_allclose(gx, ref_x, rtol=1e-12)
    h = 1e-6
    for i in range(3):
        e = np.zeros(3)
        e[i] = h
        assert gx[i] == pytest.approx((fun(obj, x + e) - fun(obj, x - e)) / (2 * h), rel=1e-6)
