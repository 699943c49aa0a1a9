"""Decorated functions (issue 15, item 3): the code that runs, a decorator's wrapper, is what gets
differentiated, or it is refused; never the undecorated body that ``inspect.getsource`` finds
through ``__wrapped__``. Gradients are checked against central finite differences, tangents
against the gradient, value_and_grad's value against the function."""
import functools
import inspect
import os

import numpy as np
import pytest

import srcdiff
from srcdiff import MissingRuleError, SourceUnavailableError, UnsupportedSyntaxError
from tests.support.trust_helpers import check_both_modes, located_at, numeric_grad
from tests.support.trust_helpers import fresh_cache  # noqa: F401  (a fixture)

X = np.array([0.3, -0.7, 1.1])


pytestmark = pytest.mark.usefixtures("fresh_cache")


# ===================================================== decorated functions


def double_any(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        return 2.0 * fn(*args)
    return wrapper


def double(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return 2.0 * fn(x)
    return wrapper


def double_renamed(fn):
    @functools.wraps(fn)
    def wrapper(y):
        return 2.0 * fn(y)
    return wrapper


def double_unwrapped(fn):
    def wrapper(x):
        return 2.0 * fn(x)
    return wrapper


@double_any
def doubled_any(x):
    return np.sum(x ** 2)


@double
def doubled(x):
    return np.sum(x ** 2)


@double_renamed
def doubled_renamed(x):
    return np.sum(x ** 2)


@double_unwrapped
def doubled_without_wraps(x):
    return np.sum(x ** 2)


@double
def doubled_helper(x):
    return np.sum(np.sin(x))


def calls_doubled_helper(x):
    return doubled_helper(x) + np.sum(x)


@double_any
def doubled_any_helper(x):
    return np.sum(np.sin(x))


def calls_doubled_any_helper(x):
    return doubled_any_helper(x) + np.sum(x)


@functools.lru_cache(maxsize=None)
def cached(x):
    return x ** 2


def calls_cached(x):
    return np.sum(cached(x))


@pytest.mark.parametrize("f", [doubled, doubled_without_wraps, calls_doubled_helper],
                         ids=["wraps", "no-wraps", "wraps-helper"])
def test_the_decorated_function_is_differentiated(f):
    """Before: the undecorated body, half the gradient, and value_and_grad's value half too."""
    check_both_modes(f, X)


@pytest.mark.parametrize("api", ["grad", "value_and_grad", "jvp"])
@pytest.mark.parametrize("f, why", [
    pytest.param(doubled_any, "*args or **kwargs", id="varargs"),
    pytest.param(doubled_renamed, "parameters differ", id="renamed"),
    pytest.param(calls_doubled_any_helper, "*args or **kwargs", id="varargs-helper"),
])
def test_wrapper_that_cannot_be_differentiated_is_refused(api, f, why):
    with pytest.raises(UnsupportedSyntaxError) as info:
        if api == "jvp":
            srcdiff.jvp(f, (X,), np.ones(3))
        else:
            getattr(srcdiff, api)(f)(X)
    msg = str(info.value)
    wrapper = {calls_doubled_any_helper: doubled_any_helper}.get(f, f)
    lines, first = inspect.getsourcelines(wrapper.__code__)
    line = first + next(i for i, t in enumerate(lines) if "def wrapper" in t)
    assert "%s:%d" % (os.path.basename(__file__), line) in msg, msg
    assert why in msg and "functools.wraps" in msg
    assert "%s.__wrapped__" % wrapper.__qualname__ in msg  # the fix
    undecorated = wrapper.__wrapped__  # the fix works
    np.testing.assert_allclose(srcdiff.grad(undecorated)(X), numeric_grad(undecorated, X), rtol=1e-6)


def test_lru_cache_wrapper_is_refused():
    with pytest.raises(SourceUnavailableError) as info:
        srcdiff.grad(cached)(1.5)
    assert "lru_cache" in str(info.value) and "cached.__wrapped__" in str(info.value)
    with pytest.raises(MissingRuleError) as info:
        srcdiff.grad(calls_cached)(X)
    located_at(str(info.value), calls_cached, "return np.sum(cached(x))")
    assert "cached.__wrapped__(...)" in str(info.value)
