"""``srcdiff.grad(srcdiff.grad(h))(x)`` written inside a differentiated function (issue 17): the inner
transformation, bound to a temporary, is known when the outer one is made; and ``srcdiff.grad`` of a
local ``def`` is refused with a message that says so (it used to name a temporary)."""
import numpy as np
import pytest

import srcdiff
from tests.support.trust_helpers import located_at


def h(x):
    return np.sin(x) * x


def second_derivative_inline(x):
    return srcdiff.grad(srcdiff.grad(h))(x) * x


def third_derivative_inline(x):
    d3 = srcdiff.grad(srcdiff.grad(srcdiff.grad(h)))
    return d3(x) + x


def h2(x):  # h''
    return -np.sin(x) * x + 2 * np.cos(x)


def h3(x):
    return -np.cos(x) * x - 3 * np.sin(x)


def h4(x):
    return np.sin(x) * x - 4 * np.cos(x)


@pytest.mark.parametrize("x", [0.7, -1.3])
def test_grad_of_grad_inline_matches_the_closed_form_in_both_modes(x):
    expected = h3(x) * x + h2(x)
    assert srcdiff.grad(second_derivative_inline)(x) == pytest.approx(expected, rel=1e-10)
    value, tangent = srcdiff.jvp(second_derivative_inline, (x,), 1.0)
    assert value == pytest.approx(h2(x) * x, rel=1e-10)
    assert tangent == pytest.approx(expected, rel=1e-10)


def test_three_nested_grads_bound_to_a_name():
    x = 0.4
    assert third_derivative_inline(x) == pytest.approx(h3(x) + x, rel=1e-10)
    assert srcdiff.grad(third_derivative_inline)(x) == pytest.approx(h4(x) + 1.0, rel=1e-10)
    assert srcdiff.jvp(third_derivative_inline, (x,), 1.0)[1] == pytest.approx(h4(x) + 1.0, rel=1e-10)


def grad_of_local_def(x, a):
    def energy(q):
        return a * q ** 3
    return srcdiff.grad(energy)(x) * 2.0


def test_grad_of_a_local_def_is_refused_saying_why():
    for run in (lambda: srcdiff.grad(grad_of_local_def)(0.7, 1.3),
                lambda: srcdiff.jvp(grad_of_local_def, (0.7, 1.3), 1.0, wrt=0)):
        with pytest.raises(srcdiff.UnsupportedSyntaxError) as info:
            run()
        located_at(str(info.value), grad_of_local_def, "return srcdiff.grad(energy)(x) * 2.0")
        assert "local function `energy`" in str(info.value) and "wrt=" in str(info.value)
