"""Inputs the fuzzer makes for issue 15: arrays with a NaN or out-of-domain entry, complex arrays,
and the output terms that use them.

NaN terms come in two kinds, both with a mathematically determined derivative:

* ``guard``: ``np.where(u > 0, np.sqrt(u), 0.0)`` and the like, where the bad entries take the
  other branch, so the value is finite and central differences (taken at the bad point itself:
  NaN +- h is NaN, -0.7 +- h stays negative) give the derivative, 0 through the untaken branch;
* ``propagate``: ``c * np.sum(F(u))`` with ``u`` used nowhere else (a separable term) and ``F``'s
  derivative NaN at the bad entry (any nonlinear ``F`` at NaN; sqrt, fractional powers, arcsin,
  arccos outside their domain). The value is NaN; the derivative along the bad entry is NaN, and
  every other derivative equals the one at a point where the bad entry is replaced by an in-domain
  value (the term is separable), which the runner checks by finite differences there.
"""
from __future__ import annotations

import warnings

import numpy as np

from .choosers import GenFail
from .values import E, fits, fmt, par, shape, strip_parens

# template, bad values, positive-range of the good entries, in-domain replacement for the reference
PROPAGATE = [
    ("np.sqrt({u})", [np.nan, -0.7, -1.3], (0.2, 1.5), 0.5),
    ("{u} ** 0.5", [np.nan, -0.5], (0.2, 1.5), 0.5),
    ("np.power({u}, 1.5)", [np.nan, -0.6], (0.2, 1.5), 0.5),
    ("np.arcsin({u})", [np.nan, 1.5, -1.2], (-0.8, 0.8), 0.3),
    ("np.arccos({u})", [np.nan, 1.4], (-0.8, 0.8), 0.3),
    ("np.log({u})", [np.nan], (0.2, 1.5), 0.5),
    ("np.tanh({u}) ** 2", [np.nan], (-1.0, 1.0), 0.5),
    ("np.exp(np.sin({u}))", [np.nan], (-1.0, 1.0), 0.5),
]
GUARD = [
    ("np.where({u} > 0, np.sqrt({u}), 0.0)", [np.nan, -0.7], (0.2, 1.5)),
    ("np.where({u} > 0, np.log({u}), {u})", [-0.7, -1.2], (0.2, 1.5)),
    ("np.where(np.abs({u}) < 1.0, np.arcsin({u}), 1.0)", [np.nan, 1.5], (-0.8, 0.8)),
    ("np.where(np.isnan({u}), 0.0, {u} ** 2)", [np.nan], (-1.0, 1.0)),
    ("np.where({u} > 0, {u} ** 0.5, -{u})", [-0.4], (0.2, 1.5)),
]

COMPLEX = [  # real-valued terms of the complex argument z (and a real active value a)
    "np.sum(np.abs({z} * {a} + 2.0) ** 2)",
    "np.sum(np.real(np.exp({z}) * {a}))",
    "np.sum(np.abs(np.sin({z}) + 3.0 + {a}))",
    "np.real(np.sum({z} ** 2) * {a})",
    "np.sum(np.imag({z} * np.conj({z}) + 1j * {a}))",
    "np.sum(np.imag({z} ** 2 * {a}))",
    "np.sum(np.abs({z}) ** 2) * {a}",
    "np.var({z}) * {a}",
    "np.std({z}) + np.sum({a})",
    "np.linalg.norm({z} + {a})",
    "np.sum(np.real(np.conj({z}) * {z} * {a}))",
]
COMPLEX_MATRIX = [  # for a 2-d z
    "np.real(np.trace({z} @ {z})) * {a}",
    "np.sum(np.linalg.svd({z}, compute_uv=False)) * {a}",
    "np.sum(np.abs({z} @ np.conj({z}).T)) * {a}",
]
COMPLEX_SQUARE = ["np.sum(np.linalg.eigh({z} + np.conj({z}).T)[0] ** 2) + np.sum({a})"]
FLOAT_COMPLEX = [  # s: a differentiated Python float, w: a Python complex argument
    "np.real({s} * {w})",
    "np.abs({w} * {s} + 2.0) ** 2",
    "np.real({w} * (1 + 1j) * {s}) + np.imag({w} * np.sum({z}))",
    "np.real({s} * (1 + 1j) * np.sum({z}))",
    "np.sum(np.abs(2.0 * {z} + {s}) ** 2)",
    "np.real({s} * (1 + 1j)) * np.sum({a})",
    "np.sum(np.real({s} * {z} * (0.5 - 1j)))",
    "np.imag({s} * 1j + np.sum({z}) * {s})",
]


def loose(gen, src):
    """Evaluate ``src`` in the generator's scope, NaN and complex allowed."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return eval(compile(src, "<gen>", "eval"), gen.scope)
    except Exception as exc:  # noqa: BLE001
        raise GenFail("eval failed: %s: %s" % (src, exc)) from None


def nan_argument(gen, rng):
    """(value of the argument ``u``, info) with one or two bad entries."""
    kind = "propagate" if gen.ch.flip(0.5) else "guard"
    table = PROPAGATE if kind == "propagate" else GUARD
    row = table[gen.ch.int(0, len(table) - 1)]
    template, bads, (lo, hi) = row[0], row[1], row[2]
    shp = gen.ch.choice([(3,), (4,), (2, 2)])
    u = np.round(rng.uniform(lo, hi, size=shp), 6)
    flat = u.reshape(-1)
    nbad = 2 if gen.ch.flip(0.3) else 1
    idx = sorted({gen.ch.int(0, flat.size - 1) for _ in range(nbad)})
    for j in idx:
        flat[j] = gen.ch.choice(bads)
    info = {"kind": kind, "template": template, "bad": [np.unravel_index(j, shp) for j in idx],
            "fill": row[3] if kind == "propagate" else None,
            "nan": any(np.isnan(flat[j]) for j in idx)}
    gen.features.add("nan:%s:%s:%s" % (kind, "NaN" if info["nan"] else "out of domain", template))
    return u, info


def nan_term(gen, info):
    """The output term of ``u`` (source, value); its value is NaN for ``propagate``."""
    t = info["template"].format(u="u")
    if info["kind"] == "guard" and gen.ch.flip(0.3):
        a = gen.scalar_leaf()
        gen.features.add("nan:guard:active")
        src = "np.sum(%s * %s)" % (t, par(a.src))
    else:
        src = "%s * np.sum(%s)" % (fmt(gen.ch.choice([0.5, 2.0, -1.0])), t)
    v = loose(gen, src)
    finite = bool(np.isfinite(v))
    if finite != (info["kind"] == "guard"):
        raise GenFail("nan term value %r for %s" % (v, info["kind"]))
    return src, v


def complex_argument(gen, rng):
    shp = gen.ch.choice([(3,), (2, 2), (3, 2)])
    return np.round(rng.uniform(-1, 1, size=shp), 4) + 1j * np.round(rng.uniform(-1, 1, size=shp), 4)


def active_for(gen, zs):
    items = gen.nums(lambda v: fits(shape(v), zs))
    if items and gen.ch.flip(0.8):
        a = gen.pick(items)
        return E("np.tanh(%s)" % strip_parens(a.src), None)
    return E("0.5", 0.5)


def complex_term(gen, float_complex):
    """A real-valued term of the complex argument ``zc`` (and, for ``float_complex``, of the Python
    float ``sc``); returns (source, value)."""
    z = gen.scope["zc"]
    a = active_for(gen, shape(z))
    if float_complex:
        t = gen.ch.choice(FLOAT_COMPLEX)
        gen.features.add("float_complex:" + t)
    else:
        t = gen.ch.choice(COMPLEX + (COMPLEX_MATRIX if np.ndim(z) == 2 else []) +
                          (COMPLEX_SQUARE if np.ndim(z) == 2 and z.shape[0] == z.shape[1] else []))
        gen.features.add("complex:" + t)
    src = t.format(z="zc", a=a.src, s="sc", w="zs")
    if "svd" in src:
        sv = np.linalg.svd(z, compute_uv=False)
        if np.min(sv) < 0.05 or np.min(np.abs(np.diff(sv))) < 0.05:
            raise GenFail("svd near a degenerate point")
    v = loose(gen, src)
    if np.ndim(v) != 0:
        src = "np.sum(%s)" % src
        v = loose(gen, src)
    if np.iscomplexobj(v) or not np.isfinite(v) or abs(v) > 1e3:
        raise GenFail("complex term value %r" % (v,))
    if "np.abs(" in src:  # the kink of abs at 0
        inner = loose(gen, _abs_args(src))
        if inner is not None and np.min(np.abs(inner)) < 0.05:
            raise GenFail("abs near 0")
    return src, float(v)


def _abs_args(src):
    """The argument of the first np.abs(...) in src (for the kink check)."""
    start = src.index("np.abs(") + len("np.abs(")
    depth = 1
    for k in range(start, len(src)):
        depth += src[k] == "("
        depth -= src[k] == ")"
        if depth == 0:
            return src[start:k]
    return None
