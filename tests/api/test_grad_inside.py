"""A differentiated function that calls srcdiff.grad inside (Newton steps, inner gradient steps):
checked against central finite differences in float64, in reverse and forward mode."""
import numpy as np
import pytest

import srcdiff
from tests.support.trust_helpers import located_at


def loss(x):
    return np.sum(np.sin(x) * x ** 2)


def looped_loss(x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(np.tanh(x * (i + 1.0)) ** 2)
    return s


def energy(q, k):
    return np.sum(0.5 * k * q ** 2 + 0.25 * q ** 4)


def inline_step(x):
    g = srcdiff.grad(loss)(x)
    return loss(x - 0.1 * g)


def inline_looped_step(x):
    g = srcdiff.grad(looped_loss)(x)
    return looped_loss(x - 0.1 * g)


def bound_first(q):
    dE = srcdiff.grad(energy)
    for _ in range(2):
        q = q - 0.2 * dE(q, 1.3)
    return energy(q, 1.3)


def value_and_grad_index(x):
    return loss(x - 0.1 * srcdiff.value_and_grad(loss)(x)[1])


def wrt_keyword(q, k):
    return energy(q, k - srcdiff.grad(energy, wrt="k")(q, k))


G = srcdiff.grad(looped_loss)


def module_level(x):
    return looped_loss(x - 0.1 * G(x))


def _central(f, args, i, eps=1e-6):
    x = np.asarray(args[i], dtype=float)
    out = np.zeros(x.shape)
    for j in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[j] += eps
        down[j] -= eps
        hi = f(*args[:i], up if x.shape else float(up), *args[i + 1:])
        lo = f(*args[:i], down if x.shape else float(down), *args[i + 1:])
        out[j] = (hi - lo) / (2 * eps)
    return out


X = np.array([0.3, -0.7, 1.1])
CASES = [(inline_step, (X,), 0), (inline_looped_step, (X,), 0), (bound_first, (X,), 0),
         (value_and_grad_index, (X,), 0), (wrt_keyword, (X, 0.8), 1), (wrt_keyword, (X, 0.8), 0),
         (module_level, (X,), 0)]


@pytest.mark.parametrize("fun, args, i", CASES)
def test_a_gradient_taken_inside_the_function_matches_finite_differences(fun, args, i):
    expected = _central(fun, args, i)
    got = srcdiff.grad(fun, wrt=i)(*args)
    np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("fun, args, i", CASES)
def test_forward_mode_agrees_with_finite_differences(fun, args, i):
    direction = np.linspace(0.5, -1.0, np.size(args[i])).reshape(np.shape(args[i]))
    if not np.shape(args[i]):
        direction = float(direction)
    tangents = tuple(direction if j == i else np.zeros_like(a) for j, a in enumerate(args))
    _, got = srcdiff.jvp(fun, args, tangents)
    expected = np.sum(_central(fun, args, i) * direction)
    np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-8)


def aux_loss(x):
    return loss(x), x


def inline_has_aux(x):
    g, _ = srcdiff.grad(aux_loss, has_aux=True)(x)
    return loss(x - g)


def test_a_refused_inner_gradient_names_the_users_line_and_names_not_a_temporary():
    with pytest.raises(srcdiff.SrcdiffError) as info:
        srcdiff.grad(inline_has_aux)(X)
    message = str(info.value)
    assert "test_grad_inside.py:%d" % (inline_has_aux.__code__.co_firstlineno + 1) in message
    assert "srcdiff.grad(aux_loss)" in message and "has_aux" in message
    assert "`t1`" not in message and "t1 " not in message


H = srcdiff.grad(loss)


def rebound(x):
    return loss(x - 0.1 * H(x))


def test_rebinding_a_module_level_gradient_rebuilds_the_code():
    global H
    first = srcdiff.grad(rebound)
    np.testing.assert_allclose(first(X), _central(rebound, (X,), 0), rtol=1e-7, atol=1e-8)
    H = srcdiff.grad(looped_loss)
    try:
        np.testing.assert_allclose(first(X), _central(rebound, (X,), 0), rtol=1e-7, atol=1e-8)
    finally:
        H = srcdiff.grad(loss)


def hessian_inside(x):
    return loss(x) + np.sum(srcdiff.hessian(loss)(x))


def test_other_transformations_called_inside_are_refused_by_name():
    for mode in (srcdiff.grad, lambda f: (lambda x: srcdiff.jvp(f, (x,), (np.ones(3),)))):
        with pytest.raises(srcdiff.SrcdiffError) as info:
            mode(hessian_inside)(X)
        message = str(info.value)
        assert "test_grad_inside.py:%d" % (hessian_inside.__code__.co_firstlineno + 1) in message
        assert "srcdiff.hessian(loss)" in message and "only srcdiff.grad and srcdiff.value_and_grad" in message


INNER = loss


def inner_named(x):
    return loss(x - 0.1 * srcdiff.grad(INNER)(x))


def test_rebinding_the_function_an_inner_gradient_is_taken_of_rebuilds_the_code():
    global INNER
    for mode in (srcdiff.grad, lambda f: (lambda x: srcdiff.jvp(f, (x,), (np.ones(3),))[1])):
        made = mode(inner_named)
        made(X)
        INNER = looped_loss  # the code made for srcdiff.grad(loss) was called before
        try:
            want = _central(inner_named, (X,), 0)
            np.testing.assert_allclose(made(X), want if mode is srcdiff.grad else np.sum(want), rtol=1e-7, atol=1e-8)
        finally:
            INNER = loss


def bound_in_a_branch(x, flag):
    if flag:
        g = srcdiff.grad(loss)
    return loss(x - 0.1 * g(x))


def used_before_bound(x, flag):
    s = 0.0
    for i in range(2):
        if i > 0:
            s = s + np.sum(g(x))  # noqa: F821 - read before its binding, as tested
        g = srcdiff.grad(loss)
    return s


def test_an_inner_gradient_bound_where_python_could_find_it_unbound_is_refused():
    with pytest.raises(UnboundLocalError):
        bound_in_a_branch(X, False)
    for fun in (bound_in_a_branch, used_before_bound):
        for mode in (srcdiff.grad, lambda f: (lambda x, flag: srcdiff.jvp(lambda x: f(x, flag), (x,), (X,)))):
            with pytest.raises(srcdiff.SrcdiffError) as info:
                mode(fun)(X, False)
            assert "`g`" in str(info.value) and "test_grad_inside.py" in str(info.value)


def bad_inner_wrt(x):
    return np.sum(x * srcdiff.grad(energy, wrt=5)(x, 1.0))


def bad_inner_wrt_name(x):
    dE = srcdiff.grad(energy, wrt="z")
    return np.sum(x * dE(x, 1.0))


@pytest.mark.parametrize("fun, needle, why", [
    (bad_inner_wrt, "srcdiff.grad(energy, wrt=5)", "wrt=5 is out of range"),
    (bad_inner_wrt_name, "dE(x, 1.0)", "wrt='z' is not a parameter of energy")], ids=["index", "name"])
def test_an_inner_gradient_with_a_bad_wrt_is_refused_with_the_error_python_raises(fun, needle, why):
    x = np.array([0.5, 1.5])
    with pytest.raises(srcdiff.ArgumentError, match=why):
        fun(x)  # what running the code does
    for mode in ("reverse", "forward"):
        with pytest.raises(srcdiff.SrcdiffError) as info:
            srcdiff.grad(fun, mode=mode)(x)
        msg = str(info.value)
        assert why in msg and "ArgumentError" in msg and "held in a local variable" not in msg, msg
        located_at(msg, fun, needle)


def energy_k(q, k):
    return np.sum(0.5 * k * q ** 2 + 0.25 * q ** 4)


def stiffness_gradient(x, k):
    return np.sum(srcdiff.grad(energy_k, wrt=1)(x, k))


def constant_stiffness_gradient(x):
    return srcdiff.grad(energy_k, wrt=1)(x, 2)


def _python_error(fun, *args):
    with pytest.raises(srcdiff.ArgumentError) as info:
        fun(*args)
    return str(info.value)


@pytest.mark.parametrize("fun, args", [(stiffness_gradient, (X, 2)), (constant_stiffness_gradient, (X,))])
def test_an_inner_gradient_with_respect_to_an_int_raises_as_python_does(fun, args):
    expected = _python_error(fun, *args)
    assert "energy_k" in expected and "`k`" in expected
    assert _python_error(srcdiff.grad(fun), *args) == expected
    assert _python_error(lambda *a: srcdiff.jvp(fun, a, np.ones(3), wrt=0), *args) == expected
    assert _python_error(srcdiff.grad(srcdiff.grad(energy_k, wrt=1)), X, 2) == expected


def test_an_inner_gradient_with_respect_to_a_float_still_differentiates():
    args = (X, 2.0)
    np.testing.assert_allclose(srcdiff.grad(stiffness_gradient)(*args), _central(stiffness_gradient, args, 0),
                               rtol=1e-7, atol=1e-8)
    _, got = srcdiff.jvp(stiffness_gradient, args, np.ones(3), wrt=0)
    np.testing.assert_allclose(got, np.sum(_central(stiffness_gradient, args, 0)), rtol=1e-7, atol=1e-8)
