"""Rules for complex numbers in NumPy (real, imag, conj, angle) and the convention all rules follow.

Convention (JAX's): the gradient srcdiff returns for a complex input ``z = x + iy`` of a
real-valued function ``L`` is

    grad = dL/dx - i dL/dy  =  2 dL/dz  =  conj(dL/dx + i dL/dy),

that is, the conjugate of the steepest-ascent direction (gradient descent on ``z`` steps along
``-conj(grad)``). A cotangent ``g`` of a value ``w`` pairs with a change ``dw`` as
``Re(sum(g * dw))`` (no conjugate), so for a holomorphic function the rule is the real one,
``d[x] = d[y] * f'(x)``, and vector-Jacobian products need no conjugation. Non-holomorphic
functions conjugate explicitly: ``conj`` gives ``conj(g)``, ``real`` gives ``real(g)``, ``imag``
gives ``-i real(g)``, ``abs`` gives ``real(g) * conj(z) / |z|`` and ``angle`` gives
``-i real(g) / z`` (0 at z = 0). Rules whose result is real take the real part of the incoming
adjoint, which may carry an imaginary part from complex coefficients downstream. Tangents are
ordinary directional derivatives (``t[y] = f'(x) t[x]`` for holomorphic ``f``).
For a real argument the gradient returned is real.
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import numpy

from ..runtime.kernels_math import angle_adjoint, angle_tangent, imag_adjoint
from .registry import adjoint, shapes, tangent


@adjoint(numpy.real, elementwise=True)
def real(y, val):
    d[val] = numpy.real(d[y])


@tangent(numpy.real)
def real(y, val):
    t[y] = numpy.real(t[val])


@adjoint(numpy.imag, elementwise=True)
def imag(y, val):
    d[val] = imag_adjoint(d[y], val)


@tangent(numpy.imag)
def imag(y, val):
    t[y] = numpy.imag(t[val])


@adjoint(numpy.conjugate)
def conjugate(y, x):
    d[x] = numpy.conj(d[y])


@tangent(numpy.conjugate)
def conjugate(y, x):
    t[y] = numpy.conj(t[x])


@adjoint(numpy.angle, elementwise=True)
def angle(y, z, deg=False):
    d[z] = angle_adjoint(d[y], z, deg)


@tangent(numpy.angle)
def angle(y, z, deg=False):
    t[y] = angle_tangent(t[z], z, deg)


shapes(elementwise=(numpy.real, numpy.imag, numpy.angle))
