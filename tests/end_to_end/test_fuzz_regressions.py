"""Programs the fuzzer found: gradients in both modes against finite differences and each other."""
import numpy as np
import pytest

import srcdiff
from tests.data.fuzz_regressions import CASES


def _ids():
    seen = {}
    out = []
    for fn, _, _ in CASES:
        seen[fn.__name__] = seen.get(fn.__name__, 0) + 1
        out.append(fn.__name__ + ("" if seen[fn.__name__] == 1 else "-%d" % seen[fn.__name__]))
    return out


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=_ids())
def test_reverse_matches_finite_differences(fn, args, wrt):
    srcdiff.check_grad(fn, *args, wrt=wrt)
    value, pullback = srcdiff.vjp(fn, wrt=wrt)(*args)
    np.testing.assert_allclose(pullback(1.0), srcdiff.grad(fn, wrt=wrt)(*args), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fn, args, wrt", CASES, ids=_ids())
def test_forward_matches_reverse_and_leaves_inputs_alone(fn, args, wrt):
    x = args[wrt]
    t = np.linspace(0.5, 1.5, np.size(x)).reshape(np.shape(x)) if isinstance(x, np.ndarray) else 0.9
    kept_x, kept_t = np.copy(x), np.copy(t)
    _, tangent = srcdiff.jvp(fn, args, t, wrt=wrt)
    expected = np.sum(np.asarray(srcdiff.grad(fn, wrt=wrt)(*args)) * t)
    np.testing.assert_allclose(tangent, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(x, kept_x)
    np.testing.assert_array_equal(t, kept_t)
