"""Complex numbers: every complex-capable rule in both modes against finite differences, and the
refusal of complex outputs by grad and the functions built on it.

srcdiff's convention (docs/complex.md): for a real-valued L of z = x + iy the gradient is
dL/dx - i dL/dy; a cotangent g pairs with a change dw as Re(sum(g * dw)); a tangent is the
ordinary directional derivative, real for a real-valued function.
"""
import sys
import numpy as np
import pytest
try:
    import scipy.special as sp
except ImportError:  # the SciPy cases need the scipy extra
    sp = None

import srcdiff
from srcdiff.analysis.complexity import complex_sources
from srcdiff.pipeline import prepare
from tests.support.differences import central_grad

RNG = np.random.default_rng(20261207)
W = RNG.standard_normal((6, 6)) + 0.5j * RNG.standard_normal((6, 6))
W3 = RNG.standard_normal(3) + 0.5j * RNG.standard_normal(3)
WR = RNG.standard_normal((6, 6))


def c(*shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


def hermitian(n=3):
    a = c(n, n)
    return a + a.conj().T + 2 * n * np.eye(n)


def positive(n=3):
    a = c(n, n)
    return a @ a.conj().T + 2 * np.eye(n)


def wellposed(n=3):
    return c(n, n) + 3 * np.eye(n)


def wr(y):
    """A real scalar that depends on every entry of the (complex) ``y``, real and imaginary parts."""
    if np.ndim(y) == 2:
        return np.real(np.sum(y * W[:y.shape[0], :y.shape[1]]))
    return np.real(np.sum(y * W[0, :y.shape[0]]))


# ------------------------------------------------------------------ functions of the table

def f_var(z): return np.var(z)
def f_std(z): return np.std(z)
def f_var_axis(z): return np.sum(np.var(z, axis=0) * WR[0, :2])
def f_std_ddof(z): return np.sum(np.std(z, axis=1, ddof=1) * WR[0, :3])
def f_var_keepdims(z): return np.sum(np.var(z, axis=1, keepdims=True) * WR[:3, :1])
def f_nanvar(z): return np.nanvar(z)
def f_nanstd(z): return np.nanstd(z, axis=0)[1]
def f_var_downstream(z): return np.real(np.var(z) * (1 + 2j))  # a complex adjoint reaches var's real output
def f_sum(z): return wr(np.sum(z, axis=0))
def f_mean(z): return np.real(np.mean(z) * (1 + 2j))
def f_prod(z): return np.real(np.prod(z) * (1 + 2j))
def f_cumsum(z): return wr(np.cumsum(z, axis=1))
def f_cumprod(z): return wr(np.cumprod(z[0]))
def f_max(z): return np.real(np.max(z) * (1 + 2j))
def f_sort(z): return wr(np.sort(z, axis=1))
def f_median(z): return wr(np.median(z, axis=0))
def f_matmul(z, w): return wr(z @ w)
def f_dot(z, w): return wr(np.dot(z, w))
def f_vdot(z, w): return np.real(np.vdot(z, w) * (1 + 2j))
def f_vecdot(z, w): return np.real(np.sum(np.vecdot(z, w) * W3))
def f_linalg_vecdot(z, w): return np.real(np.sum(np.linalg.vecdot(z, w) * W3))
def f_inner(z, w): return wr(np.inner(z, w))
def f_outer(z, w): return wr(np.outer(z[0], w[0]))
def f_matvec(z, w): return np.real(np.sum(np.matvec(z, w[0]) * W3))
def f_vecmat(z, w): return np.real(np.sum(np.vecmat(z[0], w) * W3))
def f_einsum(z, w): return wr(np.einsum("ij,jk->ik", z, w))
def f_tensordot(z, w): return wr(np.tensordot(z, w, axes=1))
def f_kron(z, w): return np.real(np.sum(np.kron(z[0], w[0]) * np.arange(9)))
def f_trace(z): return np.real(np.trace(z) * (1 + 2j))
def f_cross(z, w): return wr(np.cross(z, w))
def f_convolve(z, w): return wr(np.convolve(z[0], w[0]))
def f_correlate(z, w): return wr(np.correlate(z[0], w[1], "full"))
def f_polyval(z, w): return np.real(np.sum(np.polyval(z[0], w[1]) * W3))
def f_trapezoid(z): return np.real(np.sum(np.trapezoid(z, axis=0) * W3))
def f_abs(z): return np.sum(np.abs(z) * WR[:3, :3])
def f_angle(z): return np.sum(np.angle(z) * WR[:3, :3])
def f_real_imag_conj(z): return np.sum(np.real(z) * WR[:3, :3] + np.imag(z) * WR[3:, 3:]) + wr(np.conj(z))
def f_sqrt(z): return wr(np.sqrt(z))
def f_power(z, w): return wr(z ** w)
def f_float_power(z): return wr(np.float_power(z, 2.5))
def f_reciprocal(z): return wr(np.reciprocal(z))
def f_sinc(z): return wr(np.sinc(z))
def f_exp_log_tanh(z): return wr(np.exp(z) + np.log(z) + np.tanh(z))
def f_trig(z): return wr(np.sin(z) * np.cos(z) + np.arctan(z) + np.arcsinh(z))
def f_arith(z, w): return wr(z * w - z / w + (z + w) ** 2)
def f_maximum(z, w): return wr(np.maximum(z, w))
def f_where(z, w): return wr(np.where(np.real(z) > 0, z, w))
def f_clip(z): return wr(np.clip(z, -0.5, 0.5))
def f_take_diag(z): return wr(np.take(z, [0, 2], axis=1)) + wr(np.diag(np.diag(z)))
def f_astype(z): return wr(z.astype(np.complex128))
def f_inv(z): return wr(np.linalg.inv(z))
def f_det(z): return np.real(np.linalg.det(z) * (1 + 2j))


def f_slogdet(z):
    sign, logdet = np.linalg.slogdet(z)
    return np.real(sign * (1 + 2j)) + logdet


def f_solve(z, w): return wr(np.linalg.solve(z, w))
def f_pinv(z): return wr(np.linalg.pinv(z))
def f_matrix_power(z): return wr(np.linalg.matrix_power(z, 3) + np.linalg.matrix_power(z, -2))
def f_multi_dot(z, w): return wr(np.linalg.multi_dot([z, w, z]))
def f_norm(z): return np.linalg.norm(z) + np.linalg.norm(z, "fro") + np.linalg.norm(z, "nuc")
def f_norm_orders(z): return np.linalg.norm(z[0], 1) + np.linalg.norm(z[0], 3) + np.linalg.norm(z[1], np.inf)
def f_norm_matrix(z): return np.linalg.norm(z, 2) + np.linalg.norm(z, 1) + np.linalg.matrix_norm(z)
def f_vector_norm(z): return np.sum(np.linalg.vector_norm(z, axis=1) * WR[0, :3])
def f_svdvals(z): return np.sum(np.linalg.svdvals(z) * WR[0, :min(z.shape[-2:])])
def f_svd_values(z): return np.sum(np.linalg.svd(z, compute_uv=False) * WR[0, :min(z.shape[-2:])])


def f_svd_vectors(z):
    u, s, vh = np.linalg.svd(z, full_matrices=False)
    return np.sum(np.abs(u) ** 2 * WR[:u.shape[0], :u.shape[1]]) + np.sum(s * WR[1, :s.shape[0]]) + \
        np.sum(np.abs(vh) * WR[:vh.shape[0], :vh.shape[1]])


def f_svd_product(z):
    u, s, vh = np.linalg.svd(z, full_matrices=False)
    return wr(u @ np.diag(s ** 2) @ vh)


def f_svd_phases(z):  # depends on the phases NumPy (LAPACK) gives the singular vectors
    u, s, vh = np.linalg.svd(z, full_matrices=False)
    return np.real(u[1, 0] * (1 + 2j)) + np.real(vh[0, 1] * (2 - 1j)) + np.imag(u[-1, -1])


def f_svd_full(z):
    u, s, vh = np.linalg.svd(z)
    k = s.shape[0]
    return np.sum(s) + wr(u[:, :k] @ vh[:k, :])


def f_svd_batched(z):
    u, s, vh = np.linalg.svd(z, full_matrices=False)
    return np.real(u[1, 1, 0] * (1 + 2j)) + np.real(vh[0, 0, 1] * (2 - 1j)) + np.sum(s * WR[0, :2])


def f_eigh_values(z): return np.sum(np.linalg.eigh(z)[0] * WR[0, :3])
def f_eigvalsh(z): return np.sum(np.linalg.eigvalsh(z) * WR[0, :3]) + np.sum(np.linalg.eigvalsh(z, UPLO="U"))


def f_eigh_vectors(z):
    w, v = np.linalg.eigh(z)
    return np.sum(np.abs(v) ** 2 * WR[:3, :3]) + wr((v * w ** 2) @ v.conj().T)


def f_eigh_phases(z):  # depends on the phases NumPy (LAPACK) gives the eigenvectors
    w, v = np.linalg.eigh(z)
    return np.real(v[1, 0] * (1 + 2j)) + np.imag(v[2, -1]) + np.sum(w * np.arange(w.shape[0]))


def f_eigh_upper_batched(z):
    w, v = np.linalg.eigh(z, UPLO="U")
    return np.real(v[1, 1, 0] * (1 + 2j)) + np.imag(v[0, 2, 2]) + np.sum(w[1])


def f_cholesky(z): return wr(np.linalg.cholesky(z)) + np.sum(np.abs(np.linalg.cholesky(z, upper=True)) ** 2)


def f_qr(z):
    q, r = np.linalg.qr(z)
    return wr(q) + wr(r) + wr(np.linalg.qr(z, mode="r"))


def f_lstsq(z, w): return wr(np.linalg.lstsq(z, w)[0]) + np.sum(np.linalg.lstsq(z, w)[1])
def f_fft(z): return wr(np.fft.fft(z, axis=0)) + wr(np.fft.ifft2(z))
def f_rfft(x): return wr(np.fft.rfft(x))
def f_special(z): return wr(sp.erf(z) + sp.loggamma(z + 3.0))
def f_logsumexp(z): return np.real(sp.logsumexp(z) * (1 + 1j)) + wr(sp.softmax(z))


C33 = c(3, 3)
CASES = {
    "var": (f_var, (c(3, 4),)), "std": (f_std, (c(3, 4),)), "var axis": (f_var_axis, (c(3, 2),)),
    "std ddof": (f_std_ddof, (c(3, 4),)), "var keepdims": (f_var_keepdims, (c(3, 4),)),
    "nanvar": (f_nanvar, (c(3, 4),)), "nanstd": (f_nanstd, (c(3, 4),)), "var downstream": (f_var_downstream, (c(4),)),
    "sum": (f_sum, (C33,)), "mean": (f_mean, (C33,)), "prod": (f_prod, (C33,)), "cumsum": (f_cumsum, (C33,)),
    "cumprod": (f_cumprod, (C33,)), "max": (f_max, (C33,)), "sort": (f_sort, (C33,)), "median": (f_median, (C33,)),
    "matmul": (f_matmul, (C33, c(3, 3))), "dot": (f_dot, (C33, c(3, 3))), "vdot": (f_vdot, (C33, c(3, 3))),
    "vecdot": (f_vecdot, (C33, c(3, 3))), "linalg.vecdot": (f_linalg_vecdot, (C33, c(3, 3))),
    "inner": (f_inner, (C33, c(3, 3))), "outer": (f_outer, (C33, c(3, 3))), "matvec": (f_matvec, (C33, c(3, 3))),
    "vecmat": (f_vecmat, (C33, c(3, 3))), "einsum": (f_einsum, (C33, c(3, 3))),
    "tensordot": (f_tensordot, (C33, c(3, 3))), "kron": (f_kron, (C33, c(3, 3))), "trace": (f_trace, (C33,)),
    "cross": (f_cross, (C33, c(3, 3))), "convolve": (f_convolve, (C33, c(3, 3))),
    "correlate": (f_correlate, (C33, c(3, 3))), "polyval": (f_polyval, (C33, c(3, 3))),
    "trapezoid": (f_trapezoid, (C33,)), "abs": (f_abs, (C33,)), "angle": (f_angle, (C33,)),
    "real imag conj": (f_real_imag_conj, (C33,)), "sqrt": (f_sqrt, (C33,)), "power": (f_power, (C33, c(3, 3))),
    "float_power": (f_float_power, (C33,)), "reciprocal": (f_reciprocal, (C33,)), "sinc": (f_sinc, (C33,)),
    "exp log tanh": (f_exp_log_tanh, (C33,)), "trig": (f_trig, (C33,)), "arithmetic": (f_arith, (C33, c(3, 3))),
    "maximum": (f_maximum, (C33, c(3, 3))), "where": (f_where, (C33, c(3, 3))), "clip": (f_clip, (C33,)),
    "take diag": (f_take_diag, (C33,)), "astype": (f_astype, (C33,)), "inv": (f_inv, (wellposed(),)),
    "det": (f_det, (wellposed(),)), "slogdet": (f_slogdet, (wellposed(),)),
    "solve": (f_solve, (wellposed(), c(3, 3))), "pinv tall": (f_pinv, (c(3, 2),)), "pinv wide": (f_pinv, (c(2, 3),)),
    "matrix_power": (f_matrix_power, (wellposed(),)), "multi_dot": (f_multi_dot, (C33, c(3, 3))),
    "norm": (f_norm, (C33,)), "norm orders": (f_norm_orders, (C33,)), "norm matrix": (f_norm_matrix, (C33,)),
    "vector_norm": (f_vector_norm, (C33,)),
    "svdvals tall": (f_svdvals, (c(3, 2),)), "svdvals wide": (f_svdvals, (c(2, 3),)),
    "svd compute_uv=False tall": (f_svd_values, (c(4, 3),)), "svd compute_uv=False wide": (f_svd_values, (c(2, 3),)),
    "svd compute_uv=False batched": (f_svd_values, (c(2, 3, 3),)),
    "svd vectors tall": (f_svd_vectors, (c(3, 2),)), "svd vectors wide": (f_svd_vectors, (c(2, 3),)),
    "svd product square": (f_svd_product, (c(3, 3),)), "svd product wide": (f_svd_product, (c(2, 4),)),
    "svd phases tall": (f_svd_phases, (c(3, 2),)), "svd phases wide": (f_svd_phases, (c(2, 3),)),
    "svd phases square": (f_svd_phases, (c(3, 3),)), "svd full_matrices tall": (f_svd_full, (c(3, 2),)),
    "svd full_matrices wide": (f_svd_full, (c(2, 3),)), "svd batched": (f_svd_batched, (c(2, 3, 2),)),
    "eigh values": (f_eigh_values, (hermitian(),)), "eigvalsh": (f_eigvalsh, (hermitian(),)),
    "eigh vectors": (f_eigh_vectors, (hermitian(),)), "eigh phases": (f_eigh_phases, (hermitian(),)),
    "eigh phases 4x4": (f_eigh_phases, (hermitian(4),)),
    "eigh upper batched": (f_eigh_upper_batched, (np.stack([hermitian(), hermitian()]),)),
    "cholesky": (f_cholesky, (positive(),)), "qr tall": (f_qr, (c(4, 3),)), "qr square": (f_qr, (c(3, 3),)),
    "lstsq": (f_lstsq, (c(4, 2), c(4, 2))), "fft": (f_fft, (C33,)), "rfft of real": (f_rfft, (RNG.standard_normal(5),)),
}
if sp is not None:
    CASES.update({"special": (f_special, (C33,)), "logsumexp softmax": (f_logsumexp, (C33,))})


# ------------------------------------------------------------------ checks

def random_direction(x, rng):
    d = rng.standard_normal(np.shape(x))
    return d + 1j * rng.standard_normal(np.shape(x)) if np.iscomplexobj(x) else d


@pytest.mark.parametrize("name", sorted(CASES))
def test_reverse_mode_matches_finite_differences(name):
    fun, args = CASES[name]
    wrt = tuple(range(len(args)))
    grads = srcdiff.grad(fun, wrt=wrt)(*args)
    for pos, g in enumerate(grads):
        np.testing.assert_allclose(g, central_grad(fun, args, pos), rtol=1e-5, atol=1e-6,
                                   err_msg="%s: gradient of argument %d" % (name, pos))


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_mode_matches_finite_differences(name):
    """jvp along a complex direction is the directional derivative, a real number here."""
    fun, args = CASES[name]
    rng = np.random.default_rng(3)
    directions = tuple(random_direction(a, rng) for a in args)
    _, tangent = srcdiff.jvp(fun, args, directions, wrt=tuple(range(len(args))))
    eps = 1e-6
    expected = (fun(*[a + eps * d for a, d in zip(args, directions)]) -
                fun(*[a - eps * d for a, d in zip(args, directions)])) / (2 * eps)
    assert not np.iscomplexobj(tangent), "%s: the tangent of a real function is complex: %r" % (name, tangent)
    np.testing.assert_allclose(tangent, expected, rtol=1e-5, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("name", ["var", "std", "svd phases tall", "eigh phases", "cholesky", "qr tall", "lstsq"])
def test_forward_and_reverse_pair_under_the_convention(name):
    """<grad, t> = Re(sum(grad * t)) is the jvp along t: the two modes agree exactly."""
    fun, args = CASES[name]
    rng = np.random.default_rng(5)
    directions = tuple(random_direction(a, rng) for a in args)
    wrt = tuple(range(len(args)))
    _, tangent = srcdiff.jvp(fun, args, directions, wrt=wrt)
    grads = srcdiff.grad(fun, wrt=wrt)(*args)
    paired = sum(np.real(np.sum(g * d)) for g, d in zip(grads, directions))
    assert paired == pytest.approx(tangent, rel=1e-9, abs=1e-12)


def test_forward_mode_grad_of_a_complex_argument_follows_the_convention():
    z = c(3, 2)
    np.testing.assert_allclose(srcdiff.grad(f_svd_phases, mode="forward")(z), srcdiff.grad(f_svd_phases)(z),
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(srcdiff.grad(f_abs, mode="forward")(C33), central_grad(f_abs, (C33,), 0),
                               rtol=1e-6, atol=1e-7)


def test_hvp_of_a_complex_argument_is_the_derivative_of_the_gradient():
    z, v = c(3, 3), c(3, 3)
    g = srcdiff.grad(f_abs)
    eps = 1e-6
    expected = (g(z + eps * v) - g(z - eps * v)) / (2 * eps)
    np.testing.assert_allclose(srcdiff.hvp(f_abs)(z, v), expected, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ real outputs through complex values

def real_of_product(x, z):
    return np.real(np.sum(x * z))


def abs_squared(x, z):
    return np.sum(np.abs(x * z) ** 2)


def test_a_real_output_of_complex_intermediates_is_differentiated():
    x, z = RNG.standard_normal(3), c(3)
    np.testing.assert_allclose(srcdiff.grad(real_of_product)(x, z), np.real(z))
    np.testing.assert_allclose(srcdiff.grad(real_of_product, wrt=(0, 1))(x, z)[1], x)
    g = srcdiff.grad(abs_squared, wrt=(0, 1))(x, z)
    np.testing.assert_allclose(g[0], central_grad(abs_squared, (x, z), 0), rtol=1e-6)
    np.testing.assert_allclose(g[1], central_grad(abs_squared, (x, z), 1), rtol=1e-6)
    assert g[0].dtype == np.float64


# ------------------------------------------------------------------ complex outputs are refused

def complex_constant(x):
    return np.sum(x * (1 + 1j))


def complex_argument(x, z):
    return np.sum(x * z)


def complex_helper(x):
    return x * np.exp(1j * x)


def through_helper(x):
    return np.sum(complex_helper(x))


def in_a_list(x, items):
    total = 0.0
    for item in items:
        total = total + np.sum(x * item)
    return total


def with_keyword(x, scale=1.0):
    return np.sum(x * scale)


OFFSET = np.array([0.1, 0.2, 0.3])


def reads_a_global(x):
    return np.sum((x - OFFSET) ** 2)


def check_refused(call, fun):
    with pytest.raises(srcdiff.NonDifferentiableError) as info:
        call()
    message = str(info.value)
    assert "complex" in message and "np.real" in message, message
    assert "%s (%s:%d)" % (fun.__qualname__, __file__, fun.__code__.co_firstlineno) in message, message


X = np.array([0.5, -1.0, 2.0])
Z = X + 1j * np.array([1.0, 0.3, -0.7])


@pytest.mark.parametrize("fun, args", [
    (complex_constant, (X,)), (complex_argument, (X, Z)), (complex_argument, (Z, X)), (through_helper, (X,)),
    (in_a_list, (X, [X, Z])), (complex_constant, (2.0,))], ids=["constant", "argument", "differentiated argument",
                                                                "helper", "list", "python float"])
def test_grad_refuses_a_complex_output(fun, args):
    for transform in (srcdiff.grad, srcdiff.value_and_grad, lambda f: srcdiff.grad(f, mode="forward")):
        check_refused(lambda: transform(fun)(*args), fun)


def test_a_complex_keyword_argument_is_seen():
    check_refused(lambda: srcdiff.grad(with_keyword)(X, scale=1j), with_keyword)
    assert srcdiff.grad(with_keyword)(X, scale=2.0) == pytest.approx(2.0 * np.ones(3))


def test_the_cached_fast_path_checks_every_call():
    g = srcdiff.grad(complex_argument)
    np.testing.assert_allclose(g(X, X), X)  # real: the lean runner of this shape is made
    np.testing.assert_allclose(g(X, X), X)
    check_refused(lambda: g(X, Z), complex_argument)
    check_refused(lambda: g(Z, X), complex_argument)
    np.testing.assert_allclose(g(X, 2 * X), 2 * X)


def test_second_derivatives_refuse_a_complex_output():
    check_refused(lambda: srcdiff.hvp(complex_constant)(X, X), complex_constant)
    check_refused(lambda: srcdiff.hessian(through_helper)(X), through_helper)
    check_refused(lambda: srcdiff.grad(srcdiff.grad(complex_constant, wrt=0), mode="forward")(2.0), complex_constant)
    check_refused(lambda: srcdiff.jacobian(srcdiff.grad(complex_constant))(X), complex_constant)
    assert srcdiff.hessian(complex_argument)(X, X) == pytest.approx(np.zeros((3, 3)))


def test_jacobian_and_hessian_refuse_complex_numbers():
    for mode in ("forward", "reverse"):
        with pytest.raises(srcdiff.NonDifferentiableError, match="complex_helper .*returned a complex value"):
            srcdiff.jacobian(complex_helper, mode=mode)(X)
        with pytest.raises(srcdiff.NonDifferentiableError, match="argument `z` is complex"):
            srcdiff.jacobian(abs_squared, wrt=1, mode=mode)(X, Z)
    with pytest.raises(srcdiff.NonDifferentiableError, match="argument `z` is complex"):
        srcdiff.hessian(abs_squared, wrt=1)(X, Z)


def test_vjp_of_a_complex_output_pulls_back_a_complex_cotangent():
    """pullback(ct) is the gradient of Re(sum(ct * f(x))), under the convention."""
    ct = np.array([0.3 - 1.2j, 2.0 + 0.5j, -0.4 + 0.1j])
    value, pullback = srcdiff.vjp(complex_helper)(X)
    np.testing.assert_allclose(value, complex_helper(X))

    def paired(x):
        return np.real(np.sum(ct * complex_helper(x)))
    np.testing.assert_allclose(pullback(ct), central_grad(paired, (X,), 0), rtol=1e-6)


# ------------------------------------------------------------------ the analysis

def loss(w, x, y, act=np.tanh):
    h = act(x @ w)
    return np.sum((h - y) ** 2)


def magnitude(z, w):
    return np.sum(np.abs(z) * w)


def appends(x, z):
    out = []
    alias = out
    alias.append(z)
    return np.sum(out[0] * x)


def scaled(x, s=1.0):
    return x * s


def through_real_helper(x, y):
    return np.sum(scaled(x) + real_of_product(y, y))


def recursive(x, n):
    return np.sum(x) if n == 0 else recursive(x * x, n - 1)


@pytest.mark.parametrize("fun, expected", [
    (loss, {"w", "x", "y"}), (magnitude, {"w"}), (appends, {"x", "z"}), (complex_constant, None),
    (through_helper, None), (real_of_product, set()), (through_real_helper, {"x"}), (recursive, None),
    (reads_a_global, {"x", ("global", "OFFSET")})])
def test_which_parameters_decide_whether_the_output_is_complex(fun, expected):
    prep = prepare(fun, statics={"act": np.tanh} if fun is loss else None)
    found = complex_sources(prep.tree, prep.ctx.resolve, namespace=fun.__globals__)
    assert (found if found is None else set(found)) == expected



def test_a_global_array_that_becomes_complex_is_seen(monkeypatch):
    g = srcdiff.grad(reads_a_global)
    np.testing.assert_allclose(g(X), 2 * (X - OFFSET))
    monkeypatch.setattr(sys.modules[__name__], "OFFSET", OFFSET + 1j)
    check_refused(lambda: g(X), reads_a_global)
    monkeypatch.undo()
    np.testing.assert_allclose(g(X), 2 * (X - OFFSET))


def test_a_complex_tangent_of_a_real_argument_is_refused():
    with pytest.raises(srcdiff.ArgumentError, match="tangent for `z` of f_abs is complex, but the argument is real"):
        srcdiff.jvp(f_abs, (X.reshape(3, 1) * np.ones((3, 3)),), np.ones((3, 3)) * 1j)
    with pytest.raises(srcdiff.ArgumentError, match="is complex, but the argument is real"):
        srcdiff.hvp(reads_a_global)(X, X * 1j)


def _imag_of_broadcast_scalar(s, z):
    return np.sum(np.imag(z * np.conj(z) + 1j * np.tanh(s)))


def _mean_imag_of_broadcast_scalar(s, z):
    return np.mean(np.imag(z + 1j * s))


@pytest.mark.parametrize("fun", [_imag_of_broadcast_scalar, _mean_imag_of_broadcast_scalar], ids=["sum", "mean"])
def test_imag_of_a_scalar_broadcast_over_complex_entries(fun):
    """Found by the fuzzer: the cotangent of ``np.sum`` arrives at ``np.imag`` as a scalar, and the
    adjoint of ``np.imag`` returned it unbroadcast, so the scalar's gradient missed a factor n."""
    z = np.array([[1 + 2j, 0.5 - 1j], [2j, 1.0]])
    s, eps = 0.3, 1e-6
    fd = (fun(s + eps, z) - fun(s - eps, z)) / (2 * eps)
    assert np.isclose(srcdiff.grad(fun)(s, z), fd, rtol=1e-7)
    assert np.isclose(srcdiff.jvp(fun, (s, z), 1.0)[1], fd, rtol=1e-7)


def _loop_over_rows_with_a_complex_output(p):
    v0 = np.prod(np.outer(p["w"], p["w"]), keepdims=True)
    for r in v0:
        v0 = v0 + np.prod(r, axis=0, keepdims=True) * 0.3
    return np.sum(v0) + np.sum(v0) * 1j


def test_complex_contributions_to_a_real_array_keep_their_real_part():
    """Found by the fuzzer: the adjoint of a real array's rows, accumulated by ``add_at``, got a
    complex contribution and raised a casting error; the real part is the adjoint of a real value."""
    p = {"w": np.array([0.616281, -1.006718, 1.193692])}
    with pytest.raises(srcdiff.NonDifferentiableError, match="complex"):
        srcdiff.grad(_loop_over_rows_with_a_complex_output)(p)
    value, pullback = srcdiff.vjp(_loop_over_rows_with_a_complex_output)(p)
    w, eps = p["w"], 1e-6

    def real_part(w2):
        return np.real(_loop_over_rows_with_a_complex_output({"w": w2}))

    fd = np.array([(real_part(w + eps * e) - real_part(w - eps * e)) / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(pullback(1.0)["w"], fd, rtol=1e-7)
