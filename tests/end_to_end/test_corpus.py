"""srcdiff's reverse-mode gradients on a corpus of user-style functions, against finite differences.

The functions and the table of cases live in tests/data/corpus.py. For every case:

* ``srcdiff.check_grad`` (default tolerances) compares ``srcdiff.grad`` with central finite
  differences for every argument listed in the case's ``wrt``;
* the gradient has the arguments' container structure and leaf types (a Python float for a
  float, an array of the same shape and dtype for an array, the same lists/tuples/dicts);
* ``value_and_grad`` returns the value the plain function returns;
* ``vjp``'s separate forward and backward functions (the code srcdiff also uses for every user
  function called from a differentiated one) give the same value and, pulled back from 1.0, the
  finite-difference gradient.

Known srcdiff bugs are strict xfails (see ``Bug`` in corpus.py); functions srcdiff refuses on
purpose must raise the documented error.
"""
import numpy as np
import pytest

import srcdiff
from tests.data import corpus
from tests.data.corpus import CASES


def params(kind):
    out = []
    for case in CASES:
        bug = case.bug_for(kind)
        marks = [pytest.mark.xfail(strict=True, raises=bug.raises, reason=bug.reason)] if bug else []
        out.append(pytest.param(case, id=case.name, marks=marks))
    return out


def wrt_positions(case):
    sig = srcdiff.api.Signature(case.fun, case.wrt)
    return sig.single, sig.positions, sig.wrt


def refused(case, call):
    """For a case srcdiff refuses on purpose: check that ``call()`` raises the documented error."""
    with pytest.raises(case.refuses):
        call()


def test_corpus_is_large_enough():
    functions = {c.fun for c in CASES}
    assert len(functions) >= 55
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", params("grad"))
def test_gradient_matches_finite_differences(case):
    args = case.make()
    if case.refuses:
        return refused(case, lambda: srcdiff.grad(case.fun, wrt=case.wrt)(*args))
    report = srcdiff.check_grad(case.fun, *args, wrt=case.wrt)
    assert report.checks > 0


def assert_same_structure(g, x, where):
    """``g`` has ``x``'s containers (same types, lengths, keys) and leaf types, shapes and dtypes."""
    if isinstance(x, dict):
        assert type(g) is dict, "%s: %s instead of dict" % (where, type(g).__name__)
        assert list(g) == list(x), "%s: keys %s instead of %s" % (where, list(g), list(x))
        for k in x:
            assert_same_structure(g[k], x[k], "%s[%r]" % (where, k))
    elif isinstance(x, (list, tuple)):
        assert type(g) is type(x), "%s: %s instead of %s" % (where, type(g).__name__, type(x).__name__)
        assert len(g) == len(x), where
        for i, (gi, xi) in enumerate(zip(g, x)):
            assert_same_structure(gi, xi, "%s[%d]" % (where, i))
    elif isinstance(x, np.ndarray):
        assert type(g) is np.ndarray, "%s: %s instead of ndarray" % (where, type(g).__name__)
        assert g.shape == x.shape and g.dtype == x.dtype, "%s: %s %s for %s %s" % (where, g.shape, g.dtype,
                                                                                    x.shape, x.dtype)
    elif type(x) is float:
        assert type(g) is float, "%s: %s instead of a Python float" % (where, type(g).__name__)
    else:
        raise AssertionError("%s: unexpected argument type %s" % (where, type(x).__name__))


def assert_gradients_structured(g, case, args):
    single, positions, names = wrt_positions(case)
    if single:
        grads = [g]
    else:
        assert type(g) is tuple and len(g) == len(positions), "wrt=%r: got %r" % (case.wrt, type(g))
        grads = list(g)
    for pos, name, gi in zip(positions, names, grads):
        assert_same_structure(gi, args[pos], name)


@pytest.mark.parametrize("case", params("structure"))
def test_gradient_has_argument_structure(case):
    args = case.make()
    if case.refuses:
        return refused(case, lambda: srcdiff.grad(case.fun, wrt=case.wrt)(*args))
    g = srcdiff.grad(case.fun, wrt=case.wrt)(*args)
    assert_gradients_structured(g, case, args)


@pytest.mark.parametrize("case", params("value"))
def test_value_matches_plain_call(case):
    args = case.make()
    if case.refuses:
        return refused(case, lambda: srcdiff.value_and_grad(case.fun, wrt=case.wrt)(*args))
    expected = case.fun(*case.make())
    value, _ = srcdiff.value_and_grad(case.fun, wrt=case.wrt)(*args)
    np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------ vjp against finite differences


def _leaves(x):
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _leaves(item)]
    if isinstance(x, dict):
        return [leaf for k in x for leaf in _leaves(x[k])]
    return [x]


def _with_leaf(tree, index, value):
    counter = [0]

    def walk(node):
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, tuple):
            return tuple(walk(v) for v in node)
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        i = counter[0]
        counter[0] += 1
        return value if i == index else node
    return walk(tree)


def assert_matches_finite_differences(fun, args, positions, grads, rtol=1e-5, atol=1e-7, eps=1e-6):
    """Entry-by-entry central differences, with check_grad's step and tolerance rule."""
    for pos, g in zip(positions, grads):
        for li, (leaf, gleaf) in enumerate(zip(_leaves(args[pos]), _leaves(g))):
            base = np.asarray(leaf, dtype=float)
            step = eps * max(1.0, float(np.max(np.abs(base))) if base.size else 1.0)
            for idx in np.ndindex(*base.shape):
                shifted = []
                for sign in (1.0, -1.0):
                    moved = base.copy()
                    moved[idx] += sign * step
                    value = float(moved) if isinstance(leaf, float) else moved
                    new_args = list(args)
                    new_args[pos] = _with_leaf(args[pos], li, value)
                    shifted.append(float(fun(*new_args)))
                numeric = (shifted[0] - shifted[1]) / (2 * step)
                analytic = float(np.asarray(gleaf, dtype=float)[idx])
                assert abs(analytic - numeric) <= atol + rtol * abs(numeric), \
                    "argument %d leaf %d %s: vjp %.10g, finite differences %.10g" % (pos, li, idx, analytic, numeric)


@pytest.mark.parametrize("case", params("vjp"))
def test_vjp_pullback_matches_finite_differences(case):
    args = case.make()
    if case.refuses:
        return refused(case, lambda: srcdiff.vjp(case.fun, wrt=case.wrt)(*args)[1](1.0))
    value, pullback = srcdiff.vjp(case.fun, wrt=case.wrt)(*args)
    np.testing.assert_allclose(value, case.fun(*case.make()), rtol=1e-12, atol=1e-12)
    single, positions, _ = wrt_positions(case)
    g = pullback(1.0)
    assert_matches_finite_differences(case.fun, case.make(), positions, [g] if single else list(g))


# ------------------------------------------------------------- behaviour beyond gradients


def test_float_argument_gets_python_float_gradient():
    g = srcdiff.grad(corpus.math_on_floats, wrt=(0, 1))(0.7, -0.4)
    assert type(g[0]) is float and type(g[1]) is float
    g = srcdiff.grad(corpus.logistic_regression_loss, wrt="b")(*corpus._logreg())
    assert type(g) is float
    value, g = srcdiff.value_and_grad(corpus.euler_scalar_decay, wrt=(0, 1))(0.8, 1.5)
    assert type(g[0]) is float and type(g[1]) is float


def test_argument_written_in_place_is_left_unchanged():
    """The function writes into its argument: srcdiff must not change the caller's array.

    (Refusing the function with a SrcdiffError would also be acceptable. srcdiff currently
    differentiates it and leaves the caller's array alone.)
    """
    x = np.array([1.0, -2.0, 3.0])
    before = x.copy()
    g = srcdiff.grad(corpus.argument_written_in_place)(x)
    np.testing.assert_array_equal(x, before)
    # the function computes sum((2 * [0, x1, x2]) ** 2): the gradient is [0, 8 x1, 8 x2]
    np.testing.assert_allclose(g, [0.0, 8 * before[1], 8 * before[2]])
    value, pullback = srcdiff.vjp(corpus.argument_written_in_place)(x)
    pullback(1.0)
    np.testing.assert_array_equal(x, before)


def test_stop_gradient_treats_value_as_constant():
    x = np.array([0.3, -1.2, 2.0, 0.5])
    g = srcdiff.grad(corpus.stop_gradient_centering)(x)
    # the mean is a constant: d/dx sum((x - c) ** 2) = 2 (x - c)
    np.testing.assert_allclose(g, 2 * (x - np.mean(x)), rtol=1e-12)
    # the gradient with the mean not stopped would be 0: make sure the inputs tell them apart
    assert np.abs(g).max() > 0.1


def test_closures_from_one_factory_keep_their_own_constants():
    x = np.array([0.2, -0.4, 1.1])
    X = np.array([[1.0, 0.5, -0.3], [0.2, -1.0, 0.7], [0.0, 0.3, 0.9], [1.2, -0.4, 0.1]])
    for f in (corpus.closure_loss_small_reg, corpus.closure_loss_big_reg, corpus.closure_loss_small_reg):
        srcdiff.check_grad(f, x, X)


def test_closures_over_different_functions():
    W = np.array([[0.5, -0.3], [0.2, 0.8], [-0.6, 0.1]])
    x = np.array([0.7, -1.1])
    for act in (np.tanh, np.sin, np.tanh, np.exp):
        srcdiff.check_grad(corpus.make_activation_loss(act), W, x)


def test_grad_does_not_change_container_arguments():
    params, X, y = corpus._params_list()
    snapshot = [(W.copy(), b if isinstance(b, float) else b.copy()) for W, b in params]
    srcdiff.grad(corpus.mlp_list_params)(params, X, y)
    for (W, b), (W0, b0) in zip(params, snapshot):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)


def test_checkpointed_helper_keeps_less_on_the_tape():
    """The checkpointed residual block is recomputed in the reverse sweep instead of taped."""
    r = np.random.default_rng(7)
    W, b, x = 0.3 * r.standard_normal((20, 20)), 0.1 * r.standard_normal(20), r.standard_normal((10, 20))
    v_ckpt, pb_ckpt = srcdiff.vjp(corpus.deep_residual_checkpointed, wrt=(0, 1, 2))(W, b, x)
    v_plain, pb_plain = srcdiff.vjp(corpus.deep_residual_plain, wrt=(0, 1, 2))(W, b, x)
    np.testing.assert_allclose(v_ckpt, v_plain, rtol=1e-12)
    assert pb_ckpt.tape_bytes < pb_plain.tape_bytes
    for g_ckpt, g_plain in zip(pb_ckpt(1.0), pb_plain(1.0)):
        np.testing.assert_allclose(g_ckpt, g_plain, rtol=1e-10, atol=1e-12)


def test_float32_arguments_keep_their_dtype():
    args = corpus._mlp_mse()
    args32 = tuple(a.astype(np.float32) for a in args)
    g32 = srcdiff.grad(corpus.mlp_tanh_mse, wrt=(0, 1, 2, 3))(*args32)
    g64 = srcdiff.grad(corpus.mlp_tanh_mse, wrt=(0, 1, 2, 3))(*args)
    for a, b in zip(g32, g64):
        assert a.dtype == np.float32 and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)
