"""Rules for ``scipy.integrate.odeint`` by the adjoint method (reverse) and the sensitivity equations (forward).

The right-hand side ``func(y, t, *args)`` must be a function srcdiff can differentiate; the kernels of
``runtime.kernels_integrate`` differentiate it at run time and integrate the extra equations with
``odeint`` itself, at the call's ``rtol``/``atol``. Gradients reach ``y0``, the time points ``t`` and
the floating values in ``args``. Imported only once the user's code has imported ``scipy.integrate``.
"""
# Template bodies use d[...] and t[...]; linters do not know those names.
# ruff: noqa: F821, F811
import scipy.integrate

from ..runtime import kernels_integrate as kint
from ..runtime.kernels import refuse
from .refusals import refuse_derivative
from .registry import adjoint, tangent


@adjoint(scipy.integrate.odeint)
def odeint(y, func, y0, t, args=None, Dfun=None, rtol=None, atol=None, mxstep=0, hmax=0.0):
    g = kint.odeint_adjoint(d[y], func, y, t, args, rtol, atol, mxstep, hmax)
    d[y0] = g[0]
    d[t] = g[1]
    d[args] = g[2]


@tangent(scipy.integrate.odeint)
def odeint(y, func, y0, t, args=None, Dfun=None, rtol=None, atol=None, mxstep=0, hmax=0.0):
    t[y] = kint.odeint_tangent(y, func, t, args, t[y0], t[t], t[args], rtol, atol, mxstep, hmax)


# Second derivatives would differentiate the adjoint solve itself: refused where a varied value reaches the
# kernels (the tangent templates below are never filled; they make the kernels rules, not code to transform).
_SECOND = ("srcdiff has no second derivative of scipy.integrate.odeint (forward or reverse mode over its derivative)",
           "Take one derivative through odeint, or integrate the ODE with your own loop of steps.")


@tangent(kint.odeint_adjoint)
def odeint_adjoint_(out, g, func, ys, t, args=None, rtol=None, atol=None, mxstep=0, hmax=0.0):
    t[out] = refuse(out, "srcdiff has no second derivative of scipy.integrate.odeint")


@tangent(kint.odeint_tangent)
def odeint_tangent_(out, ys, func, t, args, t_y0, t_t, t_args, rtol=None, atol=None, mxstep=0, hmax=0.0):
    t[out] = refuse(out, "srcdiff has no second derivative of scipy.integrate.odeint")


# reverse mode over the derivative (grad of grad): refused by the same declarations, not by transforming the kernels
@adjoint(kint.odeint_adjoint)
def odeint_adjoint__(out, g, func, ys, t, args=None, rtol=None, atol=None, mxstep=0, hmax=0.0):
    d[g] = refuse(d[out], "srcdiff has no second derivative of scipy.integrate.odeint")


@adjoint(kint.odeint_tangent)
def odeint_tangent__(out, ys, func, t, args, t_y0, t_t, t_args, rtol=None, atol=None, mxstep=0, hmax=0.0):
    d[ys] = refuse(d[out], "srcdiff has no second derivative of scipy.integrate.odeint")


refuse_derivative(kint.odeint_adjoint, ("g", "ys", "t", "args"), *_SECOND)
refuse_derivative(kint.odeint_tangent, ("ys", "t", "args", "t_y0", "t_t", "t_args"), *_SECOND)
