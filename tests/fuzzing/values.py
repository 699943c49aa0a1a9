"""Limits, value predicates and source-text helpers the fuzzer's generator uses."""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np

BOUND = 1e3        # |value| limit for every intermediate value at the test point
KINK = 1e-3        # minimal distance of a value from a kink / branch boundary (non-constant values)
MAX_ENTRIES = 36   # largest array the generator creates
MARGIN = 0.02      # relative margin of run-time conditions: |v - c| > MARGIN * (1 + |c|)


def shape(v):
    return np.shape(v)


def size(v):
    return int(np.prod(shape(v), dtype=int))


def is_num(v):
    if isinstance(v, bool):
        return False
    if isinstance(v, float):
        return True
    if isinstance(v, (np.ndarray, np.generic)):
        return np.asarray(v).dtype.kind == "f"
    return False


def finite_bounded(v):
    try:
        a = np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        return True
    return bool(np.all(np.isfinite(a)) and (a.size == 0 or np.max(np.abs(a)) <= BOUND))


def bshape(a, b):
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        return None


def fits(small, big):
    """``small`` broadcasts into ``big`` without growing it."""
    return bshape(small, big) == tuple(big)


def near(v, points, tol=KINK):
    """Some entry of ``v`` is within ``tol`` of a kink point without being exactly on it."""
    a = np.asarray(v, dtype=float).ravel()
    for p in points:
        d = np.abs(a - p)
        if np.any((d > 0) & (d < tol * (1 + abs(p)))):
            return True
    return False


def near_periodic(v, period, offset=0.0):
    a = (np.asarray(v, dtype=float).ravel() - offset) / period
    d = np.abs(a - np.round(a)) * period
    return bool(np.any((d > 0) & (d < KINK)))


def ties(v, axis=None, key=None):
    """A max/min reduction of ``v`` along ``axis`` has a near-tie (two entries closer than KINK
    but not equal) for its extremum."""
    a = np.asarray(v, dtype=float)
    if key is not None:
        a = key(a)
    if a.ndim == 0:
        return False
    if axis is None:
        axes = tuple(range(a.ndim))
    else:
        axes = tuple(ax % a.ndim for ax in (axis if isinstance(axis, tuple) else (axis,)))
    rest = [i for i in range(a.ndim) if i not in axes]
    m = np.transpose(a, rest + list(axes)).reshape(int(np.prod([a.shape[i] for i in rest], dtype=int)), -1)
    for row in m:
        for vals in (np.sort(row)[::-1], np.sort(row)):
            if len(vals) > 1:
                d = abs(vals[0] - vals[1])
                if 0 < d < KINK * (1 + abs(vals[0])):
                    return True
    return False


def fmt(c):
    """A short literal for a float constant."""
    r = float("%.4g" % c)
    s = repr(r)
    return s if "e" not in s else "%.6f" % r


def strip_parens(src):
    if src.startswith("(") and src.endswith(")"):
        depth = 0
        for i, ch in enumerate(src):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0 and i < len(src) - 1:
                return src
        return src[1:-1]
    return src


_ATOM = re.compile(r"^[A-Za-z_][A-Za-z_0-9.]*(\[[^\[\]]*\])*$|^\d+(\.\d+)?$")


def par(src):
    """``src`` as an operand: parenthesized unless it is a name, call, subscript or unsigned number."""
    if _ATOM.match(src) or (src.startswith("(") and strip_parens(src) != src):
        return src
    if re.match(r"^[A-Za-z_][A-Za-z_0-9.]*\(.*\)$", src) and _balanced_call(src):
        return src
    return "(" + src + ")"


def _balanced_call(src):
    depth = 0
    start = src.index("(")
    for i, ch in enumerate(src[start:], start):
        depth += ch in "(["
        depth -= ch in ")]"
        if depth == 0:
            return i == len(src) - 1
    return False


@dataclass
class E:
    src: str
    val: object


@dataclass
class Var:
    kind: str           # "num" (float or float array), "int", "list", "dict", "seq" (list being built)
    arg: bool = False   # an argument (or part of one): never written


def _leaves(x):
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _leaves(item)]
    if isinstance(x, dict):
        return [leaf for v in x.values() for leaf in _leaves(v)]
    return [x]


def _axis_sets(nd):
    out = [(i,) for i in range(nd)]
    if nd >= 2:
        out += [tuple(c) for c in itertools.combinations(range(nd), 2)]
    return out


def _factorizations(n):
    out = [(n,)]
    for a in range(2, n):
        if n % a == 0:
            out.append((a, n // a))
            for b in range(2, n // a):
                if (n // a) % b == 0:
                    out.append((a, b, n // a // b))
    if n == 1:
        out.append((1, 1))
    return out
