"""Rules for ``numpy.linalg``: adjoint (reverse) and tangent (forward) templates side by side."""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from .kernels import det_adjoint, norm_adjoint, norm_tangent, solve_adjoint_a
from .registry import adjoint, refuse_unless, tangent


@adjoint(numpy.linalg.inv)
def inv(y, a):
    d[a] = -numpy.swapaxes(y, -1, -2) @ d[y] @ numpy.swapaxes(y, -1, -2)


@tangent(numpy.linalg.inv)
def inv(y, a):
    t[y] = -y @ t[a] @ y


@adjoint(numpy.linalg.det)
def det(y, a):
    d[a] = det_adjoint(d[y], a, y)


@tangent(numpy.linalg.det)
def det(y, a):
    t[y] = y * numpy.trace(numpy.linalg.solve(a, t[a]), axis1=-2, axis2=-1)


@adjoint(numpy.linalg.solve)
def solve(y, a, b):
    g = numpy.linalg.solve(numpy.swapaxes(a, -1, -2), d[y])
    d[a] = solve_adjoint_a(g, y)
    d[b] = g


@tangent(numpy.linalg.solve)
def solve(y, a, b):
    t[y] = numpy.linalg.solve(a, t[b] - t[a] @ y)


@adjoint(numpy.linalg.norm)
def norm(y, x, ord=None, axis=None, keepdims=False):
    d[x] = norm_adjoint(d[y], x, y, ord, axis, keepdims)


@tangent(numpy.linalg.norm)
def norm(y, x, ord=None, axis=None, keepdims=False):
    t[y] = norm_tangent(t[x], x, y, ord, axis, keepdims)



def _norm_check(args):
    ord_ = args.get("ord")
    known = (None, "fro", "nuc", 0, 1, -1, 2, -2, float("inf"), float("-inf"))
    if ord_ in known or isinstance(ord_, (int, float)) and not isinstance(ord_, bool) and ord_ >= 1:
        return None
    return ("srcdiff differentiates numpy.linalg.norm for ord=None, 'fro', 'nuc', +-1, +-2, +-inf and vector "
            "p-norms with p >= 1; got ord=%r" % (ord_,),
            "Write the norm out with NumPy (for example numpy.sqrt(numpy.sum(x ** 2))).")


refuse_unless(numpy.linalg.norm, _norm_check)
