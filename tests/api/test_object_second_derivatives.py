"""Second derivatives and Jacobians of a function of an object of a user class are refused with a
message that says which transformations do take objects (hvp said only "floats, float arrays, lists")."""
import numpy as np
import pytest

import srcdiff


class Model:
    def __init__(self, w):
        self.w = w


def loss(m, x):
    return np.sum(np.tanh(m.w * x))


M, X = Model(np.array([1.0, 2.0])), np.array([0.5, -1.0])


@pytest.mark.parametrize("what, call", [
    ("hvp", lambda: srcdiff.hvp(loss)(M, X, Model(np.ones(2)))),
    ("hessian", lambda: srcdiff.hessian(loss)(M, X)),
    ("jacobian", lambda: srcdiff.jacobian(loss)(M, X))], ids=["hvp", "hessian", "jacobian"])
def test_second_derivatives_of_an_object_say_which_transformations_take_objects(what, call):
    with pytest.raises(srcdiff.ArgumentError) as info:
        call()
    msg = str(info.value)
    assert msg.startswith(what) and "`m` of loss is a Model" in msg and "vjp" in msg and "jvp" in msg, msg


def test_the_transformations_the_message_names_take_the_object():
    h = 1e-6
    expected = (loss(Model(M.w + [h, 0.0]), X) - loss(Model(M.w - [h, 0.0]), X)) / (2 * h)
    np.testing.assert_allclose(srcdiff.grad(loss)(M, X).w[0], expected, rtol=1e-7)
    _, pullback = srcdiff.vjp(loss, M, X)
    np.testing.assert_allclose(pullback(1.0)[0].w[0], expected, rtol=1e-7)
    _, tangent = srcdiff.jvp(loss, (M, X), (Model(np.array([1.0, 0.0])), np.zeros(2)))
    np.testing.assert_allclose(tangent, expected, rtol=1e-7)
