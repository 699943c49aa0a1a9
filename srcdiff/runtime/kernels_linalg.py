"""Numeric helpers for linear-algebra rules (batched over leading axes; real matrices unless noted:
complex cholesky, qr, eigh, eigvalsh, svd, svdvals and pinv go to ``kernels_linalg_complex``)."""
from __future__ import annotations

import numpy

from . import kernels_linalg_complex as cx
from .kernels import refuse


def _T(x):
    return numpy.swapaxes(x, -1, -2)


def _eye_like(x, n):
    return numpy.broadcast_to(numpy.eye(n), numpy.shape(x)[:-2] + (n, n))


def _diag_embed(v):
    """Batched ``numpy.diag`` of the last axis."""
    n = numpy.shape(v)[-1]
    return numpy.expand_dims(v, -1) * numpy.eye(n)


def _from_triangle(x, lower=True):
    """The symmetric matrix a routine that reads only one triangle of ``x`` sees."""
    part = numpy.tril(x, -1) if lower else numpy.triu(x, 1)
    return part + _T(part) + _diag_embed(numpy.diagonal(x, 0, -2, -1))


def _to_triangle(m, lower=True):
    """Gradient of ``f(_from_triangle(A))`` from a gradient ``m`` valid for symmetric perturbations."""
    both = m + _T(m)
    part = numpy.tril(both, -1) if lower else numpy.triu(both, 1)
    return part + _diag_embed(numpy.diagonal(m, 0, -2, -1))


def _gap_inverse(w, square=False):
    """F[i, j] = 1 / (w_j - w_i) (of squares when ``square``), 0 on the diagonal and for equal values."""
    v = w * w if square else w
    gap = numpy.expand_dims(v, -2) - numpy.expand_dims(v, -1)
    return numpy.where(gap == 0, 0.0, 1.0 / numpy.where(gap == 0, 1.0, gap))


def slogdet_sign_adjoint(g_sign, a, sign):
    """The part of ``slogdet``'s adjoint that comes through the sign (0 for real matrices)."""
    if not numpy.iscomplexobj(a):
        return 0.0
    c = numpy.real(1j * g_sign * sign)
    return numpy.expand_dims(c, (-1, -2)) * (-1j) * _T(numpy.linalg.inv(a))


def slogdet_sign_adjoint_tangent(tg, ta, tsign, g_sign, a, sign):
    """Tangent of ``slogdet_sign_adjoint(g_sign, a, sign)`` in all three of its inputs."""
    if not numpy.iscomplexobj(a):
        return 0.0
    inv = numpy.linalg.inv(a)
    c = numpy.real(1j * g_sign * sign)
    tc = numpy.real(1j * (tg * sign + g_sign * tsign))
    t_inv = -(inv @ ta @ inv)
    return (numpy.expand_dims(tc, (-1, -2)) * _T(inv) + numpy.expand_dims(c, (-1, -2)) * _T(t_inv)) * (-1j)


def slogdet_tangent(ta, a, y):
    """Tangent of ``numpy.linalg.slogdet``: (sign's, log|det|'s) from trace(solve(a, ta))."""
    sign, _ = y
    tr = numpy.trace(numpy.linalg.solve(a, ta), axis1=-2, axis2=-1)
    if numpy.iscomplexobj(tr):
        return sign * 1j * numpy.imag(tr), numpy.real(tr)
    return numpy.zeros(numpy.shape(sign)), tr


def matrix_power_adjoint(g, a, n):
    """Adjoint of ``numpy.linalg.matrix_power(a, n)``: sum over k of (a^T)^k g (a^T)^(n-1-k)."""
    if n == 0:
        return numpy.zeros(numpy.shape(a))
    if n < 0:
        b = numpy.linalg.inv(a)
        gb = matrix_power_adjoint(g, b, -n)
        return -_T(b) @ gb @ _T(b)
    powers = [_eye_like(a, numpy.shape(a)[-1])]
    for _ in range(n - 1):
        powers.append(powers[-1] @ a)
    total = 0.0
    for k in range(n):
        total = total + _T(powers[k]) @ g @ _T(powers[n - 1 - k])
    return total


def matrix_power_tangent(ta, a, n):
    """Tangent of ``numpy.linalg.matrix_power(a, n)``."""
    if n == 0:
        return numpy.zeros(numpy.shape(a))
    if n < 0:
        b = numpy.linalg.inv(a)
        return matrix_power_tangent(-b @ ta @ b, b, -n)
    powers = [_eye_like(a, numpy.shape(a)[-1])]
    for _ in range(n - 1):
        powers.append(powers[-1] @ a)
    total = 0.0
    for k in range(n):
        total = total + powers[k] @ ta @ powers[n - 1 - k]
    return total


def _chain(arrays):
    """The operands of ``multi_dot`` as matrices (a first vector is a row, a last one a column)."""
    mats = [numpy.asarray(m) for m in arrays]
    if mats[0].ndim == 1:
        mats[0] = mats[0][None, :]
    if mats[-1].ndim == 1:
        mats[-1] = mats[-1][:, None]
    return mats


def multi_dot_adjoint(g, arrays):
    """Adjoint of ``numpy.linalg.multi_dot(arrays)`` with respect to each array."""
    mats = _chain(arrays)
    G = numpy.reshape(g, (mats[0].shape[0], mats[-1].shape[1]))
    prefix = [numpy.eye(mats[0].shape[0])]
    for m in mats[:-1]:
        prefix.append(prefix[-1] @ m)
    suffix = [numpy.eye(mats[-1].shape[1])]
    for m in mats[:0:-1]:
        suffix.append(m @ suffix[-1])
    suffix = suffix[::-1]
    return [numpy.reshape(prefix[i].T @ G @ suffix[i].T, numpy.shape(arrays[i])) for i in range(len(mats))]


def multi_dot_tangent(arrays, tangents):
    """Tangent of ``numpy.linalg.multi_dot``: one product per operand with that operand's tangent."""
    total = 0.0
    for i in range(len(arrays)):
        total = total + numpy.linalg.multi_dot(list(arrays[:i]) + [tangents[i]] + list(arrays[i + 1:]))
    return total


def pinv_adjoint(g, a, p):
    """Adjoint of ``numpy.linalg.pinv`` (constant rank): the transpose of its derivative."""
    if numpy.iscomplexobj(p):
        return cx.pinv_adjoint(g, a, p)
    m, n = numpy.shape(a)[-2:]
    left = _eye_like(a, m) - a @ p  # I - A A+
    right = _eye_like(a, n) - p @ a  # I - A+ A
    return -_T(p) @ g @ _T(p) + left @ _T(g) @ p @ _T(p) + _T(p) @ p @ _T(g) @ right


def pinv_tangent(ta, a, p):
    """Tangent of ``numpy.linalg.pinv`` (constant rank)."""
    if numpy.iscomplexobj(p) or numpy.iscomplexobj(ta):
        return cx.pinv_tangent(ta, a, p)
    m, n = numpy.shape(a)[-2:]
    left = _eye_like(a, m) - a @ p
    right = _eye_like(a, n) - p @ a
    return -p @ ta @ p + p @ _T(p) @ _T(ta) @ left + right @ _T(ta) @ _T(p) @ p


def _phi(x):
    """The lower triangle of ``x`` with its diagonal halved."""
    return numpy.tril(x, -1) + 0.5 * _diag_embed(numpy.diagonal(x, 0, -2, -1))


def cholesky_adjoint(g, factor, upper=False):
    """Adjoint of ``numpy.linalg.cholesky``; the factorization reads one triangle of its input only."""
    if numpy.iscomplexobj(factor):
        return cx.cholesky_adjoint(g, factor, upper)
    low = _T(factor) if upper else factor
    gl = _T(g) if upper else g
    inner = _phi(_T(low) @ gl)
    # m = L^-T inner L^-1
    m = numpy.linalg.solve(_T(low), _T(numpy.linalg.solve(_T(low), _T(inner))))
    out = _to_triangle(m, lower=True)
    return _T(out) if upper else out


def cholesky_tangent(ta, factor, upper=False):
    """Tangent of ``numpy.linalg.cholesky``: L Phi(L^-1 S L^-T) for the symmetric S it reads."""
    if numpy.iscomplexobj(factor) or numpy.iscomplexobj(ta):
        return cx.cholesky_tangent(ta, factor, upper)
    low = _T(factor) if upper else factor
    s = _from_triangle(_T(ta) if upper else ta, lower=True)
    x = numpy.linalg.solve(low, _T(numpy.linalg.solve(low, _T(s))))
    out = low @ _phi(x)
    return _T(out) if upper else out


def _qr_checked(a):
    """``a``, after refusing wide matrices (their QR adjoint needs another formula)."""
    m, n = numpy.shape(a)[-2:]
    if m < n:
        a = refuse(a, "srcdiff differentiates numpy.linalg.qr of matrices with at least as many rows as columns; "
                   "got shape %s" % (numpy.shape(a),))
    return a


def qr_adjoint(g, a, y, mode="reduced"):
    """Adjoint of ``numpy.linalg.qr(a, mode)`` for mode 'reduced' ((gQ, gR), (Q, R)) or 'r' (gR, R)."""
    a = _qr_checked(a)
    if mode == "r":
        q, r = numpy.linalg.qr(a)
        gq, gr = numpy.zeros(numpy.shape(q)), g
    else:
        (gq, gr), (q, r) = g, y
    if numpy.iscomplexobj(q):
        return cx.qr_adjoint(gq, gr, q, r)
    m = r @ _T(gr) - _T(gq) @ q
    copied = numpy.tril(m) + _T(numpy.tril(m, -1))
    b = gq + q @ copied
    return _T(numpy.linalg.solve(r, _T(b)))


def qr_tangent(ta, a, y, mode="reduced"):
    """Tangent of ``numpy.linalg.qr``: dR = (X - W) R and dQ = dA R^-1 - Q (X - W), X = Q^T dA R^-1."""
    a = _qr_checked(a)
    q, r = numpy.linalg.qr(a) if mode == "r" else y
    if numpy.iscomplexobj(q) or numpy.iscomplexobj(ta):
        tq, tr = cx.qr_tangent(ta, q, r)
        return tr if mode == "r" else (tq, tr)
    ta_rinv = _T(numpy.linalg.solve(_T(r), _T(ta)))
    x = _T(q) @ ta_rinv
    low = numpy.tril(x, -1)
    upper_part = x - (low - _T(low))
    tr = upper_part @ r
    if mode == "r":
        return tr
    return ta_rinv - q @ upper_part, tr


def eigh_adjoint(g, y, UPLO="L"):
    """Adjoint of ``numpy.linalg.eigh``: V (diag(gw) + F o (V^T gV)) V^T, mapped to the triangle read."""
    if numpy.iscomplexobj(y[1]):
        return cx.eigh_adjoint(g, y, UPLO)
    (gw, gv), (w, v) = g, y
    inner = _diag_embed(gw) + _gap_inverse(w) * (_T(v) @ gv)
    return _to_triangle(v @ inner @ _T(v), lower=UPLO == "L")


def eigh_tangent(ta, y, UPLO="L"):
    """Tangent of ``numpy.linalg.eigh``: (diag(P), V (F o P)) with P = V^T S V."""
    if numpy.iscomplexobj(y[1]) or numpy.iscomplexobj(ta):
        return cx.eigh_tangent(ta, y, UPLO)
    w, v = y
    p = _T(v) @ _from_triangle(ta, lower=UPLO == "L") @ v
    return numpy.diagonal(p, 0, -2, -1), v @ (_gap_inverse(w) * p)


def eigvalsh_adjoint(g, a, UPLO="L"):
    """Adjoint of ``numpy.linalg.eigvalsh``: V diag(g) V^T, mapped to the triangle read."""
    if numpy.iscomplexobj(a):
        return cx.eigvalsh_adjoint(g, a, UPLO)
    _, v = numpy.linalg.eigh(a, UPLO=UPLO)
    return _to_triangle(v @ _diag_embed(g) @ _T(v), lower=UPLO == "L")


def eigvalsh_tangent(ta, a, UPLO="L"):
    """Tangent of ``numpy.linalg.eigvalsh``: diag(V^T S V)."""
    if numpy.iscomplexobj(a) or numpy.iscomplexobj(ta):
        return cx.eigvalsh_tangent(ta, a, UPLO)
    _, v = numpy.linalg.eigh(a, UPLO=UPLO)
    return numpy.diagonal(_T(v) @ _from_triangle(ta, lower=UPLO == "L") @ v, 0, -2, -1)


def _svd_reduced(g, y, full_matrices):
    """(gU, gS, gV, U, S, V) of the thin SVD; refuse adjoints that reach full_matrices' extra columns."""
    (gu, gs, gvh), (u, s, vh) = g, y
    k = numpy.shape(s)[-1]
    if full_matrices and (numpy.shape(u)[-1] != k or numpy.shape(vh)[-2] != k):
        if numpy.any(gu[..., :, k:] != 0) or numpy.any(gvh[..., k:, :] != 0):
            gu = refuse(gu, "the extra singular vectors of numpy.linalg.svd(a, full_matrices=True) are arbitrary "
                        "and have no derivative; use full_matrices=False")
        u, gu, vh, gvh = u[..., :, :k], gu[..., :, :k], vh[..., :k, :], gvh[..., :k, :]
    if numpy.iscomplexobj(vh):  # v = vh^H; its cotangent is gvh^H under srcdiff's convention
        return gu, gs, numpy.conj(_T(gvh)), u, s, numpy.conj(_T(vh))
    return gu, gs, _T(gvh), u, s, _T(vh)


def svd_adjoint(g, a, y, full_matrices=True):
    """Adjoint of ``numpy.linalg.svd`` (real; distinct non-zero singular values)."""
    gu, gs, gv, u, s, v = _svd_reduced(g, y, full_matrices)
    if numpy.iscomplexobj(v):
        return cx.svd_adjoint(gu, gs, gv, u, s, v)
    f = _gap_inverse(s, square=True)
    utgu, vtgv = _T(u) @ gu, _T(v) @ gv
    row, col = numpy.expand_dims(s, -2), numpy.expand_dims(s, -1)  # s_j across, s_i down
    inner = f * (utgu - _T(utgu)) * row + _diag_embed(gs) + col * (f * (vtgv - _T(vtgv)))
    inv_s = 1.0 / numpy.where(s == 0, numpy.inf, s)
    out = u @ inner @ _T(v)
    out = out + ((gu - u @ utgu) * numpy.expand_dims(inv_s, -2)) @ _T(v)
    out = out + u @ (numpy.expand_dims(inv_s, -1) * (_T(gv) - (_T(gv) @ v) @ _T(v)))
    return out


def svd_tangent(ta, a, y, full_matrices=True):
    """Tangent of ``numpy.linalg.svd`` (zero for the arbitrary extra columns of full_matrices=True)."""
    u, s, vh = y
    k = numpy.shape(s)[-1]
    ur, vr = u[..., :, :k], _T(vh[..., :k, :])
    if numpy.iscomplexobj(vh) or numpy.iscomplexobj(ta):
        tu, ts, tv = cx.svd_tangent(ta, ur, s, numpy.conj(vr))
        return _svd_padded(tu, ts, numpy.conj(_T(tv)), u, vh)
    p = _T(ur) @ ta @ vr
    f = _gap_inverse(s, square=True)
    row, col = numpy.expand_dims(s, -2), numpy.expand_dims(s, -1)
    inv_s = 1.0 / numpy.where(s == 0, numpy.inf, s)
    m, n = numpy.shape(ta)[-2:]
    tu = ur @ (f * (p * row + col * _T(p))) + (_eye_like(ta, m) - ur @ _T(ur)) @ ta @ vr * numpy.expand_dims(inv_s, -2)
    tv = vr @ (f * (col * p + _T(p) * row)) + (_eye_like(ta, n) - vr @ _T(vr)) @ _T(ta) @ ur * \
        numpy.expand_dims(inv_s, -2)
    return _svd_padded(tu, numpy.diagonal(p, 0, -2, -1), _T(tv), u, vh)


def _svd_padded(tu, ts, tvh, u, vh):
    """The thin SVD's tangents, with zeros for the arbitrary extra columns of full_matrices=True."""
    k = numpy.shape(ts)[-1]
    if numpy.shape(u)[-1] != k:
        tu = numpy.concatenate([tu, numpy.zeros(numpy.shape(u)[:-1] + (numpy.shape(u)[-1] - k,))], axis=-1)
    if numpy.shape(vh)[-2] != k:
        tvh = numpy.concatenate([tvh, numpy.zeros(numpy.shape(vh)[:-2] + (numpy.shape(vh)[-2] - k,) +
                                                  numpy.shape(vh)[-1:])], axis=-2)
    return tu, ts, tvh


def svdvals_adjoint(g, a):
    """Adjoint of the singular values of ``a``: U diag(g) V^T."""
    if numpy.iscomplexobj(a):
        return cx.svdvals_adjoint(g, a)
    u, _, vh = numpy.linalg.svd(a, full_matrices=False)
    return u @ (numpy.expand_dims(g, -1) * vh)


def svdvals_tangent(ta, a):
    """Tangent of the singular values of ``a``: diag(U^T ta V)."""
    if numpy.iscomplexobj(a) or numpy.iscomplexobj(ta):
        return cx.svdvals_tangent(ta, a)
    u, _, vh = numpy.linalg.svd(a, full_matrices=False)
    return numpy.diagonal(_T(u) @ ta @ _T(vh), 0, -2, -1)


def lstsq_adjoint(g, a, b, y):
    """Adjoint of ``numpy.linalg.lstsq`` (full rank) through x, the residuals and the singular values:
    (adjoint of a, adjoint of b)."""
    gx, gres, _, gs = g
    x, res, _, _ = y
    p = numpy.linalg.pinv(a)
    vector = numpy.ndim(b) == 1
    B, X, GX = (v[:, None] if vector else v for v in (b, x, gx))
    da = pinv_adjoint(GX @ B.T, a, p)
    db = p.T @ GX
    if numpy.size(res) and numpy.any(gres != 0):
        r = B - a @ X  # residuals are sums of |r|^2: conj(r) is their partial (see numpy_complex)
        weighted = 2.0 * (numpy.conj(r) if numpy.iscomplexobj(r) else r) * numpy.reshape(numpy.real(gres), (1, -1))
        db = db + weighted
        da = da - weighted @ X.T
    if numpy.any(gs != 0):
        da = da + svdvals_adjoint(gs, a)
    return da, (db[:, 0] if vector else db)


def lstsq_tangent(ta, tb, a, b, y):
    """Tangent of ``numpy.linalg.lstsq`` (full rank): (x's, residuals', 0 for the rank, singular values')."""
    x, res, _, _ = y
    p = numpy.linalg.pinv(a)
    tx = pinv_tangent(ta, a, p) @ b + p @ tb
    tres = numpy.zeros(numpy.shape(res))
    if numpy.size(res):
        vector = numpy.ndim(b) == 1
        r = b - a @ x
        tr = tb - ta @ x
        tres = 2.0 * numpy.real(numpy.sum((numpy.conj(r) if numpy.iscomplexobj(r) else r) * tr, axis=0))
        tres = numpy.reshape(tres, numpy.shape(res)) if not vector else numpy.reshape(tres, (1,))
    return tx, tres, 0.0, svdvals_tangent(ta, a)
