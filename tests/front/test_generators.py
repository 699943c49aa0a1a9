"""Generators consumed whole where they are called (issue 17 item 2): run as functions building the list they
yield, in both modes; any use where that list could differ from what Python's lazy generator gives is refused
at the user's line."""
import numpy as np
import pytest

import srcdiff
from tests.support.trust_helpers import located_at, numeric_grad

SHAPES = [(2, 3), (3, 1)]
WEIGHTS = np.linspace(-1.0, 1.2, (2 * 3 + 3) + (3 * 1 + 1))
X = np.array([[0.3, -1.2], [0.8, 0.5], [-0.1, 0.9]])


def check(f, w, *rest):
    """grad and value_and_grad against central differences, jvp against grad, all in float64."""
    expected = numeric_grad(lambda v: f(v, *rest), w)
    np.testing.assert_allclose(srcdiff.grad(f)(w, *rest), expected, rtol=1e-6, atol=1e-8)
    value, g = srcdiff.value_and_grad(f)(w, *rest)
    np.testing.assert_allclose(value, f(w, *rest), rtol=1e-12)
    np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-8)
    direction = np.cos(np.arange(w.size)).reshape(w.shape)
    value, tangent = srcdiff.jvp(f, (w,) + rest, direction)
    np.testing.assert_allclose(value, f(w, *rest), rtol=1e-12)
    np.testing.assert_allclose(tangent, np.sum(expected * direction), rtol=1e-6, atol=1e-8)


def unpack_layers(weights):
    for m, n in SHAPES:
        yield weights[:m * n].reshape((m, n)), weights[m * n:m * n + n]
        weights = weights[(m + 1) * n:]


def mlp(weights, x):
    for W, b in unpack_layers(weights):
        x = np.tanh(x @ W + b)
    return np.sum(x ** 2)


def test_a_module_level_generator_consumed_by_a_for_loop():
    check(mlp, WEIGHTS, X)


def squares(v, k):
    if k > 5:
        return
    i = 0
    while i < k:
        yield v[i] ** 2
        i = i + 1


def consumers(w):
    total = 0.0
    for i, s in enumerate(squares(w, 3)):
        total = total + i * s
    pairs = [a * b for a, b in zip(squares(w, 4), w)]
    return total + sum(pairs) + np.sum(np.array(list(squares(w, 2)))) + tuple(squares(w, 1))[0]


def test_enumerate_zip_list_tuple_and_comprehensions_consume_a_generator():
    check(consumers, np.array([0.5, -1.5, 2.0, 0.7]))


def with_local_generator(w, x):
    def layers(p):
        for m, n in SHAPES:
            yield p[:m * n].reshape((m, n)), p[m * n:m * n + n]
            p = p[(m + 1) * n:]
    for W, b in layers(w):
        x = np.sin(x @ W) + b
    return np.sum(x)


def test_a_generator_defined_inside_the_function():
    check(with_local_generator, WEIGHTS, X)


def scaled(v, c):
    for t in v:
        yield c * t


def consumer_with_a_cache(w):
    cache = []
    total = 0.0
    for s in scaled(w, 3.0):
        cache.append(s)  # the loop writes into its own list, which the generator does not read
        total = total + np.sin(s)
    return total + np.sum(np.array(cache))


def test_a_loop_writing_into_its_own_containers():
    check(consumer_with_a_cache, np.array([0.5, -1.5, 2.0]))


# ------------------------------------------------------------------ refused

def stored(w):
    g = scaled(w, 2.0)
    return sum(g) + sum(g)  # Python's second pass over `g` is empty


def passed(w):
    return np.sum(np.array(scaled(w, 2.0)))  # NumPy makes a 0-d object array of a generator


def breaks_early(w):
    total = 0.0
    for s in scaled(w, 2.0):
        if total > 1.0:
            break
        total = total + s
    return total


def writes_what_the_generator_reads(w):
    v = w.copy()
    total = 0.0
    for s in scaled(v, 2.0):
        v[2] = 10.0  # the lazy generator reads v[2] after this write
        total = total + s
    return total


LOG = []


def noisy(v):
    for t in v:
        LOG.append(t)  # run before the consuming loop's body, not between its steps
        yield t


def generator_writing_outside(w):
    total = 0.0
    for t in noisy(w):
        total = total + t * len(LOG)
    return total


def endless(v):
    i = 0
    while True:
        yield v[i % 3]
        i = i + 1


def consumes_endless(w):
    return sum(a * b for a, b in zip(endless(w), [1.0, 2.0]))


def sends(v):
    t = 0.0
    for x in v:
        t = yield x + t


def consumes_sends(w):
    return sum(list(sends(w)))


def delegates(v):
    yield from scaled(v, 2.0)


def consumes_delegates(w):
    return sum(list(delegates(w)))


def returns_value(v):
    for t in v:
        yield t
    return 3.0


def consumes_returns_value(w):
    return sum(list(returns_value(w)))


@pytest.mark.parametrize("fn, where, needle, words", [pytest.param(*case, id=case[0].__name__) for case in [
    (stored, stored, "g = scaled(w, 2.0)", "consumed whole where it is called"),
    (passed, passed, "np.array(scaled(w, 2.0))", "consumed whole where it is called"),
    (breaks_early, breaks_early, "for s in scaled(w, 2.0):", "can stop early"),
    (writes_what_the_generator_reads, writes_what_the_generator_reads, "for s in scaled(v, 2.0):",
     "writes into `v`"),
    (generator_writing_outside, noisy, "def noisy(v):", "changes values it does not own"),
    (consumes_endless, endless, "while True:", "never ends"),
    (consumes_sends, sends, "t = yield x + t", "used as a value"),
    (consumes_delegates, delegates, "yield from scaled(v, 2.0)", "yield from"),
    (consumes_returns_value, returns_value, "return 3.0", "returns a value"),
]])
def test_generators_that_the_list_could_misrepresent_are_refused_at_their_line(fn, where, needle, words):
    w = np.array([0.5, -1.5, 2.0])
    for transform in (lambda: srcdiff.grad(fn)(w), lambda: srcdiff.jvp(fn, (w,), np.ones(3))):
        with pytest.raises(srcdiff.SrcdiffError) as info:
            transform()
        assert words in str(info.value)
        located_at(str(info.value), where, needle)


def sum_twice(w, layers):
    g = layers(w, 2.0)
    return sum(g) + sum(g)


def passes_the_generator(w):
    return sum_twice(w, scaled)


def maps_the_generator(w):
    return sum(sum(g) for g in map(scaled, [w, w], [1.0, 2.0]))


def test_a_generator_passed_as_an_argument_is_checked_where_it_is_called():
    w = np.array([0.5, -1.5, 2.0])
    for fn, where, needle, words in [(sum_twice, sum_twice, "g = layers(w, 2.0)", "consumed whole"),
                                     (passes_the_generator, passes_the_generator, "return sum_twice(w, scaled)",
                                      "used as a value"),
                                     # map(scaled, ...) is the generator expression of the calls (front/maps.py)
                                     (maps_the_generator, maps_the_generator, "map(scaled", "consumed whole")]:
        for transform in (lambda: srcdiff.grad(fn)(w, scaled) if fn is sum_twice else srcdiff.grad(fn)(w),
                          lambda: srcdiff.jvp(fn, (w, scaled) if fn is sum_twice else (w,), np.ones(3))):
            with pytest.raises(srcdiff.SrcdiffError) as info:
                transform()
            assert words in str(info.value)
            located_at(str(info.value), where, needle)
