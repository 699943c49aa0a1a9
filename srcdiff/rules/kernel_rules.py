"""Tangent rules for the kernels that generated gradients call (forward mode over a gradient).

A Hessian is forward mode over generated gradient code, which calls these kernels; most are
linear in the incoming adjoint ``g``. Kernels without a rule here (linear algebra, norms,
``cumprod_adjoint``, ``prod_partials``) are differentiated from their source by srcdiff itself.
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from ..runtime import kernels
from ..runtime import kernels_einsum as ke
from ..runtime import kernels_fft as kf
from ..runtime import kernels_linalg as kl
from ..runtime import kernels_math as km
from ..runtime import kernels_products as kp
from ..runtime import kernels_reduce as kr
from ..runtime import kernels_shapes as ks
from .registry import adjoint, nondifferentiable, tangent

# ------------------------------------------------------------- elementwise helpers


@tangent(km.safe_divisor)
def safe_divisor_(out, y):
    t[out] = numpy.where(out == y, t[y], 0.0)


# strong-zero products: each factor's term keeps the strong zero of the factor it multiplies, so a
# second derivative inside a branch of numpy.where that was not taken is 0 too
@adjoint(km.strong_mul, elementwise=True)
def strong_mul_(out, g, p):
    d[g] = km.strong_mul(d[out], p)
    d[p] = km.strong_mul(d[out], g)


@tangent(km.strong_mul)
def strong_mul_(out, g, p):
    t[out] = km.strong_mul(t[g], p) + km.strong_mul(g, t[p])


@adjoint(km.strong_div, elementwise=True)
def strong_div_(out, g, q, positive=False):
    d[g] = km.strong_div(d[out], q, positive)
    d[q] = -km.strong_div(km.strong_mul(d[out], out), q)


@tangent(km.strong_div)
def strong_div_(out, g, q, positive=False):
    t[out] = km.strong_div(t[g] - km.strong_mul(out, t[q]), q, positive)


@tangent(km.power_partial)
def power_partial_(out, x1, x2):
    t[out] = t[x1] * km.power_second(x1, x2) + \
        t[x2] * (out * numpy.log(numpy.where(x1 == 0, 1.0, x1)) + x1 ** (x2 - 1.0))


@tangent(km.abs_adjoint)
def abs_adjoint_(out, g, x):
    t[out] = km.abs_adjoint(t[g], x) + numpy.real(g) * km.unit_tangent(x, t[x])


@tangent(km.angle_adjoint)
def angle_adjoint_(out, g, z, deg=False):
    t[out] = km.angle_adjoint(t[g], z, deg) - out * t[z] / km.safe_divisor(z)


@tangent(km.imag_adjoint)
def imag_adjoint_(out, g, val):
    t[out] = km.imag_adjoint(t[g], val)


@tangent(km.sinc_partial)
def sinc_partial_(out, x):
    t[out] = t[x] * km.sinc_second(x)


# ------------------------------------------------------ reductions, cumulative ops


@tangent(kr.nan_centered)
def nan_centered_(out, x, a, axis=None):
    t[out] = kr.nan_centered(t[x], a, axis)


@tangent(kr.weights_like)
def weights_like_(out, weights, a, axis=None):
    t[out] = kr.weights_like(t[weights], a, axis)


@tangent(kr.weights_back)
def weights_back_(out, g, weights, a, axis=None):
    t[out] = kr.weights_back(t[g], weights, a, axis)


@tangent(kr.drop_initial)
def drop_initial_(out, g, axis=None, include_initial=False):
    t[out] = kr.drop_initial(t[g], axis, include_initial)


@tangent(kr.trapezoid_adjoint)
def trapezoid_adjoint_(out, g, y, x=None, dx=1.0, axis=-1):
    if x is None:
        t[out] = kr.trapezoid_adjoint(t[g], y, None, dx, axis) + kr.trapezoid_adjoint(g, y, None, t[dx], axis)
    else:
        t[out] = kr.trapezoid_adjoint(t[g], y, x, dx, axis) + kr.trapezoid_adjoint(g, y, t[x], dx, axis)


@tangent(kr.trapezoid_x_adjoint)
def trapezoid_x_adjoint_(out, g, y, x, axis=-1):
    t[out] = kr.trapezoid_x_adjoint(t[g], y, x, axis) + kr.trapezoid_x_adjoint(g, t[y], x, axis)


nondifferentiable(kernels.refuse, kr.not_nan, kr.nan_count, kr.nanmean_weights, kr.ptp_weights, kr.median_weights,
                  ks.rollaxis_destination, ks.negated, ks.first_two, ks.sort_order, ks.permutation_of, ks.finite_mask)

# --------------------------------------------------- shapes, joins and selections (linear)


@tangent(ks.atleast_adjoint)
def atleast_adjoint_(out, g, arys, y):
    t[out] = ks.atleast_adjoint(t[g], arys, y)


@tangent(ks.join_adjoint)
def join_adjoint_(out, g, parts, kind):
    t[out] = ks.join_adjoint(t[g], parts, kind)


@tangent(ks.split_adjoint)
def split_adjoint_(out, g, ary, indices_or_sections, axis=0, kind=None):
    t[out] = ks.split_adjoint(t[g], ary, indices_or_sections, axis, kind)


@tangent(ks.unstack_adjoint)
def unstack_adjoint_(out, g, x, axis=0):
    t[out] = ks.unstack_adjoint(t[g], x, axis)


@tangent(ks.tile_adjoint)
def tile_adjoint_(out, g, a, reps):
    t[out] = ks.tile_adjoint(t[g], a, reps)


@tangent(ks.repeat_adjoint)
def repeat_adjoint_(out, g, a, repeats, axis=None):
    t[out] = ks.repeat_adjoint(t[g], a, repeats, axis)


@tangent(ks.pad_adjoint)
def pad_adjoint_(out, g, array, pad_width, mode="constant"):
    t[out] = ks.pad_adjoint(t[g], array, pad_width, mode)


@tangent(ks.take_adjoint)
def take_adjoint_(out, g, a, indices, axis=None, mode="raise"):
    t[out] = ks.take_adjoint(t[g], a, indices, axis, mode)


@tangent(ks.take_along_axis_adjoint)
def take_along_axis_adjoint_(out, g, arr, indices, axis=-1):
    t[out] = ks.take_along_axis_adjoint(t[g], arr, indices, axis)


@tangent(ks.diagonal_adjoint)
def diagonal_adjoint_(out, g, a, offset=0, axis1=0, axis2=1):
    t[out] = ks.diagonal_adjoint(t[g], a, offset, axis1, axis2)


@tangent(ks.permute_adjoint)
def permute_adjoint_(out, g, a, order, axis=-1):
    t[out] = ks.permute_adjoint(t[g], a, order, axis)


@tangent(ks.select_adjoint)
def select_adjoint_(out, g, condlist, choicelist):
    t[out] = ks.select_adjoint(t[g], condlist, choicelist)


@tangent(ks.select_default_adjoint)
def select_default_adjoint_(out, g, condlist, default):
    t[out] = ks.select_default_adjoint(t[g], condlist, default)


@tangent(ks.choose_adjoint)
def choose_adjoint_(out, g, a, choices, mode="raise"):
    t[out] = ks.choose_adjoint(t[g], a, choices, mode)


@tangent(ks.compress_adjoint)
def compress_adjoint_(out, g, condition, a, axis=None):
    t[out] = ks.compress_adjoint(t[g], condition, a, axis)


@tangent(ks.extract_adjoint)
def extract_adjoint_(out, g, condition, arr):
    t[out] = ks.extract_adjoint(t[g], condition, arr)


# ------------------------------------------------------------ products (bilinear)


@tangent(ke.einsum_vjp)
def einsum_vjp_(out, g, operands, position):
    t[out] = ke.einsum_vjp_tangent(t[g], g, operands, t[operands], position)


@tangent(kp.cross_lhs)
def cross_lhs_(out, g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    t[out] = kp.cross_lhs(t[g], a, b, axisa, axisb, axisc, axis) + kp.cross_lhs(g, a, t[b], axisa, axisb, axisc, axis)


@tangent(kp.cross_rhs)
def cross_rhs_(out, g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    t[out] = kp.cross_rhs(t[g], a, b, axisa, axisb, axisc, axis) + kp.cross_rhs(g, t[a], b, axisa, axisb, axisc, axis)


@tangent(kp.kron_lhs)
def kron_lhs_(out, g, a, b):
    t[out] = kp.kron_lhs(t[g], a, b) + kp.kron_lhs(g, a, t[b])


@tangent(kp.kron_rhs)
def kron_rhs_(out, g, a, b):
    t[out] = kp.kron_rhs(t[g], a, b) + kp.kron_rhs(g, t[a], b)


@tangent(kp.vecdot_lhs)
def vecdot_lhs_(out, g, x1, x2, axis=-1):
    t[out] = kp.vecdot_lhs(t[g], x1, x2, axis) + kp.vecdot_lhs(g, x1, t[x2], axis)


@tangent(kp.vecdot_rhs)
def vecdot_rhs_(out, g, x1, x2, axis=-1):
    t[out] = kp.vecdot_rhs(t[g], x1, x2, axis) + kp.vecdot_rhs(g, t[x1], x2, axis)


@tangent(kp.matvec_lhs)
def matvec_lhs_(out, g, x1, x2):
    t[out] = kp.matvec_lhs(t[g], x1, x2) + kp.matvec_lhs(g, x1, t[x2])


@tangent(kp.matvec_rhs)
def matvec_rhs_(out, g, x1, x2):
    t[out] = kp.matvec_rhs(t[g], x1, x2) + kp.matvec_rhs(g, t[x1], x2)


@tangent(kp.vecmat_lhs)
def vecmat_lhs_(out, g, x1, x2):
    t[out] = kp.vecmat_lhs(t[g], x1, x2) + kp.vecmat_lhs(g, x1, t[x2])


@tangent(kp.vecmat_rhs)
def vecmat_rhs_(out, g, x1, x2):
    t[out] = kp.vecmat_rhs(t[g], x1, x2) + kp.vecmat_rhs(g, t[x1], x2)


@tangent(kp.convolve_lhs)
def convolve_lhs_(out, g, a, v, mode="full"):
    t[out] = kp.convolve_lhs(t[g], a, v, mode) + kp.convolve_lhs(g, a, t[v], mode)


@tangent(kp.convolve_rhs)
def convolve_rhs_(out, g, a, v, mode="full"):
    t[out] = kp.convolve_rhs(t[g], a, v, mode) + kp.convolve_rhs(g, t[a], v, mode)


@tangent(kp.correlate_lhs)
def correlate_lhs_(out, g, a, v, mode="valid"):
    t[out] = kp.correlate_lhs(t[g], a, v, mode) + kp.correlate_lhs(g, a, t[v], mode)


@tangent(kp.correlate_rhs)
def correlate_rhs_(out, g, a, v, mode="valid"):
    t[out] = kp.correlate_rhs(t[g], a, v, mode) + kp.correlate_rhs(g, t[a], v, mode)


@tangent(kp.polyval_coefficients)
def polyval_coefficients_(out, g, p, x, k=0):
    t[out] = kp.polyval_coefficients(t[g], p, x, k) + kp.polyval_coefficients(g * t[x], p, x, k + 1)


@tangent(kp.polyval_derivative)
def polyval_derivative_(out, p, x, k=1):
    t[out] = kp.polyval_derivative(t[p], x, k) + t[x] * kp.polyval_derivative(p, x, k + 1)


@tangent(kp.vander_partials)
def vander_partials_(out, x, N=None, increasing=False, k=1):
    t[out] = numpy.expand_dims(t[x], 1) * kp.vander_partials(x, N, increasing, k + 1)


# ------------------------------------------------------------------ linear algebra


@tangent(kl.slogdet_sign_adjoint)
def slogdet_sign_adjoint_(out, g_sign, a, sign):
    t[out] = kl.slogdet_sign_adjoint_tangent(t[g_sign], t[a], t[sign], g_sign, a, sign)


# ----------------------------------------------------------- fft (linear in g; `a` gives shapes only)


@tangent(kf.fft_adjoint)
def fft_adjoint_(out, g, a, n=None, axis=-1, norm=None, inverse=False):
    t[out] = kf.fft_adjoint(t[g], a, n, axis, norm, inverse)


@tangent(kf.fftn_adjoint)
def fftn_adjoint_(out, g, a, s=None, axes=None, norm=None, inverse=False):
    t[out] = kf.fftn_adjoint(t[g], a, s, axes, norm, inverse)


@tangent(kf.rfft_adjoint)
def rfft_adjoint_(out, g, a, n=None, axis=-1, norm=None):
    t[out] = kf.rfft_adjoint(t[g], a, n, axis, norm)


@tangent(kf.rfftn_adjoint)
def rfftn_adjoint_(out, g, a, s=None, axes=None, norm=None):
    t[out] = kf.rfftn_adjoint(t[g], a, s, axes, norm)


@tangent(kf.irfft_adjoint)
def irfft_adjoint_(out, g, a, n=None, axis=-1, norm=None):
    t[out] = kf.irfft_adjoint(t[g], a, n, axis, norm)


@tangent(kf.irfftn_adjoint)
def irfftn_adjoint_(out, g, a, s=None, axes=None, norm=None):
    t[out] = kf.irfftn_adjoint(t[g], a, s, axes, norm)


# ------------------------------------------------------------ filled and spaced constructors


@tangent(ks.fill_adjoint)
def fill_adjoint_(out, g, fill_value, y):
    t[out] = ks.fill_adjoint(t[g], fill_value, y)


@tangent(ks.logspace_exponents)
def logspace_exponents_(out, start, stop, num=50, endpoint=True, base=10.0, axis=0):
    t[out] = ks.logspace_exponents(t[start], t[stop], num, endpoint, base, axis)


@tangent(ks.logspace_base)
def logspace_base_(out, base, start, stop, axis=0):
    t[out] = ks.logspace_base(t[base], start, stop, axis)


@tangent(ks.logspace_base_adjoint)
def logspace_base_adjoint_(out, g, base, start, stop, axis=0):
    t[out] = ks.logspace_base_adjoint(t[g], base, start, stop, axis)


nondifferentiable(ks.spacing_weights)
nondifferentiable(km.pick_weight)
