"""Numeric helpers for ``scipy.integrate.odeint`` rules: the adjoint and the forward sensitivity equations.

The user's right-hand side ``func(y, t, *args)`` is differentiated by srcdiff itself (``vjp``/``jvp``
at run time, generated once and cached); the extra equations are integrated with ``odeint`` at the
user's tolerances. With ys = odeint(func, y0, t, args) and cotangents g_i of the rows ys[i]:

- reverse: a' = -a f_y and q' = -a f_p, integrated from t[-1] back to t[0] beside y (restarted from
  ys[i] at each t[i], where g_i is added to a); then d y0 = a(t0), d args = q(t0), and
  d t[i] = g_i . f(ys[i], t[i]) for i > 0, d t[0] = -a(t0) . f(y0, t0) (before g_0 is added);
- forward: s' = f_y s + f_p dp from s(t0) = dy0 - f(y0, t0) dt0, and the rows get s + f(ys[i], t[i]) dt[i].
"""
from __future__ import annotations

import numpy
import scipy.integrate


def _float_positions(args):
    """The positions in ``args`` that hold real floating values (the others are data: ints, strings...)."""
    out = []
    for i, a in enumerate(args):
        arr = numpy.asarray(a) if isinstance(a, (int, float, numpy.ndarray, numpy.generic, list)) else None
        if arr is not None and arr.dtype.kind == "f":
            out.append(i)
    return out


def _solve(rhs, z0, times, rtol, atol, mxstep, hmax):
    out = scipy.integrate.odeint(rhs, z0, times, rtol=rtol, atol=atol, mxstep=mxstep, hmax=hmax)
    return out[-1]


def odeint_adjoint(g, func, ys, t, args=None, rtol=None, atol=None, mxstep=0, hmax=0.0):
    """(d y0, d t, d args) of ``ys = odeint(func, y0, t, args)`` for the cotangent ``g`` of ``ys``."""
    from ..pullbacks import vjp
    args = () if args is None else tuple(args)
    floats = _float_positions(args)
    wrt = (0,) + tuple(2 + i for i in floats)
    pull = vjp(func, wrt=wrt)
    shapes = [numpy.shape(args[i]) for i in floats]
    sizes = [int(numpy.prod(s)) for s in shapes]
    n = numpy.size(ys[0])
    g = numpy.reshape(numpy.asarray(g, dtype=float), (len(t), n))
    ys = numpy.reshape(numpy.asarray(ys, dtype=float), (len(t), n))
    y_shape = numpy.shape(ys[0])

    def rhs(z, s):
        y, a = z[:n], z[n:2 * n]
        value, pullback = pull(y.reshape(y_shape), s, *args)
        ct = a.reshape(y_shape)
        grads = pullback(type(value)(ct[k] for k in range(len(value))) if isinstance(value, (list, tuple)) else ct)
        parts = [numpy.ravel(numpy.asarray(value, dtype=float)), -numpy.ravel(grads[0])]
        parts += [-numpy.ravel(numpy.asarray(gp, dtype=float)) for gp in grads[1:]]
        return numpy.concatenate(parts)

    a = g[-1].copy()
    q = numpy.zeros(sum(sizes))
    d_t = numpy.zeros(len(t))
    for i in range(len(t) - 1, 0, -1):
        f_i = numpy.ravel(numpy.asarray(func(ys[i].reshape(y_shape), t[i], *args), dtype=float))
        d_t[i] = numpy.dot(g[i], f_i)
        z = _solve(rhs, numpy.concatenate([ys[i], a, q]), [t[i], t[i - 1]], rtol, atol, mxstep, hmax)
        a, q = z[n:2 * n] + g[i - 1], z[2 * n:]
    f_0 = numpy.ravel(numpy.asarray(func(ys[0].reshape(y_shape), t[0], *args), dtype=float))
    d_t[0] = -numpy.dot(a - g[0], f_0)
    d_args = [0.0] * len(args)
    offset = 0
    for i, shape, size in zip(floats, shapes, sizes):
        part = q[offset:offset + size].reshape(shape)
        d_args[i] = part if shape else float(part)
        offset += size
    return a.reshape(y_shape), d_t, d_args


def odeint_tangent(ys, func, t, args, t_y0, t_t, t_args, rtol=None, atol=None, mxstep=0, hmax=0.0):
    """The tangent of ``ys = odeint(func, y0, t, args)`` along (t_y0, t_t, t_args); None for no tangent."""
    from ..derivatives import jvp
    args = () if args is None else tuple(args)
    floats = [i for i in _float_positions(args) if t_args is not None and t_args[i] is not None]
    wrt = (0,) + tuple(2 + i for i in floats)
    dirs = tuple(numpy.asarray(t_args[i], dtype=float) if numpy.ndim(t_args[i]) else float(t_args[i])
                 for i in floats)
    n = numpy.size(ys[0])
    y_shape = numpy.shape(ys[0])
    flat = numpy.reshape(numpy.asarray(ys, dtype=float), (len(t), n))

    def f(y, s):
        return numpy.ravel(numpy.asarray(func(numpy.reshape(y, y_shape), s, *args), dtype=float))

    def rhs(z, s):
        y, v = z[:n], z[n:]
        value, tangent = jvp(func, (y.reshape(y_shape), s) + args, (v.reshape(y_shape),) + dirs, wrt=wrt)
        return numpy.concatenate([numpy.ravel(value), numpy.ravel(tangent)])

    out = numpy.zeros((len(t), n))
    v = numpy.zeros(n) if t_y0 is None else numpy.ravel(numpy.asarray(t_y0, dtype=float)).copy()
    out[0] = v
    if t_t is not None:
        v = v - f(flat[0], t[0]) * t_t[0]
    for i in range(1, len(t)):
        v = _solve(rhs, numpy.concatenate([flat[i - 1], v]), [t[i - 1], t[i]], rtol, atol, mxstep, hmax)[n:]
        out[i] = v + (f(flat[i], t[i]) * t_t[i] if t_t is not None else 0.0)
    return out.reshape(numpy.shape(ys))
