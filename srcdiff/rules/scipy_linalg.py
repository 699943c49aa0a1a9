"""Rules for ``scipy.linalg`` functions written in Python: expm, sqrtm, solve_sylvester, solve_banded.

``expm``'s derivative is its Fréchet derivative (``scipy.linalg.expm_frechet``); ``sqrtm``'s solves the
Sylvester equation X dX + dX X = dA, refused at run time where it is singular (a singular matrix);
``solve_banded``'s adjoint solves the transposed system in band storage. Imported only once the user's
code has imported ``scipy.linalg`` (``loading``).
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy
import scipy.linalg

from ..runtime import kernels_scipy_linalg as kla
from ..runtime.helpers import unbroadcast
from .refusals import refuse_unless
from .registry import adjoint, tangent


@adjoint(scipy.linalg.expm)
def expm(y, A):
    d[A] = kla.expm_adjoint(d[y], A)


@tangent(scipy.linalg.expm)
def expm(y, A):
    t[y] = kla.expm_frechet(A, t[A])


@adjoint(scipy.linalg.sqrtm)
def sqrtm(y, A):
    d[A] = kla.sqrtm_adjoint(d[y], y)


@tangent(scipy.linalg.sqrtm)
def sqrtm(y, A):
    t[y] = kla.sqrtm_tangent(t[A], y)


# a X + X b = q: with Z solving a^T Z + Z b^T = g, the adjoints are -Z X^T, -X^T Z and Z
@adjoint(scipy.linalg.solve_sylvester)
def solve_sylvester(y, a, b, q):
    g = kla.sylvester(numpy.swapaxes(a, -1, -2), numpy.swapaxes(b, -1, -2), d[y])
    d[a] = unbroadcast(-g @ numpy.swapaxes(y, -1, -2), a)
    d[b] = unbroadcast(-numpy.swapaxes(y, -1, -2) @ g, b)
    d[q] = unbroadcast(g, q)


@tangent(scipy.linalg.solve_sylvester)
def solve_sylvester(y, a, b, q):
    t[y] = kla.sylvester(a, b, t[q] - t[a] @ y - y @ t[b])


@adjoint(scipy.linalg.solve_banded)
def solve_banded(y, l_and_u, ab, b, overwrite_ab=False, overwrite_b=False, check_finite=True):
    g = kla.solve_banded_adjoint(l_and_u, ab, d[y])
    d[ab] = kla.banded_outer(l_and_u, g, y, ab)
    d[b] = g


@tangent(scipy.linalg.solve_banded)
def solve_banded(y, l_and_u, ab, b, overwrite_ab=False, overwrite_b=False, check_finite=True):
    t[y] = scipy.linalg.solve_banded(l_and_u, ab, t[b] - kla.banded_matvec(l_and_u, t[ab], y))


# ---------------------------------------------- tangents of the kernels (second derivatives)


@tangent(kla.sylvester)
def sylvester_(out, a, b, q):
    t[out] = kla.sylvester(a, b, t[q] - t[a] @ out - out @ t[b])


@tangent(kla.expm_frechet)
def expm_frechet_(out, a, e):
    t[out] = kla.expm_frechet(a, t[e]) + kla.expm_second(a, e, t[a])


@tangent(kla.expm_adjoint)
def expm_adjoint_(out, g, a):
    t[out] = kla.expm_frechet(numpy.swapaxes(a, -1, -2), t[g]) + \
        kla.expm_second(numpy.swapaxes(a, -1, -2), g, numpy.swapaxes(t[a], -1, -2))


@tangent(kla.sqrtm_adjoint)
def sqrtm_adjoint_(out, g, x):
    t[out] = kla.sqrtm_adjoint(t[g] - numpy.swapaxes(t[x], -1, -2) @ out - out @ numpy.swapaxes(t[x], -1, -2), x)


@tangent(kla.sqrtm_tangent)
def sqrtm_tangent_(out, e, x):
    t[out] = kla.sqrtm_tangent(t[e] - t[x] @ out - out @ t[x], x)


@tangent(kla.banded_transpose)
def banded_transpose_(out, l_and_u, ab):
    t[out] = kla.banded_transpose(l_and_u, t[ab])


@tangent(kla.banded_matvec)
def banded_matvec_(out, l_and_u, ab, x):
    t[out] = kla.banded_matvec(l_and_u, t[ab], x) + kla.banded_matvec(l_and_u, ab, t[x])


@tangent(kla.banded_outer)
def banded_outer_(out, l_and_u, g, x, like):
    t[out] = kla.banded_outer(l_and_u, t[g], x, like) + kla.banded_outer(l_and_u, g, t[x], like)


# z solves A^T z = g: its tangent solves A^T dz = dg - dA^T z
@tangent(kla.solve_banded_adjoint)
def solve_banded_adjoint_(out, l_and_u, ab, g):
    t[out] = kla.solve_banded_adjoint(l_and_u, ab, t[g] - kla.banded_matvec(
        (l_and_u[1], l_and_u[0]), kla.banded_transpose(l_and_u, t[ab]), out))


def _not_overwritten(args):
    """The adjoint reads the band and the forward result: solve_banded must not overwrite its inputs."""
    for name in ("overwrite_ab", "overwrite_b"):
        if args.get(name, False) is not False:
            return ("srcdiff differentiates scipy.linalg.solve_banded only with %s=False (its adjoint "
                    "reads the inputs again)" % name, "Drop the argument %s." % name)
    return None


refuse_unless(scipy.linalg.solve_banded, _not_overwritten, unknown=True)
