"""The derivatives of the regularized incomplete gamma and beta functions in their shapes, and of
Student's t cdf in df (runtime/kernels_incomplete), against mpmath at 40 digits (both sides of each
switch between series and continued fraction), and through srcdiff in both modes; refusals where the
accuracy cannot be held."""
import numpy as np
import pytest

import srcdiff

special = pytest.importorskip("scipy.special")
stats = pytest.importorskip("scipy.stats")
mp = pytest.importorskip("mpmath")

from srcdiff.runtime import kernels_incomplete as K  # noqa: E402  (needs SciPy)

RTOL = 1e-10


def _mp_gamma_da(a, x):
    """d/da P(a, x); above a through -d/da Q(a, x) (P is then too near 1 for the reference's digits)."""
    with mp.workdps(40):
        if x <= a:
            return float(mp.diff(lambda s: mp.gammainc(s, 0, x, regularized=True), a))
        return -float(mp.diff(lambda s: mp.gammainc(s, x, mp.inf, regularized=True), a))


def _mp_beta_d(a, b, x, wrt):
    """d/da (wrt 0) or d/db (wrt 1) of I_x(a, b); above the mean through 1 - I_{1-x}(b, a), so that the
    reference does not lose its digits to a value near 1."""
    with mp.workdps(40):
        x = mp.mpf(x)
        if x <= mp.mpf(a) / (a + b):
            f = (lambda s: mp.betainc(s, b, 0, x, regularized=True)) if wrt == 0 else \
                (lambda s: mp.betainc(a, s, 0, x, regularized=True))
            return float(mp.diff(f, [a, b][wrt]))
        y = 1 - x
        f = (lambda s: mp.betainc(b, s, 0, y, regularized=True)) if wrt == 0 else \
            (lambda s: mp.betainc(s, a, 0, y, regularized=True))
        return -float(mp.diff(f, [a, b][wrt]))


def _mp_stdtr_ddf(df, t):
    with mp.workdps(40):
        t = mp.mpf(t)
        tail = (lambda s: mp.betainc(s / 2, mp.mpf(1) / 2, 0, s / (s + t * t), regularized=True) / 2)
        d = mp.diff(tail, df)
        return float(d if t < 0 else -d)


GAMMA_POINTS = [(a, x) for a in (1e-3, 0.05, 0.5, 1.0, 1.7, 3.0, 10.0, 57.3, 300.0, 5000.0)
                for x in (1e-6, 0.3, 1.0, 2.5, 0.5 * a, a, a + 0.4, a + 0.6, 1.5 * a, 3 * a + 5, 200.0)]


@pytest.mark.parametrize("a", sorted({a for a, _ in GAMMA_POINTS}))
def test_gammainc_da_against_mpmath(a):
    xs = np.array([x for aa, x in GAMMA_POINTS if aa == a])
    got = K.gammainc_da(a, xs)
    ref = np.array([_mp_gamma_da(a, x) for x in xs])
    np.testing.assert_allclose(got, ref, rtol=RTOL, atol=0)


@pytest.mark.parametrize("a", [0.01, 0.3, 1.0, 2.2, 7.5, 60.0, 800.0])
def test_betainc_shapes_against_mpmath(a):
    for b in (0.02, 0.5, 1.0, 3.1, 40.0, 500.0):
        xs = np.array([1e-5, 0.01, 0.2, 0.5, 0.8, 0.99, 1 - 1e-6, a / (a + b)])
        da, db = K.betainc_shape(a, b, xs)
        np.testing.assert_allclose(da, [_mp_beta_d(a, b, x, 0) for x in xs], rtol=RTOL, atol=1e-300)
        np.testing.assert_allclose(db, [_mp_beta_d(a, b, x, 1) for x in xs], rtol=RTOL, atol=1e-300)


@pytest.mark.parametrize("df", [0.3, 1.0, 3.5, 30.0, 100.0])
def test_stdtr_ddf_against_mpmath(df):
    ts = np.array([-40.0, -8.0, -3.0, -1.9, -1.0, -0.3, -1e-4, 0.7, 1.7, 2.5, 20.0])
    np.testing.assert_allclose(K.stdtr_ddf(df, ts), [_mp_stdtr_ddf(df, t) for t in ts], rtol=RTOL, atol=0)


def test_stdtr_ddf_up_to_its_limit():
    """Near df = 1000 the cancellation costs about 1e-16 df^2: still within 3e-10."""
    ts = np.array([-3.0, -0.3, 1.9, 5.0])
    np.testing.assert_allclose(K.stdtr_ddf(1000.0, ts), [_mp_stdtr_ddf(1000.0, t) for t in ts], rtol=3e-10)


def test_edges_nan_in_nan_out():
    np.testing.assert_array_equal(K.gammainc_da([2.0, np.nan, 2.0, 2.0, -1.0], [np.nan, 1.0, 0.0, np.inf, 1.0]),
                                  [np.nan, np.nan, 0.0, 0.0, np.nan])
    da, db = K.betainc_shape([2.0, np.nan, 2.0, 2.0, -1.0], 3.0, [np.nan, 0.5, 0.0, 1.0, 0.5])
    np.testing.assert_array_equal(da, [np.nan, np.nan, 0.0, 0.0, np.nan])
    np.testing.assert_array_equal(db, [np.nan, np.nan, 0.0, 0.0, np.nan])
    np.testing.assert_array_equal(K.stdtr_ddf([3.0, np.nan, 3.0, 3.0], [np.nan, 1.0, 0.0, np.inf]),
                                  [np.nan, np.nan, 0.0, 0.0])


@pytest.mark.parametrize("run", [lambda: K.gammainc_da(1e10, 1e10), lambda: K.betainc_shape(1e7, 1e7, 0.5),
                                 lambda: K.stdtr_ddf(5000.0, 1.0)], ids=["gamma", "beta", "t-df"])
def test_refused_where_accuracy_cannot_be_held(run):
    with pytest.raises(srcdiff.NonDifferentiableError, match="rather than return an inaccurate value"):
        run()


def t_cdf_in_df(x, df):
    return np.sum(stats.t.cdf(x, df, loc=0.1, scale=1.2))


def gamma_sf_in_a(x, a):
    return np.sum(stats.gamma(a, scale=2.0).sf(x))


def beta_logcdf_in_ab(x, a, b):
    return np.sum(stats.beta.logcdf(x, a=a, b=b))


@pytest.mark.parametrize("f, args, wrt", [
    (t_cdf_in_df, (np.array([-2.0, 0.4, 3.0]), 250.0), 1),
    (gamma_sf_in_a, (np.array([0.5, 9.0, 40.0]), 7.5), 1),
    (beta_logcdf_in_ab, (np.array([0.01, 0.3, 0.97]), 0.7, 45.0), (1, 2))], ids=["t", "gamma", "beta"])
def test_through_srcdiff_both_modes_against_mpmath(f, args, wrt):
    """Far from the points the rule table uses: grad and jvp agree with the kernels' mpmath references."""
    x = args[0]
    if f is t_cdf_in_df:
        z = (x - 0.1) / 1.2
        expected = [sum(_mp_stdtr_ddf(args[1], t) for t in z)]
    elif f is gamma_sf_in_a:
        expected = [-sum(_mp_gamma_da(args[1], v / 2.0) for v in x)]
    else:
        a, b = args[1:]
        values = special.betainc(a, b, x)
        expected = [sum(_mp_beta_d(a, b, v, k) / p for v, p in zip(x, values)) for k in (0, 1)]
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    grads = srcdiff.grad(f, wrt=wrt)(*args)
    grads = grads if isinstance(wrt, tuple) else (grads,)
    np.testing.assert_allclose(grads, expected, rtol=1e-9)
    for pos, e in zip(positions, expected):
        _, tangent = srcdiff.jvp(f, args, 1.0, wrt=pos)
        np.testing.assert_allclose(tangent, e, rtol=1e-9)


def gammainc_in_a(a, x):
    return np.sum(special.gammainc(a, x))


def t_sf_in_x(x, df):
    return np.sum(stats.t.sf(x, df))


@pytest.mark.parametrize("f, args, wrt", [(gammainc_in_a, (1.5, 0.7), 0), (t_cdf_in_df, (np.array([0.3]), 3.5), 1),
                                          (beta_logcdf_in_ab, (np.array([0.3]), 1.5, 0.7), 2)],
                         ids=["gammainc", "t", "beta"])
@pytest.mark.parametrize("route", ["grad of grad", "hvp"])
def test_second_derivative_in_the_shapes_is_refused(f, args, wrt, route):
    with pytest.raises(srcdiff.NonDifferentiableError, match="no second derivative of the incomplete gamma and beta"):
        if route == "grad of grad":
            srcdiff.grad(srcdiff.grad(f, wrt=wrt), wrt=wrt)(*args)
        else:
            srcdiff.hvp(f, wrt=wrt)(*args, 1.0)


def test_second_derivative_in_x_is_fine():
    """With the shape constant the second derivative in x is the density's derivative, both routes."""
    x, h = 0.3, 1e-5
    expected = -(stats.t.pdf(x + h, 3.5) - stats.t.pdf(x - h, 3.5)) / (2 * h)
    np.testing.assert_allclose(srcdiff.grad(srcdiff.grad(t_sf_in_x))(x, 3.5), expected, rtol=1e-7)
    np.testing.assert_allclose(srcdiff.hvp(t_sf_in_x)(np.array([x]), 3.5, np.ones(1)), [expected], rtol=1e-7)
