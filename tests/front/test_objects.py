"""Objects of user classes (issue 17 item 3): methods reading ``self`` attributes and calling other
methods, as the differentiated function (bound or with ``wrt="self"``) and as callees; gradients as
objects of the same class; both modes against central differences; what cannot be followed refused
at the user's line."""
import functools

import numpy as np
import pytest

import srcdiff
from tests.support.trust_helpers import located_at

RNG = np.random.default_rng(17)
X = RNG.standard_normal((5, 3))
Y = RNG.standard_normal(5)


class Base:
    def __init__(self):
        self.W = 0.5 * RNG.standard_normal((3, 2))
        self.v = RNG.standard_normal(2)
        self.layers = [RNG.standard_normal((2, 2)), RNG.standard_normal(2)]
        self.scale = 0.7
        self.n = 2  # constants: kept as they are in the gradient object
        self.tag = "base"
        self.act = np.tanh

    def hidden(self, x):
        h = self.act(x @ self.W)
        return h @ self.layers[0] + self.layers[1]

    def predict(self, x):
        return self.scale * (self.hidden(x) @ self.v) / self.n

    def loss(self, x, y):
        return 0.5 * np.sum((self.predict(x) - y) ** 2)


class Child(Base):
    def hidden(self, x):  # overrides the base's: Base.predict must call this one for a Child
        return np.sin(x @ self.W) * self.extra

    def __init__(self):
        super().__init__()
        self.extra = RNG.standard_normal(2)


def loss_of_model(model, x, y):
    return np.mean((model.predict(x) - y) ** 2) + 1e-2 * np.sum(model.W ** 2)


def float_paths(obj):
    out = []
    for k, v in vars(obj).items():
        if isinstance(v, float) or (isinstance(v, np.ndarray) and v.dtype.kind == "f"):
            out.append((k, None))
        elif isinstance(v, list):
            out.extend((k, i) for i in range(len(v)))
    return out


def get(obj, path):
    v = getattr(obj, path[0])
    return v if path[1] is None else v[path[1]]


def moved(obj, path, idx, h):
    new = type(obj).__new__(type(obj))
    new.__dict__.update({k: (list(v) if isinstance(v, list) else v) for k, v in vars(obj).items()})
    value = np.array(get(new, path), dtype=float)
    value[idx] += h
    value = float(value) if isinstance(get(obj, path), float) else value
    if path[1] is None:
        setattr(new, path[0], value)
    else:
        getattr(new, path[0])[path[1]] = value
    return new


def check_against_fd(f, obj, g, h=1e-6):
    assert type(g) is type(obj)
    for path in float_paths(obj):
        for idx in np.ndindex(np.shape(get(obj, path))):
            numeric = (f(moved(obj, path, idx, h)) - f(moved(obj, path, idx, -h))) / (2 * h)
            assert np.isclose(np.asarray(get(g, path))[idx], numeric, rtol=1e-6, atol=1e-8), (path, idx)


@pytest.mark.parametrize("cls", [Base, Child])
def test_a_bound_method_is_differentiated_with_respect_to_its_object(cls):
    model = cls()
    g = srcdiff.grad(model.loss)(X, Y)
    check_against_fd(lambda m: m.loss(X, Y), model, g)
    assert g.n == 2 and g.tag == "base" and g.act is np.tanh  # constants kept
    explicit = srcdiff.grad(cls.loss, wrt="self")(model, X, Y)
    for path in float_paths(model):
        np.testing.assert_allclose(get(explicit, path), get(g, path), rtol=1e-12)
    value, g2 = srcdiff.value_and_grad(model.loss)(X, Y)
    assert np.isclose(value, model.loss(X, Y))
    np.testing.assert_allclose(g2.W, g.W, rtol=1e-12)


def test_an_explicit_wrt_counts_the_parameters_of_the_bound_method():
    model = Base()
    gx = srcdiff.grad(model.loss, wrt=0)(X, Y)
    h = 1e-6
    e = np.zeros_like(X)
    e[1, 2] = 1.0
    numeric = (model.loss(X + h * e, Y) - model.loss(X - h * e, Y)) / (2 * h)
    assert np.isclose(gx[1, 2], numeric, rtol=1e-6)
    g_self, g_y = srcdiff.grad(model.loss, wrt=("self", "y"))(X, Y)
    assert isinstance(g_self, Base) and g_y.shape == Y.shape


@pytest.mark.parametrize("cls", [Base, Child])
def test_a_method_called_from_a_plain_function(cls):
    model = cls()
    g = srcdiff.grad(loss_of_model, wrt="model")(model, X, Y)
    check_against_fd(lambda m: loss_of_model(m, X, Y), model, g)


@pytest.mark.parametrize("cls", [Base, Child])
def test_forward_agrees_with_reverse(cls):
    model = cls()
    tangent = moved(model, ("W", None), (0, 0), 0.0)
    for k in float_paths(model):
        value = np.asarray(get(model, k), dtype=float)
        t = RNG.standard_normal(value.shape)
        tangent = moved(tangent, k, (), 0.0)
        if k[1] is None:
            setattr(tangent, k[0], float(t) if isinstance(get(model, k), float) else t)
        else:
            getattr(tangent, k[0])[k[1]] = t
    g = srcdiff.grad(cls.loss, wrt="self")(model, X, Y)
    expected = sum(float(np.sum(np.asarray(get(g, k)) * np.asarray(get(tangent, k)))) for k in float_paths(model))
    for value, t in (srcdiff.jvp(cls.loss, (model, X, Y), tangent, wrt="self"),
                     srcdiff.jvp(model.loss, (X, Y), tangent),
                     srcdiff.jvp(loss_of_model, (model, X, Y), tangent, wrt="model")):
        assert np.isclose(value, model.loss(X, Y)) or np.isclose(value, loss_of_model(model, X, Y))
    t_method = srcdiff.jvp(cls.loss, (model, X, Y), tangent, wrt="self")[1]
    assert np.isclose(t_method, expected, rtol=1e-9)


def test_a_method_redefined_on_the_class_gets_new_code():
    class Local:
        def __init__(self):
            self.w = np.array([1.0, 2.0])

        def f(self, x):
            return np.sum(self.w * x)

        def loss(self, x):
            return self.f(x) ** 2

    m = Local()
    x = np.array([0.5, -1.0])
    np.testing.assert_allclose(srcdiff.grad(m.loss)(x).w, 2 * m.f(x) * x)
    Local.f = lambda self, x: np.sum(self.w ** 2 * x)
    g = srcdiff.grad(Local.loss, wrt="self")(m, x)
    np.testing.assert_allclose(g.w, 2 * m.f(x) * 2 * m.w * x)


# ------------------------------------------------------------------ refused

class Writes(Base):
    def loss(self, x, y):
        self.W = self.W * 2.0
        return np.sum(self.predict(x))


class Prop(Base):
    @property
    def double(self):
        return 2.0 * self.W

    def loss(self, x, y):
        return np.sum(x @ self.double)


class ClassAttr(Base):
    eps = 1e-3

    def loss(self, x, y):
        return np.sum(x @ self.W) + self.eps


class Inner:
    def __init__(self):
        self.W = np.ones((3, 2))

    def apply(self, x):
        return x @ self.W


class Outer:
    def __init__(self):
        self.inner = Inner()

    def loss(self, x, y):
        return np.sum(self.inner.apply(x))


class Static(Base):
    @staticmethod
    def helper(a):
        return np.sum(a)

    def loss(self, x, y):
        return self.helper(x @ self.W)


class PassesSelf(Base):
    def loss(self, x, y):
        return np.sum(loss_of_model(self, x, y)) if isinstance(self, Base) else 0.0


@pytest.mark.parametrize("cls, needle, words", [
    (Writes, "self.W = self.W * 2.0", "does not follow writes"),
    (Prop, "return np.sum(x @ self.double)", "is a property of Prop"),
    (ClassAttr, "return np.sum(x @ self.W) + self.eps", "is a class attribute of ClassAttr"),
    (Outer, "return np.sum(self.inner.apply(x))", "not of an object inside one"),
    (Static, "return self.helper(x @ self.W)", "not a plain method"),
    (PassesSelf, "isinstance(self, Base)", "cannot follow the object itself"),
], ids=["write", "property", "class-attribute", "inner-object", "staticmethod", "whole"])
def test_what_an_object_cannot_be_followed_through_is_refused_at_its_line(cls, needle, words):
    model = cls()
    for transform in (lambda: srcdiff.grad(cls.loss, wrt="self")(model, X, Y),
                      lambda: srcdiff.jvp(cls.loss, (model, X, Y), model, wrt="self")):
        with pytest.raises(srcdiff.SrcdiffError) as info:
            transform()
        assert words in str(info.value)
        located_at(str(info.value), cls.loss, needle)


class Dynamic(Base):
    def __getattr__(self, name):
        return 0.0


class IntArray(Base):
    def __init__(self):
        super().__init__()
        self.labels = np.array([0, 1, 1])


@pytest.mark.parametrize("cls, words", [(Dynamic, "defines __getattr__"), (IntArray, "`labels` holds an array of dtype int")],
                         ids=["getattr", "int-array"])
def test_objects_whose_attributes_srcdiff_cannot_see_are_refused(cls, words):
    with pytest.raises(srcdiff.ArgumentError, match=words):
        srcdiff.grad(cls().loss)(X, Y)


class Config:
    eps = 0.5  # a class attribute

    def __init__(self):
        self.k = 2.0

    @property
    def twice(self):
        return 2 * self.k


def uses_config(x, cfg):
    return np.sum(x * cfg.k + cfg.eps + cfg.twice)


def test_an_object_not_differentiated_is_read_as_written():
    x = np.array([1.0, -2.0])
    np.testing.assert_allclose(srcdiff.grad(uses_config)(x, Config()), [2.0, 2.0])
    value, t = srcdiff.jvp(uses_config, (x, Config()), np.ones(2))
    assert np.isclose(value, uses_config(x, Config())) and np.isclose(t, 4.0)


def method_on_a_constant_object(x, model):
    return np.sum(model.predict(x) ** 2)


def test_methods_of_an_object_not_differentiated_are_followed():
    model = Child()
    x = X.copy()
    g = srcdiff.grad(method_on_a_constant_object)(x, model)
    t = RNG.standard_normal(x.shape)
    h = 1e-6
    numeric = (method_on_a_constant_object(x + h * t, model) - method_on_a_constant_object(x - h * t, model)) / (2 * h)
    assert np.isclose(np.sum(g * t), numeric, rtol=1e-6)
    assert np.isclose(srcdiff.jvp(method_on_a_constant_object, (x, model), t)[1], np.sum(g * t), rtol=1e-9)


class Dense:
    def __init__(self, m, n):
        self.W = RNG.standard_normal((m, n))
        self.b = RNG.standard_normal(n)


class Encoder:
    def __init__(self):
        self.enc = Dense(3, 2)
        self.k = 3

    def loss(self, x, y):
        return np.sum(np.tanh(x @ self.enc.W + self.enc.b) ** 2) * self.k


def test_an_object_held_as_an_attribute_is_read_through():
    model = Encoder()
    g = srcdiff.grad(model.loss)(X, Y)
    assert type(g.enc) is Dense and g.k == 3
    h = 1e-6
    for name in ("W", "b"):
        value = getattr(model.enc, name)
        t = RNG.standard_normal(value.shape)
        setattr(model.enc, name, value + h * t)
        up = model.loss(X, Y)
        setattr(model.enc, name, value - h * t)
        down = model.loss(X, Y)
        setattr(model.enc, name, value)
        assert np.isclose(np.sum(getattr(g.enc, name) * t), (up - down) / (2 * h), rtol=1e-6)
    assert "def grad_loss(self, x, y):" in srcdiff.grad(Encoder().loss).source


class Stack(Base):
    def __init__(self):
        super().__init__()
        self.blocks = [Dense(2, 2), Dense(2, 2)]


def test_objects_inside_a_list_are_refused_by_name():
    with pytest.raises(srcdiff.ArgumentError, match="`blocks` of Stack holds Dense objects"):
        srcdiff.grad(Stack().loss)(X, Y)


def test_transformations_that_need_arrays_refuse_an_object_by_name():
    model = Base()
    with pytest.raises(srcdiff.ArgumentError, match="`self` of Base.loss is a Base"):
        srcdiff.grad(model.loss, mode="forward")(X, Y)
    with pytest.raises(srcdiff.ArgumentError, match="`self` of Base.loss is a Base object"):
        srcdiff.hessian(Base.loss, wrt="self")(model, X, Y)
    assert srcdiff.grad(model.loss, mode="forward", wrt=1)(X, Y).shape == Y.shape


class Kinded:
    """A method whose result is not differentiated (it steers a branch) but looks at ``self`` itself."""

    def __init__(self, W):
        self.W = W

    def doubled(self):
        return isinstance(self, KindedTwice)

    def loss(self, x):
        if self.doubled():
            return np.sum(np.sin(x @ self.W)) * 2.0
        return np.sum(np.sin(x @ self.W))


class KindedTwice(Kinded):
    pass


class Extends(Kinded):
    def loss(self, x):
        return super().loss(x) + np.sum(self.W ** 2)


def _with_kinded(k, x):
    return np.sum(np.cos(x)) * 0.0 + k.loss(x)


@pytest.mark.parametrize("make", [
    lambda k: (lambda: srcdiff.grad(k.loss)(X)),
    lambda k: (lambda: srcdiff.value_and_grad(k.loss)(X)),
    lambda k: (lambda: srcdiff.grad(type(k).loss, wrt=1)(k, X)),
    lambda k: (lambda: srcdiff.grad(_with_kinded, wrt=1)(k, X)),  # k not differentiated: a passive object
    lambda k: (lambda: srcdiff.jvp(type(k).loss, (k, X), (k, X))),
], ids=["grad", "value_and_grad", "wrt-x", "not-differentiated", "jvp"])
def test_a_method_run_as_written_that_uses_self_itself_is_refused(make):
    k = KindedTwice(0.5 * RNG.standard_normal((3, 2)))
    assert k.loss(X) == 2.0 * Kinded(k.W).loss(X)  # Python takes the doubled branch
    with pytest.raises(srcdiff.SrcdiffError) as info:
        make(k)()
    located_at(str(info.value), Kinded.doubled, "isinstance(self, KindedTwice)")


def test_super_in_a_method_is_refused_at_its_line():
    e = Extends(0.5 * RNG.standard_normal((3, 2)))
    for run in (lambda: srcdiff.grad(e.loss)(X), lambda: srcdiff.grad(_with_kinded, wrt=1)(e, X)):
        with pytest.raises(srcdiff.SrcdiffError) as info:
            run()
        located_at(str(info.value), Extends.loss, "super().loss(x)")
        assert "super()" in str(info.value)


class Doubled:
    """``obj.W`` reads a property; the array it doubles sits in __dict__ under the same name."""

    def __init__(self, W):
        self.__dict__["W"] = W

    @property
    def W(self):
        return self.__dict__["W"] * 2.0

    def loss(self, x):
        return np.sum(np.sin(x @ self.W))


class Cached:
    def __init__(self, W):
        self.W = W

    @functools.cached_property
    def W2(self):
        return self.W ** 2

    def loss(self, x):
        return np.sum(np.sin(x @ self.W2))


@pytest.mark.parametrize("obj", [Doubled(0.5 * RNG.standard_normal((3, 2))), Cached(0.5 * RNG.standard_normal((3, 2)))],
                         ids=["property", "cached_property"])
def test_an_attribute_also_a_property_of_the_class_is_refused(obj):
    obj.loss(X)  # the cached_property now holds a value in __dict__
    for run in (lambda: srcdiff.grad(obj.loss)(X), lambda: srcdiff.value_and_grad(type(obj).loss)(obj, X),
                lambda: srcdiff.jvp(type(obj).loss, (obj, X), (obj, X))):
        with pytest.raises(srcdiff.SrcdiffError, match="property of"):
            run()


class Effects:
    def __init__(self, w, c):
        self.w = w
        self.c = c
        self.act = np.tanh

    def scaled(self, t):
        return t * self.c

    def logged(self, t):  # called for its effect only: reads a constant and calls another method
        return self.scaled(self.act(t))

    def loss(self, x):
        self.logged(x)
        return np.sum(np.sin(self.w * x))


def plain_loss_with_an_unused_method_call(model, x):
    v = model.scaled(x)  # unused
    return np.sum(model.w * x ** 2)


def test_a_method_called_for_its_effect_runs_with_the_objects_constants_and_methods():
    model, x = Effects(np.array([0.3, -1.2]), 2), np.array([0.5, 1.5])
    for f, args in ((plain_loss_with_an_unused_method_call, (model, x)), (Effects.loss, (model, x))):
        g = srcdiff.grad(f, wrt=0)(*args)
        h, t = 1e-6, RNG.standard_normal(2)
        up = Effects(model.w + h * t, 2)
        down = Effects(model.w - h * t, 2)
        numeric = (f(up, x) - f(down, x)) / (2 * h)
        assert np.isclose(np.sum(g.w * t), numeric, rtol=1e-6) and g.c == 2
        _, pullback = srcdiff.vjp(f, wrt=0)(*args)
        np.testing.assert_allclose(pullback(1.0).w, g.w, rtol=1e-12)
        tangent = Effects(t, 2)
        np.testing.assert_allclose(srcdiff.jvp(f, args, tangent, wrt=0)[1], numeric, rtol=1e-6)


class _Labelled:
    def __init__(self, n):
        self.n = n

    @functools.cached_property
    def label(self):
        return "layer%d" % self.n


class _WithConfig:
    def __init__(self, w, cfg):
        self.w = w
        self.cfg = cfg


def weighted_by_config(m, x):
    return np.sum(m.w * x) * m.cfg.n


def test_a_cached_constant_of_an_object_without_gradient_is_not_refused():
    cfg = _Labelled(2)
    assert cfg.label == "layer2"  # the cache is now in cfg.__dict__, beside its cached_property
    m, x = _WithConfig(np.array([1.0, 2.0]), cfg), np.array([0.5, -1.0])
    h = 1e-6
    expected = np.array([(weighted_by_config(_WithConfig(m.w + e, cfg), x) -
                          weighted_by_config(_WithConfig(m.w - e, cfg), x)) / (2 * h) for e in np.eye(2) * h])
    g = srcdiff.grad(weighted_by_config)(m, x)
    np.testing.assert_allclose(g.w, expected, rtol=1e-7)
    assert g.cfg.label == "layer2"
    _, tangent = srcdiff.jvp(weighted_by_config, (m, x), (_WithConfig(np.array([1.0, 0.0]), cfg), np.zeros(2)))
    np.testing.assert_allclose(tangent, expected[0], rtol=1e-7)
