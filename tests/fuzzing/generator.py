"""Random programs of srcdiff's supported language, as source text, with their inputs.

The generator is *concrete*: every statement it writes is executed at once on the test inputs,
so it always knows the exact shape and value of every variable. It uses that to

* pick operands with compatible shapes (broadcasting, products, concatenation, stores);
* keep values in safe domains: ``np.log(v)`` only when every entry of ``v`` is > 0.05 at the test
  point, otherwise the safe form ``np.log(1.0 + v ** 2)``; magnitudes stay below ``BOUND``;
* keep non-smooth points away from the test point (kinks of ``abs``/``maximum``/``clip``/
  ``floor``..., ties of ``max``, mask thresholds) by at least ``KINK`` — or exactly on them for
  values that are constants;
* choose the constant ``c`` of a run-time condition ``expr > c`` far from every value ``expr``
  takes at the test point (for conditions inside loops: over every iteration, by re-running the
  loop with the conditions recorded, then checking the margins once more with the final
  constants).

Inside loop bodies and helper functions only the first iteration / first call is known while
writing, so there domain-sensitive functions use their safe forms; the loop is then run in full
(floating-point errors raise) and dropped if anything overflows.

Every random decision goes through a ``Chooser``: ``HypothesisChooser`` draws from hypothesis
strategies (``programs()``; shrinking prefers the first option of every choice, which is always
the simplest), ``RandomChooser`` uses ``random.Random(seed)`` for fast reproducible long runs.
"""
from __future__ import annotations

import copy
import itertools
import math
import random
import re
import warnings
from dataclasses import dataclass, field

import numpy as np

BOUND = 1e3        # |value| limit for every intermediate value at the test point
KINK = 1e-3        # minimal distance of a value from a kink / branch boundary (non-constant values)
MAX_ENTRIES = 36   # largest array the generator creates
MARGIN = 0.02      # relative margin of run-time conditions: |v - c| > MARGIN * (1 + |c|)


class GenFail(Exception):
    """This attempt at a statement / expression did not work out; try something else."""


# ------------------------------------------------------------------------------------ choosers


class Chooser:
    """Source of every random decision. ``int`` shrinks to ``lo``; ``choice``/``weighted`` shrink to
    the first option; ``flip`` shrinks to False (the optional extra is left out)."""

    def int(self, lo, hi):
        raise NotImplementedError

    def choice(self, seq):
        seq = list(seq)
        return seq[self.int(0, len(seq) - 1)]

    def flip(self, p=0.5):
        return self.int(0, 99) >= round((1 - p) * 100)

    def weighted(self, options):
        """``options``: list of (weight, value); returns a value."""
        options = [(w, v) for w, v in options if w > 0]
        total = sum(w for w, _ in options)
        r = self.int(0, total - 1)
        for w, v in options:
            if r < w:
                return v
            r -= w
        return options[-1][1]

    def uniform(self, lo, hi, steps=1000):
        return lo + (hi - lo) * self.int(0, steps) / steps


class RandomChooser(Chooser):
    """Seeded random choices; records them (as offsets from ``lo``) so a failure can be replayed
    and shrunk with ``ReplayChooser``."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.record = []

    def int(self, lo, hi):
        v = self.rng.randint(lo, hi)
        self.record.append(v - lo)
        return v


class ReplayChooser(Chooser):
    """Replays recorded offsets; past the end, or out of range, a choice takes its simplest value."""

    def __init__(self, offsets):
        self.offsets = list(offsets)
        self.i = 0
        self.record = []

    def int(self, lo, hi):
        o = self.offsets[self.i] if self.i < len(self.offsets) else 0
        self.i += 1
        if self.i > len(self.offsets) + 2000:
            raise GenFail("replay ran far past the recorded choices")
        v = lo + o if lo + o <= hi else lo
        self.record.append(v - lo)
        return v


class HypothesisChooser(Chooser):
    def __init__(self, draw):
        from hypothesis import strategies as st
        self.draw = draw
        self.st = st

    def int(self, lo, hi):
        return self.draw(self.st.integers(lo, hi))


# ------------------------------------------------------------------------------------- program


@dataclass
class Program:
    source: str               # the whole module: imports, helpers, then ``def f``
    fname: str                # name of the function to differentiate
    args: tuple               # positional arguments (the test point)
    wrt: object               # int, str or tuple of them, as passed to srcdiff
    arg_names: list
    seed: object = None       # what produced it (random mode), for the record
    features: set = field(default_factory=set)
    choices: list = field(default_factory=list)  # recorded choices (random / replay mode)

    def args_source(self):
        return "(" + ", ".join(_literal(a) for a in self.args) + ("," if len(self.args) == 1 else "") + ")"

    def reproducer(self, note=""):
        """A stand-alone snippet: the module, its inputs, and the srcdiff check that fails."""
        lines = []
        if note:
            lines += ["# " + line for line in note.strip().splitlines()]
        lines += [self.source.rstrip(), "", "",
                  "ARGS = %s" % self.args_source(),
                  "WRT = %r" % (self.wrt,),
                  "",
                  "",
                  "def test_fuzz_regression():",
                  "    import srcdiff",
                  "    srcdiff.check_grad(%s, *ARGS, wrt=WRT)" % self.fname, ""]
        return "\n".join(lines)


def _literal(a):
    if isinstance(a, np.ndarray):
        if a.ndim == 0:
            return "np.array(%r)" % float(a)
        return "np.array(%r)" % (a.tolist(),)
    if isinstance(a, list):
        return "[" + ", ".join(_literal(x) for x in a) + "]"
    if isinstance(a, tuple):
        return "(" + ", ".join(_literal(x) for x in a) + ("," if len(a) == 1 else "") + ")"
    if isinstance(a, dict):
        return "{" + ", ".join("%r: %s" % (k, _literal(v)) for k, v in a.items()) + "}"
    return repr(a)


# ----------------------------------------------------------------------------- value helpers


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


# ----------------------------------------------------------------------------------- op tables

def _max_abs(v):
    return float(np.max(np.abs(v))) if size(v) else 0.0


def _min(v):
    return float(np.min(v)) if size(v) else 1.0


def _min_abs(v):
    return float(np.min(np.abs(v))) if size(v) else 1.0


# name, template, domain check (None: any real input), safe form for unknown inputs, kink check
UNARY = [
    ("sin", "np.sin({0})", None, None, None),
    ("cos", "np.cos({0})", None, None, None),
    ("tanh", "np.tanh({0})", None, None, None),
    ("arctan", "np.arctan({0})", None, None, None),
    ("square", "np.square({0})", None, None, None),
    ("pow2", "{0} ** 2", None, None, None),
    ("neg", "-{0}", None, None, None),
    ("exp", "np.exp({0})", lambda v: np.max(v) < 3, "np.exp(np.sin({0}))", None),
    ("gauss", "np.exp(-{0} ** 2)", None, None, None),
    ("expm1", "np.expm1({0})", lambda v: np.max(v) < 3, "np.expm1(np.tanh({0}))", None),
    ("log", "np.log({0})", lambda v: _min(v) > 0.05, "np.log(1.0 + {0} ** 2)", None),
    ("log1p", "np.log1p({0})", lambda v: _min(v) > -0.9, "np.log1p({0} ** 2)", None),
    ("log2", "np.log2({0})", lambda v: _min(v) > 0.05, "np.log2(2.0 + np.sin({0}))", None),
    ("log10", "np.log10({0})", lambda v: _min(v) > 0.05, "np.log10(1.5 + np.cos({0}))", None),
    ("sqrt", "np.sqrt({0})", lambda v: _min(v) > 0.05, "np.sqrt(1.0 + {0} ** 2)", None),
    ("pow_half", "{0} ** 0.5", lambda v: _min(v) > 0.05, "(1.0 + {0} * {0}) ** 0.5", None),
    ("pow_neg", "{0} ** -1", lambda v: _min_abs(v) > 0.2, "(1.0 + {0} ** 2) ** -1.5", None),
    ("pow3", "{0} ** 3", lambda v: _max_abs(v) < 5, "np.tanh({0}) ** 3", None),
    ("power", "np.power({0}, 2)", None, None, None),
    ("power_frac", "np.power({0}, 1.5)", lambda v: _min(v) > 0.05, "np.power(1.0 + {0} ** 2, 0.75)", None),
    ("pow_builtin", "pow({0}, 2)", None, None, None),
    ("reciprocal", "np.reciprocal({0})", lambda v: _min_abs(v) > 0.2, "np.reciprocal(2.0 + np.cos({0}))", None),
    ("div_into", "1.0 / {0}", lambda v: _min_abs(v) > 0.2, "1.0 / (1.5 + np.sin({0}))", None),
    ("tan", "np.tan({0})", lambda v: _max_abs(v) < 1.2, "np.tan(0.5 * np.tanh({0}))", None),
    ("arcsin", "np.arcsin({0})", lambda v: _max_abs(v) < 0.95, "np.arcsin(0.9 * np.tanh({0}))", None),
    ("arccos", "np.arccos({0})", lambda v: _max_abs(v) < 0.95, "np.arccos(0.9 * np.sin({0}))", None),
    ("sinh", "np.sinh({0})", lambda v: _max_abs(v) < 4, "np.sinh(np.tanh({0}))", None),
    ("cosh", "np.cosh({0})", lambda v: _max_abs(v) < 4, "np.cosh(np.sin({0}))", None),
    ("np_negative", "np.negative({0})", None, None, None),
    ("np_positive", "np.positive({0})", None, None, None),
    ("pos", "+{0}", None, None, None),
    ("abs", "np.abs({0})", None, None, lambda v: near(v, [0.0])),
    ("absolute", "np.absolute({0})", None, None, lambda v: near(v, [0.0])),
    ("abs_builtin", "abs({0})", None, None, lambda v: near(v, [0.0])),
    ("relu", "np.maximum({0}, 0.0)", None, None, lambda v: near(v, [0.0])),
    ("minimum_c", "np.minimum({0}, 0.5)", None, None, lambda v: near(v, [0.5])),
    ("leaky", "np.where({0} > 0.0, {0}, 0.1 * {0})", None, None, lambda v: near(v, [0.0])),
    ("clip", "np.clip({0}, -0.5, 0.8)", None, None, lambda v: near(v, [-0.5, 0.8])),
    ("clip_method", "{0}.clip(-1.0, 1.0)", None, None, lambda v: near(v, [-1.0, 1.0])),
    ("sign", "np.sign({0}) * {0}", None, None, lambda v: near(v, [0.0])),
    ("floor", "{0} - np.floor({0})", None, None, lambda v: near_periodic(v, 1.0)),
    ("round", "np.round({0}, 1) * {0}", None, None, lambda v: near_periodic(v, 0.1, 0.05)),
    ("remainder", "np.remainder({0}, 1.5)", None, None, lambda v: near_periodic(v, 1.5)),
    ("mod", "{0} % 0.7", None, None, lambda v: near_periodic(v, 0.7)),
    ("copy", "np.copy({0})", None, None, None),
    ("asarray", "np.asarray({0})", None, None, None),
    ("array", "np.array({0})", None, None, None),
    ("ascontiguousarray", "np.ascontiguousarray({0})", None, None, None),
]
UNARY_ARRAY = [  # ndarray receivers only
    ("astype", "{0}.astype(float)"),
    ("copy_method", "{0}.copy()"),
]
UNARY_SCALAR = [  # Python / NumPy scalars
    ("float", "float({0})", None, None, None),
    ("math.sin", "math.sin({0})", None, None, None),
    ("math.cos", "math.cos({0})", None, None, None),
    ("math.tanh", "math.tanh({0})", None, None, None),
    ("math.atan", "math.atan({0})", None, None, None),
    ("math.exp", "math.exp({0})", lambda v: v < 3, "math.exp(math.sin({0}))", None),
    ("math.log", "math.log({0})", lambda v: v > 0.05, "math.log(1.0 + {0} ** 2)", None),
    ("math.sqrt", "math.sqrt({0})", lambda v: v > 0.05, "math.sqrt(1.0 + {0} * {0})", None),
    ("math.log1p", "math.log1p({0})", lambda v: v > -0.9, "math.log1p({0} ** 2)", None),
    ("math.expm1", "math.expm1({0})", lambda v: v < 3, "math.expm1(math.sin({0}))", None),
    ("math.sinh", "math.sinh({0})", lambda v: abs(v) < 4, "math.sinh(math.tanh({0}))", None),
    ("math.cosh", "math.cosh({0})", lambda v: abs(v) < 4, "math.cosh(math.sin({0}))", None),
    ("math.asin", "math.asin({0})", lambda v: abs(v) < 0.95, "math.asin(0.5 * math.tanh({0}))", None),
    ("math.acos", "math.acos({0})", lambda v: abs(v) < 0.95, "math.acos(0.5 * math.sin({0}))", None),
    ("math.tan", "math.tan({0})", lambda v: abs(v) < 1.2, "math.tan(0.5 * math.tanh({0}))", None),
    ("math.pow", "math.pow({0}, 2)", None, None, None),
    ("math.pow_frac", "math.pow({0}, 0.5)", lambda v: v > 0.05, "math.pow(1.0 + {0} ** 2, 0.5)", None),
    ("math.fabs", "math.fabs({0})", None, None, lambda v: near(v, [0.0])),
    ("math.floor", "{0} - math.floor({0})", None, None, lambda v: near_periodic(v, 1.0)),
]

# name, template, domain check on the second operand, safe form, kink check on (a, b)
BINARY = [
    ("add", "{0} + {1}", None, None, None),
    ("sub", "{0} - {1}", None, None, None),
    ("mul", "{0} * {1}", None, None, None),
    ("div", "{0} / {1}", lambda b: _min_abs(b) > 0.2, "{0} / (1.0 + {1} ** 2)", None),
    ("np.add", "np.add({0}, {1})", None, None, None),
    ("np.subtract", "np.subtract({0}, {1})", None, None, None),
    ("np.multiply", "np.multiply({0}, {1})", None, None, None),
    ("np.divide", "np.divide({0}, {1})", lambda b: _min_abs(b) > 0.2, "np.divide({0}, 2.0 + np.cos({1}))", None),
    ("pow_active", "(1.0 + {0} ** 2) ** np.tanh({1})", None, None, None),
    ("np.power", "np.power(1.5 + np.sin({0}), {1})", lambda b: _max_abs(b) < 4, "np.power(1.5 + np.sin({0}), np.tanh({1}))", None),
    ("maximum", "np.maximum({0}, {1})", None, None, lambda a, b: near(np.subtract(a, b), [0.0])),
    ("minimum", "np.minimum({0}, {1})", None, None, lambda a, b: near(np.subtract(a, b), [0.0])),
    ("where_max", "np.where({0} > {1}, {0}, {1})", None, None, lambda a, b: near(np.subtract(a, b), [0.0])),
    ("hypot", "np.sqrt({0} ** 2 + {1} ** 2 + 1.0)", None, None, None),
]
BINARY_SCALAR = [
    ("max", "max({0}, {1})", None, None, lambda a, b: near(a - b, [0.0])),
    ("min", "min({0}, {1})", None, None, lambda a, b: near(a - b, [0.0])),
    ("math.atan2", "math.atan2({0}, 1.5 + math.cos({1}))", None, None, None),
]

REDUCTIONS = ["sum", "mean", "prod", "max", "min", "var", "std"]

_REGISTRY_UFUNCS = None


def registry_ufuncs():
    """(unary, binary) names of the elementwise NumPy ufuncs with a derivative rule in srcdiff's
    registry (read at run time, so rules added later get generated too)."""
    global _REGISTRY_UFUNCS
    if _REGISTRY_UFUNCS is None:
        unary, binary = set(), set()
        try:
            from srcdiff.rules import all_rules
            rules = all_rules()
        except Exception:  # noqa: BLE001 - the generator also works without srcdiff
            rules = []
        for rule in rules:
            obj = rule.obj
            if not isinstance(obj, np.ufunc) or rule.nondifferentiable or not (rule.adjoint or rule.tangent):
                continue
            if getattr(np, obj.__name__, None) is not obj:
                continue
            if obj.nin == 1 and obj.nout == 1:
                unary.add(obj.__name__)
            elif obj.nin == 2 and obj.nout == 1:
                binary.add(obj.__name__)
        _REGISTRY_UFUNCS = (sorted(unary), sorted(binary))
    return _REGISTRY_UFUNCS


# ----------------------------------------------------------------------------------- generator


class Generator:
    """Writes one program. ``program()`` returns a ``Program`` or raises ``GenFail``."""

    def __init__(self, chooser, *, max_statements=7, max_depth=3, allow_refusable=True):
        self.ch = chooser
        self.max_statements = max_statements
        self.max_depth = max_depth
        self.allow_refusable = allow_refusable  # also write a few calls srcdiff documents as refused
        self.features = set()
        self.counter = itertools.count()
        self.hcounter = itertools.count()
        self.conds = {}     # id -> (expr src, op)
        self.th = {}        # id -> threshold
        self.rec = {}       # id -> recorded values (instrumented runs)
        self.helpers = []   # (name, source lines, param shapes, n returns)
        self.hscope = {"np": np, "math": math}
        self.safe = False
        self.loop_depth = 0
        self.loop_conds = None  # cond ids created inside the current outermost loop
        self.in_helper = False

    # ---------------------------------------------------------------- scope / execution

    def _base_scope(self):
        return {"np": np, "math": math, "__cv": self._cv, "__th": self.th}

    def _cv(self, k, v):
        self.rec.setdefault(k, []).append(float(v))
        return v

    def copy_scope(self, scope):
        out, memo = {}, {}
        for k, v in scope.items():
            if k.startswith("__"):
                out[k] = v
            else:
                out[k] = copy.deepcopy(v, memo) if isinstance(v, (np.ndarray, list, dict)) else v
        return out

    def run(self, src, scope):
        """Execute statement source in ``scope`` with floating-point errors raised."""
        try:
            with np.errstate(all="raise", under="ignore"), warnings.catch_warnings():
                warnings.simplefilter("error")
                exec(compile(src, "<gen>", "exec"), scope)
        except Exception as exc:  # noqa: BLE001 - anything that fails is simply not used
            raise GenFail("exec failed: %s: %s\n%s" % (type(exc).__name__, exc, src)) from None

    def ev(self, src):
        """Evaluate an expression at the test point; it must be finite and bounded."""
        try:
            with np.errstate(all="raise", under="ignore"), warnings.catch_warnings():
                warnings.simplefilter("error")
                v = eval(compile(src, "<gen>", "eval"), self.scope)
        except Exception as exc:  # noqa: BLE001
            raise GenFail("eval failed: %s: %s: %s" % (src, type(exc).__name__, exc)) from None
        if isinstance(v, complex) or np.iscomplexobj(v):
            raise GenFail("complex value: %s" % src)  # e.g. a negative Python float ** 0.5
        if isinstance(v, np.ndarray) and v.dtype.kind in "biu":
            return v
        if not finite_bounded(v):
            raise GenFail("value out of bounds: %s" % src)
        if isinstance(v, np.ndarray) and v.size > MAX_ENTRIES:
            raise GenFail("too large")
        if isinstance(v, np.ndarray) and v.size == 0:
            raise GenFail("empty")
        if np.ndim(v) > 3:
            raise GenFail("more than 3 dimensions")
        return v

    def e(self, src):
        return E(src, self.ev(src))

    def fresh(self, prefix="v"):
        return "%s%d" % (prefix, next(self.counter))

    def check_all_values(self, scope):
        for k, v in scope.items():
            if k in self.pool and self.pool[k].kind == "num" and not finite_bounded(v):
                raise GenFail("unbounded after statement")

    # ------------------------------------------------------------------ choosing leaves

    def nums(self, pred=None):
        out = []
        for name, var in self.pool.items():
            if var.kind != "num":
                continue
            v = self.ev(name)
            if pred is None or pred(v):
                out.append(E(name, v))
        return out

    def pick(self, items):
        """Prefer recent pool entries (they make chains of dependent statements)."""
        if not items:
            raise GenFail("nothing to pick")
        if len(items) > 3 and self.ch.flip(0.6):
            return items[len(items) - 1 - self.ch.int(0, 2)]
        return self.ch.choice(items)

    def constant(self, shp=()):
        if shp == () or self.ch.flip(0.6):
            c = self.ch.choice([0.5, 2.0, 1.5, -0.7, 0.3, 3.0, -1.2, 0.1])
            return E(repr(c), c)
        n = shp[-1]
        kind = self.ch.int(0, 2)
        if kind == 0:
            vals = [round(self.ch.uniform(-1, 1), 2) for _ in range(n)]
            src = "np.array(%r)" % (vals,)
        elif kind == 1:
            src = "np.linspace(-1.0, 1.0, %d)" % n
        else:
            src = "np.arange(%d) * 0.5" % n
        return self.e(src)

    def leaf(self, pred=None):
        items = self.nums(pred)
        if not items or self.ch.flip(0.1):
            return self.constant()
        return self.pick(items)

    # -------------------------------------------------------------------- expressions

    def expr(self, depth=None):
        """Any float expression (any shape)."""
        depth = self.max_depth if depth is None else depth
        if depth <= 0:
            return self.leaf()
        for _ in range(6):
            kind = self.ch.weighted([
                (6, "leaf"), (10, "unary"), (10, "binary"), (6, "reduce"), (4, "product"), (4, "shape"),
                (6, "index"), (2, "where"), (3, "helper"), (2, "container"), (1, "linalg"), (1, "nondiff"),
                (1 if self.allow_refusable else 0, "refusable"), (3, "registry"),
            ])
            try:
                if kind == "leaf":
                    return self.leaf()
                return getattr(self, "x_" + kind)(depth - 1)
            except GenFail:
                continue
        return self.leaf()

    def unary(self, a, table=None):
        table = table or (UNARY_SCALAR if shape(a.val) == () and self.ch.flip(0.3) else UNARY)
        if table is UNARY and isinstance(a.val, np.ndarray) and self.ch.flip(0.1):
            name, t = self.ch.choice(UNARY_ARRAY)
            self.features.add("unary:" + name)
            return self.e(t.format(par(a.src)))
        name, t, domain, safe, kink = self.ch.choice(table)
        if table is UNARY_SCALAR and shape(a.val) != ():
            raise GenFail("scalar function on array")
        if domain is not None and (self.safe or not domain(a.val)):
            t = safe
        if kink is not None and not self.safe and kink(a.val):
            raise GenFail("near a kink")
        self.features.add("unary:" + name)
        return self.e(t.format(par(a.src)))

    def x_unary(self, depth):
        return self.unary(self.expr(depth))

    def partner(self, sa, depth, allow_grow=True):
        """An operand that broadcasts with shape ``sa`` (without growing it unless allowed)."""
        def ok(v):
            s = bshape(shape(v), sa)
            if s is None:
                return False
            return s == tuple(sa) or (allow_grow and int(np.prod(s, dtype=int)) <= MAX_ENTRIES and len(s) <= 3)
        choice = self.ch.weighted([(6, "pool"), (2, "const"), (2, "reduce"), (3, "unary")])
        if choice == "const":
            return self.constant(sa if sa else ())
        if choice == "reduce":
            b = self.fit(sa, max(depth - 1, 0))
            if ok(b.val):
                return b
        items = self.nums(ok)
        if not items:
            return self.constant(sa if sa else ())
        b = self.pick(items)
        if choice == "unary" and depth > 0:
            b = self.unary(b)
        return b

    def binary(self, a, b, scalar_ok=True):
        table = BINARY_SCALAR if scalar_ok and shape(a.val) == () and shape(b.val) == () and self.ch.flip(0.2) \
            else BINARY
        name, t, domain, safe, kink = self.ch.choice(table)
        if domain is not None and (self.safe or not domain(b.val)):
            t = safe
        if kink is not None and not self.safe and kink(a.val, b.val):
            raise GenFail("near a kink")
        self.features.add("binary:" + name)
        return self.e(t.format(par(a.src), par(b.src)))

    def x_binary(self, depth):
        a = self.expr(depth)
        b = self.partner(shape(a.val), depth)
        if self.ch.flip(0.5):
            a, b = b, a
        return self.binary(a, b)

    def fit(self, target, depth=1):
        """An expression whose shape broadcasts into ``target`` without growing it."""
        target = tuple(target)
        kind = self.ch.weighted([(5, "pool"), (3, "reduce"), (2, "unary"), (2, "binary"), (1, "const")])
        if kind == "const":
            return self.constant(target)
        if kind in ("pool", "unary", "binary"):
            items = self.nums(lambda v: fits(shape(v), target))
            if items:
                a = self.pick(items)
                if kind == "unary" and depth > 0:
                    return self.unary(a)
                if kind == "binary" and depth > 0:
                    return self.binary(a, self.fit(target, depth - 1))
                return a
        # reduce something to a fitting shape
        a = self.leaf() if depth <= 0 else self.expr(depth - 1)
        s = shape(a.val)
        if not s:
            return a
        # keepdims reductions or trailing-axis reductions that fit
        options = []
        nd = len(s)
        for axes in _axis_sets(nd):
            for keep in (False, True):
                rs = tuple(1 if (i in axes and keep) else s[i] for i in range(nd) if keep or i not in axes)
                if fits(rs, target):
                    options.append((axes, keep))
        if not options:
            return self.reduce_full(a)
        axes, keep = self.ch.choice(options)
        axis = (axes[0] if len(axes) == 1 else axes) if len(axes) < nd or keep else None
        return self.reduce(a, axis, keep)

    def exact(self, target, depth=1):
        """An expression of exactly shape ``target``."""
        target = tuple(target)
        a = self.fit(target, depth)
        if shape(a.val) == target:
            return a
        items = self.nums(lambda v: shape(v) == target)
        if items and self.ch.flip(0.7):
            return self.binary(a, self.pick(items), scalar_ok=False) if self.ch.flip() else \
                self.binary(self.pick(items), a, scalar_ok=False)
        fill = self.ch.choice(["np.ones(%r)", "np.zeros(%r)"]) % (target,)
        op = "*" if fill.startswith("np.ones") else "+"
        self.features.add("broadcast_fill")
        return self.e("%s %s %s" % (par(a.src), op, fill))

    def reduce_full(self, a):
        name = self.ch.choice(["np.sum({0})", "np.mean({0})", "{0}.sum()", "np.sum({0} ** 2)", "np.max({0})",
                               "{0}.mean()", "np.linalg.norm({0})", "np.prod(np.tanh({0}))"])
        if shape(a.val) == ():
            return a
        if "max" in name and not self.safe and ties(a.val):
            name = "np.sum({0})"
        if "norm" in name and (np.linalg.norm(a.val) < 0.1):
            name = "np.mean({0})"
        self.features.add("reduce_full")
        return self.e(name.format(par(a.src)))

    def reduce(self, a, axis, keepdims):
        fn = self.ch.choice(REDUCTIONS)
        v = np.asarray(a.val)
        if fn in ("max", "min") and not self.safe and ties(v if fn == "max" else -v, axis):
            raise GenFail("tie")
        if fn in ("var", "std"):
            if v.ndim == 0:
                raise GenFail("var of scalar")
            var = np.var(v, axis=axis)
            if fn == "std" and (self.safe or np.min(var) < 1e-3):
                fn = "var"
        kw = []
        if axis is not None:
            kw.append("axis=%r" % (axis,))
        if keepdims:
            kw.append("keepdims=True")
        method = self.ch.flip(0.3) and not isinstance(a.val, float)
        self.features.add("reduce:%s%s%s" % (fn, ":axis" if axis is not None else "", ":keep" if keepdims else ""))
        if method:
            return self.e("%s.%s(%s)" % (par(a.src), fn, ", ".join(kw)))
        return self.e("np.%s(%s)" % (fn, ", ".join([strip_parens(a.src)] + kw)))

    def x_reduce(self, depth):
        a = self.expr(depth)
        nd = np.ndim(a.val)
        if nd == 0:
            return self.reduce(a, None, False) if self.ch.flip(0.3) else self.unary(a)
        which = self.ch.weighted([(3, "full"), (4, "axis"), (1, "norm"), (1, "cumsum"), (1, "diff")])
        if which == "full":
            return self.reduce(a, None, self.ch.flip(0.2))
        if which == "axis":
            axes = self.ch.choice(_axis_sets(nd))
            if len(axes) == 1:
                ax = axes[0] - (nd if self.ch.flip(0.3) else 0)
            else:
                ax = tuple(axes) if self.ch.flip(0.7) else tuple(reversed(axes))
            return self.reduce(a, ax, self.ch.flip(0.4))
        if which == "norm":
            return self.norm(a)
        if which == "cumsum":
            self.features.add("cumsum")
            if self.ch.flip(0.3) or nd == 1:
                return self.e("np.cumsum(%s)" % strip_parens(a.src)) if self.ch.flip() else \
                    self.e("%s.cumsum()" % par(a.src))
            return self.e("np.cumsum(%s, axis=%d)" % (strip_parens(a.src), self.ch.int(0, nd - 1)))
        axis = self.ch.int(0, nd - 1)
        if np.shape(a.val)[axis] < 2:
            raise GenFail("diff")
        n = 2 if np.shape(a.val)[axis] > 2 and self.ch.flip(0.3) else 1
        self.features.add("diff")
        if n == 1 and axis == nd - 1 and self.ch.flip():
            return self.e("np.diff(%s)" % strip_parens(a.src))
        return self.e("np.diff(%s, n=%d, axis=%d)" % (strip_parens(a.src), n, axis))

    def norm(self, a):
        v = np.asarray(a.val)
        nd = v.ndim
        opts = ["np.linalg.norm({0})"]
        if nd == 1:
            opts += ["np.linalg.norm({0}, ord=1)", "np.linalg.norm({0}, ord=np.inf)", "np.linalg.norm({0}, 3)"]
        if nd == 2:
            opts += ["np.linalg.norm({0}, 'fro')", "np.linalg.norm({0}, axis=1)", "np.linalg.norm({0}, axis=0)",
                     "np.linalg.norm({0}, ord=1)", "np.linalg.norm({0}, ord=np.inf)"]
        t = self.ch.choice(opts)
        if not self.safe:
            if np.min(np.abs(v)) < KINK and ("ord=1" in t or "ord=np" in t):
                raise GenFail("norm kink")
            if "ord=np.inf" in t and (ties(np.abs(v)) if nd == 1 else ties(np.sum(np.abs(v), axis=1))):
                raise GenFail("norm tie")
            if "ord=1" in t and nd == 2 and ties(np.sum(np.abs(v), axis=0)):
                raise GenFail("norm tie")
        if np.linalg.norm(v) < 0.1 or (("axis" in t) and np.min(np.linalg.norm(v, axis=int(t[-2]))) < 0.1):
            raise GenFail("norm near 0")
        self.features.add("norm:" + t)
        return self.e(t.format(strip_parens(a.src)))

    def x_product(self, depth):
        a = self.expr(depth)
        s = shape(a.val)
        nd = len(s)
        A = par(a.src)
        if nd == 0:
            raise GenFail("product of scalar")
        if nd == 1:
            n = s[0]
            opts = [("inner", lambda v: shape(v) == (n,)), ("mv", lambda v: len(shape(v)) == 2 and shape(v)[0] == n),
                    ("outer", lambda v: len(shape(v)) == 1 and n * shape(v)[0] <= MAX_ENTRIES)]
        elif nd == 2:
            m, n = s
            opts = [("mv", lambda v: shape(v) == (n,)), ("mm", lambda v: len(shape(v)) == 2 and shape(v)[0] == n),
                    ("self", None), ("tensordot", lambda v: len(shape(v)) >= 1 and shape(v)[0] == n),
                    ("einsum", lambda v: len(shape(v)) == 2 and shape(v)[0] == n), ("trace", None),
                    ("elementwise_einsum", lambda v: shape(v) == s)]
        else:
            if nd != 3:
                raise GenFail("product of a %d-d array" % nd)
            b_, m, n = s
            opts = [("bmm", lambda v: len(shape(v)) == 2 and shape(v)[0] == n), ("self3", None)]
        kind, pred = self.ch.choice(opts)
        items = self.nums(pred) if pred else []
        if pred and not items:
            kind = "self" if nd == 2 else ("self1" if nd == 1 else "self3")
        b = self.pick(items).src if items else None
        B = par(b) if b else None
        self.features.add("product:" + kind)
        if kind == "inner":
            t = self.ch.choice(["{0} @ {1}", "np.dot({0}, {1})", "np.inner({0}, {1})", "{0}.dot({1})",
                                "np.einsum('i,i->', {0}, {1})", "np.matmul({0}, {1})"])
        elif kind == "mv":
            t = self.ch.choice(["{0} @ {1}", "np.dot({0}, {1})", "np.matmul({0}, {1})", "{0}.dot({1})"])
        elif kind == "outer":
            t = self.ch.choice(["np.outer({0}, {1})", "np.einsum('i,j->ij', {0}, {1})"])
        elif kind == "mm":
            t = self.ch.choice(["{0} @ {1}", "np.dot({0}, {1})", "np.matmul({0}, {1})"])
        elif kind == "tensordot":
            t = "np.tensordot({0}, {1}, axes=1)"
        elif kind == "einsum":
            t = self.ch.choice(["np.einsum('ij,jk->ik', {0}, {1})", "np.einsum('ij,jk->ki', {0}, {1})",
                                "np.einsum('ij,jk->i', {0}, {1})"])
        elif kind == "elementwise_einsum":
            t = self.ch.choice(["np.einsum('ij,ij->i', {0}, {1})", "np.einsum('ij,ij->', {0}, {1})",
                                "np.tensordot({0}, {1})"])
        elif kind == "trace":
            t = self.ch.choice(["np.trace({0})", "{0}.trace()", "np.einsum('ij->ji', {0})", "np.einsum('ij->i', {0})"])
            return self.e(t.format(strip_parens(a.src) if t.startswith("np.") else A))
        elif kind == "self":
            t = self.ch.choice(["{0} @ {0}.T", "{0}.T @ {0}", "np.dot({0}, {0}.T)", "np.matmul({0}.T, {0})"])
            return self.e(t.format(A))
        elif kind == "self1":
            t = self.ch.choice(["{0} @ {0}", "np.outer({0}, {0})", "np.dot({0}, {0})"])
            return self.e(t.format(A))
        elif kind == "self3":
            t = self.ch.choice(["{0} @ np.swapaxes({0}, 1, 2)", "np.einsum('bij,bkj->bik', {0}, {0})",
                                "np.sum({0} @ {0}[0].T, axis=0)"])
            return self.e(t.format(A))
        elif kind == "bmm":
            t = self.ch.choice(["{0} @ {1}", "np.matmul({0}, {1})", "np.einsum('bij,jk->bik', {0}, {1})"])
        else:
            raise GenFail(kind)
        if t.startswith("np."):
            return self.e(t.format(strip_parens(a.src), strip_parens(b)))
        return self.e(t.format(A, B))

    def x_linalg(self, depth):
        a = self.expr(depth)
        s = shape(a.val)
        if len(s) != 2:
            if len(s) == 1 and s[0] <= 4:
                M = "np.outer(%s, %s)" % (strip_parens(a.src), strip_parens(a.src))
                n = s[0]
            else:
                raise GenFail("linalg needs a matrix")
        else:
            M = "%s @ %s.T" % (par(a.src), par(a.src)) if s[0] != s[1] else a.src
            n = s[0]
        well = "(%d.0 * np.eye(%d) + np.tanh(%s))" % (n + 1, n, strip_parens(M))
        kind = self.ch.choice(["inv", "det", "solve", "slogdet_like", "solve_mat"])
        self.features.add("linalg:" + kind)
        if kind == "inv":
            return self.e("np.linalg.inv(%s)" % strip_parens(well))
        if kind == "det":
            return self.e("np.linalg.det(%s)" % strip_parens(well))
        if kind == "slogdet_like":
            return self.e("np.log(np.linalg.det(%s))" % strip_parens(well))
        rhs = self.nums(lambda v: shape(v) in ((n,), (n, 1), (n, 2), (n, 3)))
        r = self.pick(rhs).src if rhs else "np.ones(%d)" % n
        return self.e("np.linalg.solve(%s, %s)" % (strip_parens(well), strip_parens(r)))

    def x_shape(self, depth):
        a = self.expr(depth)
        s = shape(a.val)
        nd = len(s)
        A = par(a.src)
        a0 = strip_parens(a.src)
        opts = ["reshape", "ravel", "expand_dims", "concatenate", "stack"]
        if nd >= 2:
            opts += ["T", "transpose", "swap"]
        if nd in (1, 2):
            opts += ["diag"]
        if any(d == 1 for d in s):
            opts += ["squeeze"]
        kind = self.ch.choice(opts)
        self.features.add("shape:" + kind)
        if kind == "T":
            return self.e("%s.T" % A)
        if kind == "transpose":
            if nd == 2:
                return self.e(self.ch.choice(["np.transpose(%s)" % a0, "%s.transpose()" % A]))
            perm = self.ch.choice([(1, 0, 2), (2, 0, 1), (0, 2, 1), (2, 1, 0)])
            return self.e(self.ch.choice(["np.transpose(%s, %r)" % (a0, perm), "%s.transpose%r" % (A, perm)]))
        if kind == "swap":
            raise GenFail("swapaxes has no rule")
        if kind == "reshape":
            n = size(a.val)
            shapes = [t for t in _factorizations(n) if t != s]
            if not shapes:
                raise GenFail("no reshape")
            t = self.ch.choice(shapes)
            if self.ch.flip(0.3) and len(t) > 1:
                t = (-1,) + t[1:]
            form = self.ch.int(0, 2)
            if form == 0:
                return self.e("np.reshape(%s, %r)" % (a0, t))
            if form == 1 and len(t) > 1:
                return self.e("%s.reshape%r" % (A, t))
            return self.e("%s.reshape(%r)" % (A, t))
        if kind == "ravel":
            return self.e(self.ch.choice(["np.ravel(%s)" % a0, "%s.ravel()" % A, "%s.flatten()" % A,
                                          "%s.reshape(-1)" % A]))
        if kind == "expand_dims":
            if nd >= 3:
                raise GenFail("too many dims")
            ax = self.ch.int(0, nd)
            return self.e("np.expand_dims(%s, %d)" % (a0, ax))
        if kind == "squeeze":
            return self.e(self.ch.choice(["np.squeeze(%s)" % a0, "%s.squeeze()" % A]))
        if kind == "diag":
            if nd == 1 and s[0] * s[0] > MAX_ENTRIES:
                raise GenFail("big diag")
            k = self.ch.choice([0, 0, 1, -1]) if nd == 2 else 0
            return self.e("np.diag(%s)" % a0 if k == 0 else "np.diag(%s, k=%d)" % (a0, k))
        if kind in ("concatenate", "stack"):
            if nd == 0 and kind == "concatenate":
                raise GenFail("concatenate scalars")
            ax = self.ch.int(0, max(nd - 1, 0)) if kind == "concatenate" else self.ch.int(0, nd)
            if kind == "concatenate":
                items = self.nums(lambda v: np.ndim(v) == nd and all(
                    shape(v)[i] == s[i] for i in range(nd) if i != ax))
            else:
                items = self.nums(lambda v: shape(v) == s)
            others = [self.pick(items) for _ in range(self.ch.int(1, 2))] if items else []
            if not others or self.ch.flip(0.2):
                others.append(self.unary(a))
            parts = [a0] + [strip_parens(o.src) for o in others]
            seq = "[%s]" % ", ".join(parts) if self.ch.flip(0.8) else "(%s,)" % ", ".join(parts)
            if self.ch.flip(0.4) and ax == 0:
                return self.e("np.%s(%s)" % (kind, seq))
            return self.e("np.%s(%s, axis=%d)" % (kind, seq, ax))
        raise GenFail(kind)

    def x_index(self, depth):
        a = self.expr(depth) if self.ch.flip(0.4) else self.leaf(lambda v: np.ndim(v) >= 1)
        s = shape(a.val)
        nd = len(s)
        if nd == 0:
            raise GenFail("index scalar")
        A = par(a.src)
        kind = self.ch.weighted([(4, "int"), (4, "slice"), (3, "intarray"), (2, "mask"), (2, "multi"),
                                 (1, "argmax")])
        self.features.add("index:" + kind)
        n = s[0]
        if kind == "int":
            i = self.ch.int(-n, n - 1)
            if self.loop_var_int() and self.ch.flip(0.5):
                return self.e("%s[%s %% %d]" % (A, self.loop_var_int(), n))
            return self.e("%s[%d]" % (A, i))
        if kind == "slice":
            sl = self.ch.choice(["1:", ":-1", "::2", "::-1", "1:%d" % max(n, 2), "-2:", ":2", "%d::-2" % (n - 1)])
            return self.e("%s[%s]" % (A, sl))
        if kind == "intarray":
            k = self.ch.int(1, 4)
            idx = [self.ch.int(-n, n - 1) if self.ch.flip(0.2) else self.ch.int(0, n - 1) for _ in range(k)]
            if k >= 2 and self.ch.flip(0.5):
                idx[-1] = idx[0]  # a repeat
            form = self.ch.int(0, 2)
            if form == 0:
                return self.e("%s[%r]" % (A, idx))
            if form == 1:
                return self.e("%s[np.array(%r)]" % (A, idx))
            if nd >= 2:
                m = s[1]
                idx2 = [self.ch.int(0, m - 1) for _ in range(k)]
                return self.e("%s[:, %r]" % (A, idx2) if self.ch.flip() else "%s[%r, %r]" % (A, idx, idx2))
            return self.e("%s[%r]" % (A, idx))
        if kind == "mask":
            if not self.safe and self.ch.flip(0.6):
                v = np.asarray(a.val, dtype=float).ravel()
                vals = np.unique(v)
                if len(vals) < 2:
                    raise GenFail("mask")
                gaps = np.diff(vals)
                j = int(np.argmax(gaps))
                c = (vals[j] + vals[j + 1]) / 2
                if gaps[j] < 4 * KINK * (1 + abs(c)):
                    raise GenFail("mask gap")
                if not isinstance(a.val, np.ndarray):
                    raise GenFail("mask on scalar")
                op = self.ch.choice([">", "<"])
                self.features.add("index:mask:value")
                if self.ch.flip(0.3) and self.pool.get(a.src) is not None:
                    return self.e("%s[%s %s %s]" % (A, A, op, fmt(c)))
                return self.e("%s[%s %s %s]" % (A, A, op, fmt(c)))
            mask = [self.ch.flip(0.6) for _ in range(n)]
            if not any(mask):
                mask[0] = True
            return self.e("%s[np.array(%r)]" % (A, mask))
        if kind == "multi":
            if nd < 2:
                return self.e("%s[..., %d]" % (A, self.ch.int(0, n - 1)))
            m = s[1]
            opts = ["%s[:, %d]" % (A, self.ch.int(0, m - 1)), "%s[%d, 1:]" % (A, self.ch.int(0, n - 1)),
                    "%s[1:, ::2]" % A, "%s[..., %d]" % (A, self.ch.int(0, s[-1] - 1)),
                    "%s[%d, %d]" % (A, self.ch.int(0, n - 1), self.ch.int(-m, m - 1)), "%s[::-1, :1]" % A]
            return self.e(self.ch.choice(opts))
        # argmax / argsort: integer results used as indices (values away from ties)
        if nd != 1 or (not self.safe and ties(a.val)):
            raise GenFail("argmax")
        t = self.ch.choice(["{0}[np.argmax({0})]", "{0}[np.argmin({0})]", "{0}[np.argsort({0})]",
                            "{0}[np.argsort(-{0})]"])
        if self.safe:
            raise GenFail("argmax in safe mode")
        return self.e(t.format(A))

    def loop_var_int(self):
        for name, var in reversed(list(self.pool.items())):
            if var.kind == "int" and name in self.loop_ints:
                return name
        return None

    def x_where(self, depth):
        a = self.expr(depth)
        s = shape(a.val)
        b = self.partner(s, depth, allow_grow=False)
        items = self.nums(lambda v: fits(shape(v), s) or fits(s, shape(v)) and size(v) <= MAX_ENTRIES)
        c = self.pick(items) if items else a
        cv = np.asarray(c.val, dtype=float)
        thr = 0.0
        if not self.safe:
            cands = [x for x in np.linspace(-1, 1, 9) if not near(cv, [x], 4 * KINK) and np.min(np.abs(cv - x)) > 4 * KINK]
            if not cands:
                raise GenFail("where threshold")
            thr = self.ch.choice(cands)
        self.features.add("where")
        return self.e("np.where(%s > %s, %s, %s)" % (strip_parens(c.src), fmt(thr), strip_parens(a.src),
                                                     strip_parens(b.src)))

    def x_registry(self, depth):
        """Any elementwise ufunc from srcdiff's rule registry. At the test point the argument is
        used as it is when the ufunc is defined and smooth there (checked by evaluating, with
        floating-point errors raised); in loops and helpers it is squashed into (-0.5, 0.5)."""
        unary, binary = registry_ufuncs()
        if not unary and not binary:
            raise GenFail("no registry")
        a = self.expr(depth)
        wrap = "0.5 * np.tanh(%s)" if self.safe or self.ch.flip(0.3) else "%s"
        if binary and (not unary or self.ch.flip(0.4)):
            name = self.ch.choice(binary)
            b = self.partner(shape(a.val), depth)
            src = "np.%s(%s, %s)" % (name, wrap % strip_parens(a.src), wrap % strip_parens(b.src))
        else:
            name = self.ch.choice(unary)
            src = "np.%s(%s)" % (name, wrap % strip_parens(a.src))
        self.features.add("registry:" + name)
        e = self.e(src)
        if np.asarray(e.val).dtype.kind != "f":
            raise GenFail("non-float result")
        return e

    def x_nondiff(self, depth):
        a = self.expr(depth)
        t = self.ch.choice(["np.sign({0}) * {0}", "{0} * np.ones_like({0})", "{0} * np.size({0})",
                            "{0} + np.zeros(np.shape({0}))", "{0} * len(np.shape({0}))",
                            "np.where(np.isfinite({0}), {0}, 0.0)", "{0} * float(np.ndim({0}) + 1)",
                            "np.full(np.shape({0}), 0.5) * {0}"])
        if "sign" in t and not self.safe and near(a.val, [0.0]):
            raise GenFail("sign kink")
        self.features.add("nondiff")
        return self.e(t.format(par(a.src)))

    def x_refusable(self, depth):
        """Calls srcdiff documents as refused or has no rule for (the refusal must be clean)."""
        a = self.expr(depth)
        s = shape(a.val)
        nd = len(s)
        opts = ["np.cumprod({0})", "np.sort({0})"]
        if nd == 2:
            opts += ["np.swapaxes({0}, 0, 1)", "{0}.diagonal()", "np.einsum('ij,jk', {0}, {0}.T)"]
        if nd >= 1:
            opts += ["np.flip({0})", "np.take({0}, [0])", "{0}.repeat(2)", "np.tile({0}, 2)"]
        t = self.ch.choice(opts)
        self.features.add("refusable:" + t)
        return self.e(t.format(par(a.src)))

    def x_container(self, depth):
        lists = [n for n, v in self.pool.items() if v.kind == "list"]
        dicts = [n for n, v in self.pool.items() if v.kind == "dict"]
        if not lists and not dicts:
            raise GenFail("no containers")
        if lists and (not dicts or self.ch.flip()):
            L = self.ch.choice(lists)
            vals = self.ev(L)
            same = all(shape(v) == shape(vals[0]) for v in vals)
            w = "w"
            inner = self.ch.choice(["np.sin({w})", "{w} ** 2", "np.tanh({w}) * 2.0", "{w}"]).format(w=w)
            opts = ["sum([np.sum(%s) for %s in %s])" % (inner, w, L),
                    "np.sum(np.stack([%s for %s in %s]))" % (inner, w, L) if same else None,
                    "np.stack([%s for %s in %s])" % (inner, w, L) if same else None,
                    "np.concatenate([np.ravel(%s) for %s in %s])" % (inner, w, L),
                    "sum(%s)" % L if same else None,
                    "%s[-1]" % L, "%s[len(%s) - 1]" % (L, L)]
            t = self.ch.choice([o for o in opts if o])
        else:
            D = self.ch.choice(dicts)
            opts = ["sum([np.sum(v ** 2) for v in %s.values()])" % D,
                    "sum([np.sum(%s[k]) for k in %s])" % (D, D),
                    "sum([np.mean(np.sin(v)) for k, v in %s.items()])" % D]
            t = self.ch.choice(opts)
        self.features.add("container")
        return self.e(t)

    # -------------------------------------------------------------------------- helpers

    def x_helper(self, depth):
        if self.in_helper and len(self.helpers) == 0:
            raise GenFail("no helper to call")
        # reuse an existing helper with matching argument shapes, or write a new one
        for name, _, pshapes, nret in self.helpers:
            if self.ch.flip(0.5):
                args = []
                for ps in pshapes:
                    items = self.nums(lambda v, ps=ps: shape(v) == ps)
                    if not items:
                        break
                    args.append(strip_parens(self.pick(items).src))
                else:
                    call = "%s(%s)" % (name, ", ".join(args))
                    self.features.add("helper:reuse")
                    return self.e(call if nret == 1 else "%s[0]" % call)
        if self.in_helper:
            raise GenFail("helpers are written from the main function only")
        nargs = self.ch.int(1, 2)
        args = [self.expr(max(depth - 1, 0)) for _ in range(nargs)]
        name, nret, kw = self.write_helper(args)
        call = "%s(%s%s)" % (name, ", ".join(strip_parens(a.src) for a in args), kw)
        self.features.add("helper")
        return self.e(call if nret == 1 else "%s[1]" % call)

    def write_helper(self, args):
        """Write ``def hN(a, b, scale=0.5)`` for the given argument values; return (name, nret, kw)."""
        name = "h%d" % next(self.hcounter)
        params = ["a", "b", "c"][:len(args)]
        saved = (self.scope, self.pool, self.safe, self.in_helper, self.loop_depth, self.loop_ints, self.block)
        try:
            self.scope = dict(self.hscope)
            self.scope.update({"__cv": self._cv, "__th": self.th})
            self.pool = {}
            for p, a in zip(params, args):
                self.scope[p] = copy.deepcopy(a.val)
                self.pool[p] = Var("num", arg=True)
            use_default = self.ch.flip(0.4)
            if use_default:
                self.scope["scale"] = 0.5
                self.pool["scale"] = Var("num", arg=True)
            self.safe, self.in_helper, self.loop_depth, self.loop_ints = True, True, 0, []
            self.block = []
            for _ in range(self.ch.int(0, 2)):
                self.statement(top=False)
            out = self.expr(2)
            nret = 2 if self.ch.flip(0.25) else 1
            if nret == 2:
                other = self.expr(1)
                ret = "return %s, %s" % (strip_parens(other.src), strip_parens(out.src))
            else:
                ret = "return %s" % strip_parens(out.src)
            header = "def %s(%s%s):" % (name, ", ".join(params), ", scale=0.5" if use_default else "")
            lines = [header] + ["    " + ln for ln in self.render(self.block, final=True)] + ["    " + ret]
            src = "\n".join(lines) + "\n"
            if "__" in src:
                raise GenFail("helper with conditions")
            self.run(src, self.hscope)
        finally:
            self.scope, self.pool, self.safe, self.in_helper, self.loop_depth, self.loop_ints, self.block = saved
        self.scope[name] = self.hscope[name]
        kw = ""
        if use_default and self.ch.flip(0.5):
            kw = ", scale=%s" % self.ch.choice(["0.25", "2.0", "1.5"])
        self.helpers.append((name, lines, [shape(a.val) for a in args], nret))
        self.features.add("helper:def")
        return name, nret, kw

    # ------------------------------------------------------------------------- statements

    def emit(self, line):
        self.run(line, self.scope)
        self.block.append(line)

    def snapshot(self):
        return (self.copy_scope(self.scope), dict(self.pool), list(self.block), len(self.helpers))

    def restore(self, snap):
        scope, pool, block, nh = snap
        self.scope.clear()
        self.scope.update(scope)
        self.pool = pool
        self.block = block
        del self.helpers[nh:]

    def statement(self, top=True):
        """One statement (simple or compound) appended to ``self.block``; retried on failure."""
        for _ in range(8):
            snap = self.snapshot()
            try:
                kind = self.ch.weighted([
                    (10, "assign"), (3, "update"), (3, "inplace"), (3, "create"), (3 if top else 0, "if"),
                    (3 if self.loop_depth < 2 and not self.in_helper else 1 if self.loop_depth < 1 else 0, "for"),
                    (1 if self.loop_depth < 1 else 0, "while"), (1, "unpack"),
                    (2 if top and not self.in_helper else 0, "early_return"),
                    (1 if self.loop_depth == 0 and not self.in_helper else 0, "listbuild"),
                    (1, "condexpr"),
                ])
                getattr(self, "s_" + kind)()
                self.check_all_values(self.scope)
                return
            except GenFail:
                self.restore(snap)
        # last resort: a plain assignment of a leaf
        self.s_assign(simple=True)

    def new_var(self, e, prefix="v"):
        name = self.fresh(prefix)
        self.emit("%s = %s" % (name, strip_parens(e.src)))
        self.pool[name] = Var("num")
        return name

    def s_assign(self, simple=False):
        e = self.leaf() if simple else self.expr()
        if not is_num(e.val):
            raise GenFail("not a float value")
        self.new_var(e)

    def s_unpack(self):
        a, b = self.expr(2), self.expr(1)
        n1, n2 = self.fresh(), self.fresh()
        self.emit("%s, %s = %s, %s" % (n1, n2, strip_parens(a.src), strip_parens(b.src)))
        self.pool[n1] = Var("num")
        self.pool[n2] = Var("num")
        self.features.add("unpack")

    def mutable(self, name):
        """An array this function owns: not an argument, not sharing memory with anything else."""
        var = self.pool.get(name)
        if var is None or var.arg or var.kind != "num" or not re.match(r"^[A-Za-z_]\w*$", name):
            return False
        v = self.scope.get(name)
        if not isinstance(v, np.ndarray) or not v.flags.writeable:
            return False
        for k, w in self.scope.items():
            if k == name or k.startswith("__"):
                continue
            for leaf in _leaves(w):
                if leaf is v or (isinstance(leaf, np.ndarray) and np.shares_memory(leaf, v)):
                    return False
        return True

    def s_update(self):
        """Rebind an existing variable to a new value of the same shape."""
        names = [n for n, v in self.pool.items() if v.kind == "num" and re.match(r"^v\d+$", n)]
        if not names:
            raise GenFail("nothing to update")
        name = self.pick(names)
        s = shape(self.ev(name))
        form = self.ch.int(0, 3)
        if form == 0 and s == ():
            op = self.ch.choice(["+=", "-=", "*="])
            rhs = self.fit(s, 1) if op != "*=" else self.e("np.tanh(%s)" % strip_parens(self.fit(s, 1).src))
            self.emit("%s %s %s" % (name, op, strip_parens(rhs.src)))
            self.features.add("augassign:scalar")
            return
        rhs = self.fit(s, 2)
        if form == 1:
            self.emit("%s = %s * %s + %s" % (name, name, fmt(self.ch.choice([0.5, 0.9, -0.3])), par(rhs.src)))
        elif form == 2:
            u = self.unary(E(name, self.ev(name)))
            self.emit("%s = %s + %s" % (name, strip_parens(u.src), par(rhs.src)))
        else:
            self.emit("%s = %s - %s" % (name, name, par(rhs.src)))
        self.features.add("rebind")

    def s_inplace(self):
        names = [n for n in self.pool if self.mutable(n)]
        if not names:
            raise GenFail("no owned array")
        self.store(self.pick(names))

    def index_for(self, s):
        """A subscript for an array of shape ``s`` (text) plus its feature name."""
        n = s[0]
        li = self.loop_var_int()
        kind = self.ch.weighted([(3, "int"), (3, "slice"), (2, "intarray"), (1, "mask"), (2, "multi"),
                                 (2 if li else 0, "loop")])
        if kind == "int":
            return str(self.ch.int(-n, n - 1)), kind
        if kind == "slice":
            return self.ch.choice(["1:", ":-1", "::2", "2:", ":2", "::-1", "1:%d" % n]), kind
        if kind == "intarray":
            idx = [self.ch.int(0, n - 1) for _ in range(self.ch.int(1, 4))]
            if len(idx) >= 2 and self.ch.flip(0.6):
                idx[-1] = idx[0]
            return (repr(idx) if self.ch.flip() else "np.array(%r)" % (idx,)), kind
        if kind == "mask":
            mask = [self.ch.flip(0.5) for _ in range(n)]
            if not any(mask):
                mask[-1] = True
            return "np.array(%r)" % (mask,), kind
        if kind == "loop":
            return "%s %% %d" % (li, n), kind
        if len(s) < 2:
            return "...", kind
        m = s[1]
        return self.ch.choice(["%d, :" % self.ch.int(0, n - 1), ":, %d" % self.ch.int(0, m - 1),
                               "1:, :%d" % max(1, m - 1), "%d, %d" % (self.ch.int(0, n - 1), self.ch.int(0, m - 1)),
                               ":, %r" % ([self.ch.int(0, m - 1) for _ in range(2)],)]), kind

    def store(self, name):
        v = self.ev(name)
        s = shape(v)
        if not s:
            raise GenFail("store into a scalar")
        idx, kind = self.index_for(s)
        target = "%s[%s]" % (name, idx)
        ts = shape(self.ev(target))
        if size(self.ev(target)) == 0:
            raise GenFail("empty store")
        op = self.ch.weighted([(4, "="), (3, "+="), (1, "-="), (1, "*=")])
        rhs = self.fit(ts, 2)
        if op == "*=":
            rhs = self.e("np.tanh(%s)" % strip_parens(rhs.src))
        self.emit("%s %s %s" % (target, op, strip_parens(rhs.src)))
        self.features.add("store:%s:%s" % (kind, op))

    def s_create(self):
        target = self.ch.choice([(3,), (4,), (2, 3), (3, 3), (5,), (2, 2)])
        existing = self.nums(lambda v: isinstance(v, np.ndarray) and v.ndim >= 1)
        form = self.ch.weighted([(4, "zeros"), (1, "ones"), (2, "zeros_like"), (2, "copy"), (1, "full"), (1, "eye")])
        name = self.fresh("y")
        if form == "zeros":
            src = "np.zeros(%r)" % (target if len(target) > 1 else target[0],)
        elif form == "ones":
            src = "np.ones(%r)" % (target,)
        elif form == "full":
            src = "np.full(%r, 0.5)" % (target,)
        elif form == "eye":
            src = "np.eye(%d)" % target[-1]
        elif form == "zeros_like" and existing:
            src = "np.zeros_like(%s)" % strip_parens(self.pick(existing).src)
        elif existing:
            e = self.pick(existing)
            src = self.ch.choice(["%s.copy()", "np.copy(%s)", "np.array(%s)"]) % strip_parens(e.src)
        else:
            src = "np.zeros(%r)" % (target,)
        self.emit("%s = %s" % (name, src))
        self.pool[name] = Var("num")
        self.features.add("create:" + form)
        for _ in range(self.ch.int(1, 3)):
            try:
                self.store(name)
            except GenFail:
                pass

    def s_condexpr(self):
        a = self.expr(2)
        s = shape(a.val)
        b = self.exact(s, 1)
        cond = self.condition()
        name = self.fresh()
        self.emit("%s = %s if %s else %s" % (name, strip_parens(a.src), cond, strip_parens(b.src)))
        self.pool[name] = Var("num")
        self.features.add("ifexp")

    # ---------------------------------------------------------------- conditions

    def cond_atom(self):
        """(expr source, value) of a scalar run-time quantity to compare."""
        a = self.expr(1)
        if shape(a.val) != ():
            a = self.reduce_full(a) if self.ch.flip(0.6) else self.e(self.ch.choice(
                ["np.sum(%s)", "np.mean(%s)", "np.max(%s)", "float(np.sum(%s))"]) % strip_parens(a.src))
        return a

    def condition(self):
        """A run-time condition text. At top level the constant is chosen now from the known value;
        inside a loop it is a placeholder calibrated when the loop is closed."""
        kind = self.ch.weighted([(6, "value"), (1, "static"), (1 if self.loop_var_int() else 0, "counter"),
                                 (1 if self.loop_depth == 0 else 0, "compound")])
        if kind == "static":
            s_items = self.nums(lambda v: np.ndim(v) >= 1)
            if not s_items:
                return "True"
            x = self.pick(s_items).src
            self.features.add("cond:static")
            return self.ch.choice(["%s.shape[0] > 2" % par(x), "len(%s) >= 3" % strip_parens(x),
                                   "%s.ndim == 2" % par(x), "np.size(%s) > 4" % strip_parens(x)])
        if kind == "counter":
            li = self.loop_var_int()
            self.features.add("cond:counter")
            return self.ch.choice(["%s %% 2 == 0" % li, "%s > 0" % li, "%s == 1" % li])
        if kind == "compound":
            c1, c2 = self.value_cond(), self.value_cond()
            self.features.add("cond:compound")
            return "%s %s %s" % (c1, self.ch.choice(["and", "or"]), c2)
        return self.value_cond()

    def value_cond(self):
        a = self.cond_atom()
        op = self.ch.choice([">", "<"])
        k = len(self.conds)
        self.conds[k] = (strip_parens(a.src), op)
        self.features.add("cond:value")
        if self.loop_depth == 0 and self.loop_conds is None:
            v = float(a.val)
            want = self.ch.flip()
            delta = 0.1 + 0.3 * abs(v)
            self.th[k] = (v - delta if want else v + delta) if op == ">" else (v + delta if want else v - delta)
            self.th[k] = float(fmt(self.th[k]))
        else:
            self.th[k] = 0.0  # calibrated when the loop is closed
            self.loop_conds.append(k)
        return "\u27e6%d\u27e7" % k

    def render(self, block, final, indent=""):
        out = []
        for item in block:
            if isinstance(item, str):
                out.append(indent + self.render_line(item, final))
            else:
                header, body = item
                out.append(indent + self.render_line(header, final))
                out.extend(self.render(body, final, indent + "    ") or [indent + "    pass"])
        return out

    def render_line(self, line, final):
        if not final and line.startswith("return "):
            return "pass"  # an early return never runs at the test point (executed at module level)

        def sub(m):
            k = int(m.group(1))
            expr, op = self.conds[k]
            if final:
                return "%s %s %s" % (expr, op, fmt(self.th[k]))
            return "__cv(%d, %s) %s __th[%d]" % (k, expr, op, k)
        return re.sub("\u27e6(\\d+)\u27e7", sub, line)

    def emit_compound(self, items):
        """Execute a compound statement (list of (header, body) items) on the real scope."""
        src = "\n".join(self.render(items, final=False)) + "\n"
        self.run(src, self.scope)
        self.block.extend(items)

    def sub_block(self, n, scope=None, pool=None):
        """Generate ``n`` statements into a new block in a scratch copy of the scope; returns the block."""
        saved = (self.scope, self.pool, self.block)
        self.scope = scope if scope is not None else self.copy_scope(self.scope)
        self.pool = dict(pool if pool is not None else self.pool)
        self.block = []
        try:
            for _ in range(n):
                self.statement(top=False)
            return self.block, self.scope, self.pool
        finally:
            self.scope, self.pool, self.block = saved

    # ------------------------------------------------------------------------ if

    def s_if(self):
        cond = self.condition()
        # which branch runs at the test point (top level: known now)
        truth = self.eval_cond(cond)
        outputs = [n for n, v in self.pool.items() if v.kind == "num" and re.match(r"^[vy]\d+$", n)]
        outs = []
        if outputs:
            outs = [self.pick(outputs)]
        new = self.fresh() if self.ch.flip(0.5) or not outs else None
        new_shape = shape(self.expr(1).val) if new else None
        branches = [("if %s:" % cond)]
        if self.ch.flip(0.3):
            branches.append("elif %s:" % self.condition())
        branches.append("else:")
        items = []
        taken_done = False
        for header in branches:
            safe_before = self.safe
            runs = self.branch_runs(header, truth, taken_done)
            taken_done = taken_done or runs
            self.safe = self.safe or not runs
            try:
                body, scope, pool = self.sub_block(self.ch.int(0, 2))
                saved = (self.scope, self.pool, self.block)
                self.scope, self.pool, self.block = scope, pool, body
                try:
                    for o in outs:
                        s = shape(self.ev(o))
                        rhs = self.fit(s, 2)
                        self.emit("%s = %s * 0.5 + %s" % (o, o, par(rhs.src)))
                    if new:
                        rhs = self.exact(new_shape, 2)
                        self.emit("%s = %s" % (new, strip_parens(rhs.src)))
                finally:
                    self.scope, self.pool, self.block = saved
            finally:
                self.safe = safe_before
            items.append((header, body))
        self.emit_compound(items)
        if new:
            self.pool[new] = Var("num")
        self.features.add("if" if len(branches) == 2 else "if:elif")

    def eval_cond(self, cond):
        if self.loop_conds is not None:
            return None
        try:
            return bool(eval(self.render_line(cond, final=False), self.scope))
        except Exception as exc:  # noqa: BLE001
            raise GenFail("cond: %s" % exc) from None

    def branch_runs(self, header, truth, taken_done):
        if truth is None:
            return False
        if header.startswith("if "):
            return truth
        if header.startswith("elif "):
            return (not truth) and self.eval_cond(header[5:-1])
        return not taken_done

    def s_early_return(self):
        cond = self.condition()
        e = self.cond_atom()
        self.emit_compound([("if %s:" % cond, ["return %s" % strip_parens(e.src)])]) if not self.eval_cond(cond) \
            else self._early_return_taken(cond, e)
        self.features.add("early_return")

    def _early_return_taken(self, cond, e):
        # the early return would run at the test point: flip it so the rest of the function is live
        k = int(re.search("\u27e6(\\d+)\u27e7", cond).group(1)) if "\u27e6" in cond else None
        if k is None or " and " in cond or " or " in cond:
            raise GenFail("static early return taken")
        expr, op = self.conds[k]
        self.conds[k] = (expr, "<" if op == ">" else ">")
        self.emit_compound([("if %s:" % cond, ["return %s" % strip_parens(e.src)])])

    # ----------------------------------------------------------------------- loops

    def loop_carried(self):
        names = [n for n, v in self.pool.items() if v.kind == "num" and re.match(r"^[vy]\d+$|^acc\d+$", n)]
        if not names or self.ch.flip(0.4):
            name = self.fresh("acc")
            init = self.ch.choice(["0.0", "np.zeros(%r)", "1.0"])
            if "%" in init:
                like = self.nums(lambda v: np.ndim(v) >= 1)
                init = ("np.zeros_like(%s)" % strip_parens(self.pick(like).src)) if like else "0.0"
            self.emit("%s = %s" % (name, init))
            self.pool[name] = Var("num")
            return name
        return self.pick(names)

    def s_for(self):
        self.loop(kind="for")

    def s_while(self):
        self.loop(kind="while")

    def loop(self, kind):
        outer = self.loop_conds is None
        if outer:
            self.loop_conds = []
        snap_scope = None
        try:
            carried = [self.loop_carried() for _ in range(self.ch.int(1, 2))]
            owned = [n for n in self.pool if self.mutable(n) and n not in carried]
            snap_scope = self.copy_scope(self.scope)
            header, var, first, bind = self.loop_header(kind)
            counter = None
            if kind == "while":
                counter = self.fresh("k")
                self.emit("%s = 0" % counter)
                snap_scope = self.copy_scope(self.scope)
                K = self.ch.int(1, 4)
                if self.ch.flip(0.3):
                    header = "while %s < %d and %s:" % (counter, K, self.condition_in_loop())
                else:
                    header = "while %s < %d:" % (counter, K)
                var, first, bind = counter, 0, "int"
            scope = self.copy_scope(self.scope)
            pool = dict(self.pool)
            if var is not None:
                for nm, val, kd in (bind if isinstance(bind, list) else [(var, first, bind)]):
                    scope[nm] = val
                    pool[nm] = Var(kd, arg=True)
            saved_li = self.loop_ints
            binds = bind if isinstance(bind, list) else [(var, first, bind)]
            self.loop_ints = saved_li + [nm for nm, _, kd in binds if kd == "int"]
            self.loop_depth += 1
            safe_before = self.safe
            self.safe = True
            try:
                body, bscope, bpool = self.sub_block(self.ch.int(0, 2), scope=scope, pool=pool)
                # body statements may not leak into the pool; the carried updates follow
                saved = (self.scope, self.pool, self.block)
                self.scope, self.pool, self.block = bscope, {**bpool}, body
                try:
                    if self.ch.flip(0.25):
                        self.block.append(("if %s:" % self.condition_in_loop(), ["break"]))
                        self.features.add("break")
                    if kind == "for" and self.ch.flip(0.15) and self.loop_var_int():
                        self.block.append(("if %s %% 2 == 1:" % self.loop_var_int(), ["continue"]))
                        self.features.add("continue")
                    for c in carried:
                        s = shape(self.ev(c))
                        rhs = self.fit(s, 2)
                        form = self.ch.int(0, 3)
                        if form == 0:
                            self.block.append("%s = %s * %s + %s" % (c, c, fmt(self.ch.choice([0.5, 0.9, -0.5])),
                                                                   par(rhs.src)))
                        elif form == 1:
                            self.block.append("%s = %s + %s" % (c, self.unary(E(c, self.ev(c))).src, par(rhs.src)))
                        elif form == 2 and s == ():
                            self.block.append("%s += %s" % (c, strip_parens(rhs.src)))
                        else:
                            self.block.append("%s = %s + %s * %s" % (c, c, par(rhs.src),
                                                                   fmt(self.ch.choice([0.3, 0.7]))))
                        self.run(self.render([self.block[-1]], final=False)[0], self.scope)
                    if owned and self.ch.flip(0.5):
                        o = self.pick(owned)
                        if self.mutable(o):
                            self.store(o)
                    if self.ch.flip(0.3) and self.loop_depth < 2:
                        self.statement(top=False)
                finally:
                    self.scope, self.pool, self.block = saved
            finally:
                self.loop_depth -= 1
                self.loop_ints = saved_li
                self.safe = safe_before
            if counter:
                body = body + ["%s += 1" % counter]
            items = [(header, body)]
            if kind == "for" and self.ch.flip(0.1):
                items.append(("else:", ["%s = %s * 2.0" % (carried[0], carried[0])]))
                self.features.add("for:else")
            if outer:
                self.calibrate(items, snap_scope)
            self.emit_compound(items)
            self.check_all_values(self.scope)
            self.features.add("loop:" + kind)
        finally:
            if outer:
                self.loop_conds = None

    def condition_in_loop(self):
        a = self.cond_atom()
        op = self.ch.choice([">", "<"])
        k = len(self.conds)
        self.conds[k] = (strip_parens(a.src), op)
        self.th[k] = 0.0
        self.loop_conds.append(k)
        self.features.add("cond:loop")
        return "\u27e6%d\u27e7" % k

    def loop_header(self, kind):
        """(header, loop variable, its first value, kind or [(name, value, kind)])."""
        if kind == "while":
            return None, None, None, None
        opts = [(6, "range")]
        rows = self.nums(lambda v: isinstance(v, np.ndarray) and v.ndim >= 2 or
                         (isinstance(v, np.ndarray) and v.ndim == 1 and 1 < v.shape[0] <= 4))
        lists = [n for n, v in self.pool.items() if v.kind == "list"]
        ints = [n for n, v in self.pool.items() if v.kind == "int" and n == "n"]
        opts += [(2 if rows else 0, "rows"), (2 if lists else 0, "list"), (1 if lists else 0, "enumerate"),
                 (1 if lists and rows else 0, "zip"), (2 if ints else 0, "n")]
        form = self.ch.weighted(opts)
        i = self.fresh("i")
        self.features.add("for:" + form)
        if form == "range":
            K = self.ch.int(1, 4)
            rng = self.ch.choice(["range(%d)" % K, "range(%d)" % K, "range(1, %d)" % (K + 1)])
            first = 1 if rng.startswith("range(1,") else 0
            return "for %s in %s:" % (i, rng), i, first, "int"
        if form == "n":
            return "for %s in range(n):" % i, i, 0, "int"
        if form == "rows":
            X = self.pick(rows)
            r = self.fresh("r")
            return "for %s in %s:" % (r, strip_parens(X.src)), r, copy.deepcopy(X.val[0]), "num"
        L = self.ch.choice(lists)
        vals = self.ev(L)
        w = self.fresh("w")
        if form == "list":
            return "for %s in %s:" % (w, L), w, copy.deepcopy(vals[0]), "num"
        if form == "enumerate":
            return ("for %s, %s in enumerate(%s):" % (i, w, L), i, 0,
                    [(i, 0, "int"), (w, copy.deepcopy(vals[0]), "num")])
        X = self.pick(rows)
        r = self.fresh("r")
        return ("for %s, %s in zip(%s, %s):" % (w, r, L, strip_parens(X.src)), w, None,
                [(w, copy.deepcopy(vals[0]), "num"), (r, copy.deepcopy(X.val[0]), "num")])

    def calibrate(self, items, scope_before):
        """Choose the constants of the run-time conditions inside a loop far from every value."""
        ids = list(self.loop_conds)
        if not ids:
            return
        for k in ids:
            self.th[k] = 1e9 if self.ch.flip() else -1e9
        src = "\n".join(self.render(items, final=False)) + "\n"
        for k in ids:
            self.rec = {}
            self.run(src, self.copy_scope(scope_before))
            vals = sorted(set(self.rec.get(k, [])))
            if not vals:
                self.th[k] = 0.0
                continue
            mode = self.ch.weighted([(2, "split"), (1, "below"), (1, "above")])
            gaps = [(vals[j + 1] - vals[j], (vals[j] + vals[j + 1]) / 2) for j in range(len(vals) - 1)]
            gaps = [(g, c) for g, c in gaps if g > 4 * MARGIN * (1 + abs(c))]
            if mode == "split" and gaps:
                c = max(gaps)[1]
            elif mode == "below" or (mode == "split" and self.ch.flip()):
                c = vals[0] - (0.1 + 0.3 * abs(vals[0]))
            else:
                c = vals[-1] + (0.1 + 0.3 * abs(vals[-1]))
            self.th[k] = float(fmt(c))
        self.rec = {}
        self.run(src, self.copy_scope(scope_before))
        for k in ids:
            for v in self.rec.get(k, []):
                if abs(v - self.th[k]) < MARGIN * (1 + abs(self.th[k])):
                    raise GenFail("condition too close to its constant")
        self.rec = {}

    def s_listbuild(self):
        name = self.fresh("ys")
        self.emit("%s = []" % name)
        K = self.ch.int(1, 4)
        i = self.fresh("i")
        scope = self.copy_scope(self.scope)
        scope[i] = 0
        saved = (self.scope, self.pool, self.block, self.safe, self.loop_ints)
        self.scope, self.pool, self.block, self.safe = scope, {**self.pool, i: Var("int", arg=True)}, [], True
        self.loop_ints = self.loop_ints + [i]
        self.loop_depth += 1
        try:
            e = self.expr(2)
            if not is_num(e.val):
                raise GenFail("list item")
            self.block.append("%s.append(%s)" % (name, strip_parens(e.src)))
            body = self.block
        finally:
            self.scope, self.pool, self.block, self.safe, self.loop_ints = saved
            self.loop_depth -= 1
        self.emit_compound([("for %s in range(%d):" % (i, K), body)])
        out = self.fresh()
        s = shape(e.val)
        combine = self.ch.choice(["np.stack(%s)", "sum(%s)", "np.array(%s)"] +
                                 (["np.concatenate(%s)"] if s else []) + ["np.stack(%s, axis=-1)" if s else "sum(%s)"])
        self.emit("%s = %s" % (out, combine % name))
        self.pool[out] = Var("num")
        self.features.add("listbuild")

    # ------------------------------------------------------------------------ program

    def arguments(self):
        """Choose the parameters and their values (seeded NumPy generator)."""
        seed = self.ch.int(0, 2 ** 16)
        rng = np.random.default_rng(seed)

        def arr(shp):
            return np.round(rng.uniform(-1.5, 1.5, size=shp), 6)

        shapes = [(3,), (4,), (2, 3), (3, 3), (3, 2), (2, 2), (2, 3, 2), (2,), ()]
        params = []
        n_arrays = self.ch.int(1, 3)
        for name in ["x", "y", "z"][:n_arrays]:
            s = self.ch.choice(shapes)
            params.append((name, np.array(arr(s)) if s else np.array(float(arr(())))))
        if self.ch.flip(0.3):
            params.append(("s", float(arr(()))))
        if self.ch.flip(0.3):
            s = self.ch.choice([(3,), (2, 2), ()])
            k = self.ch.int(1, 3)
            items = [np.array(arr(s)) if s else float(arr(())) for _ in range(k)]
            params.append(("params", items))
        if self.ch.flip(0.25):
            params.append(("p", {"w": arr(self.ch.choice([(3,), (2, 3)])), "b": float(arr(()))}))
        if self.ch.flip(0.1):
            params.append(("n", self.ch.int(1, 3)))
        return params

    def program(self):
        params = self.arguments()
        self.scope = self._base_scope()
        self.pool = {}
        self.block = []
        self.loop_ints = []
        for name, val in params:
            self.scope[name] = copy.deepcopy(val)
            if isinstance(val, list):
                self.pool[name] = Var("list", arg=True)
                for j in range(len(val)):
                    self.pool["%s[%d]" % (name, j)] = Var("num", arg=True)
            elif isinstance(val, dict):
                self.pool[name] = Var("dict", arg=True)
                for k in val:
                    self.pool["%s[%r]" % (name, k)] = Var("num", arg=True)
            elif isinstance(val, int):
                self.pool[name] = Var("int", arg=True)
            else:
                self.pool[name] = Var("num", arg=True)
        for _ in range(self.ch.int(1, self.max_statements)):
            self.statement()
        # the output: a scalar combination of reductions of recent values
        nums = [n for n, v in self.pool.items() if v.kind == "num"]
        recent = [n for n in nums if re.match(r"^[vy]\d+$|^acc\d+$", n)]
        picks = [recent[-1]] if recent else [self.ch.choice(nums)]
        for _ in range(self.ch.int(0, 2)):
            picks.append(self.pick(nums))
        terms = []
        for p in picks:
            e = self.reduce_full(E(p, self.ev(p)))
            terms.append(e.src if not terms else "%s * %s" % (fmt(self.ch.choice([0.5, 2.0, -1.0, 0.3])), par(e.src)))
        ret = " + ".join(terms)
        value = self.ev(ret)
        if np.ndim(value) != 0:
            raise GenFail("non-scalar output")
        names = [n for n, _ in params]
        diff = [n for n, v in params if not isinstance(v, int)]
        if not diff:
            raise GenFail("nothing to differentiate")
        chosen = [n for n in diff if self.ch.flip(0.8)] or [diff[0]]
        form = self.ch.int(0, 2)
        if len(chosen) == 1:
            wrt = chosen[0] if form == 0 else names.index(chosen[0])
            if form == 2:
                wrt = (names.index(chosen[0]),)
        else:
            wrt = tuple(chosen) if form == 0 else tuple(names.index(c) for c in chosen)
        helper_src = "".join("\n\n" + "\n".join(lines) + "\n" for _, lines, _, _ in self.helpers)
        body = self.render(self.block, final=True)
        src = ("import math\n\nimport numpy as np\n" + helper_src + "\n\ndef f(%s):\n" % ", ".join(names)
               + "".join("    " + ln + "\n" for ln in body) + "    return %s\n" % strip_parens(ret))
        args = tuple(val for _, val in params)
        return Program(source=src, fname="f", args=args, wrt=wrt, arg_names=names, features=set(self.features))


def registry_coverage():
    """(generated, not generated): names of srcdiff's registered NumPy/math rules that this
    generator's templates can write, and the differentiable ones it never writes."""
    import inspect as _inspect
    from srcdiff.rules import all_rules
    text = _inspect.getsource(_inspect.getmodule(registry_coverage))
    written = set(re.findall(r"\bnp\.((?:linalg\.)?[a-z_0-9]+)\(", text))
    written |= {"numpy." + n for n in re.findall(r"\.([a-z_]+)\(", text)}  # methods map onto numpy functions
    written |= {"math." + n for n in re.findall(r"\bmath\.([a-z_0-9]+)\(", text)}
    names = {"numpy." + n for n in written if not n.startswith(("numpy.", "math."))} | \
        {n for n in written if n.startswith(("numpy.", "math."))}
    names |= {"numpy." + n for group in registry_ufuncs() for n in group}
    names |= {"numpy.std", "numpy.var", "numpy.sum", "numpy.mean", "numpy.prod", "numpy.max", "numpy.min"}
    aliases = {"numpy.abs": "numpy.absolute", "numpy.divide": "numpy.divide"}
    names |= {aliases[n] for n in names if n in aliases}
    generated, missing = set(), set()
    for rule in all_rules():
        if not rule.name.startswith(("numpy.", "math.")):
            continue
        if rule.name in names:
            generated.add(rule.name)
        elif not rule.nondifferentiable:
            missing.add(rule.name)
    return sorted(generated), sorted(missing)


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


# --------------------------------------------------------------------------- entry points


def generate(chooser, **config):
    """One program from ``chooser`` (raises GenFail when this chooser's program did not work out)."""
    program = Generator(chooser, **config).program()
    _validate(program)
    program.choices = list(getattr(chooser, "record", []))
    return program


def random_program(seed, **config):
    """The program for ``seed`` (random mode); retries with derived seeds if a draw fails."""
    for attempt in range(20):
        try:
            p = generate(RandomChooser(seed * 1000003 + attempt), **config)
            p.seed = seed
            return p
        except GenFail:
            continue
    raise GenFail("no program for seed %r" % (seed,))


def replay_program(offsets, **config):
    return generate(ReplayChooser(offsets), **config)


def programs(**config):
    """A hypothesis strategy of ``Program``s."""
    from hypothesis import assume, strategies as st

    @st.composite
    def strategy(draw):
        try:
            return generate(HypothesisChooser(draw), **config)
        except GenFail:
            assume(False)

    return strategy()


def _validate(program):
    """Run the final source as plain Python on the test point: it must give a finite float."""
    import types
    mod = types.ModuleType("fuzz_validate")
    try:
        with np.errstate(all="raise", under="ignore"), warnings.catch_warnings():
            warnings.simplefilter("error")
            exec(compile(program.source, "<validate>", "exec"), mod.__dict__)
            args = copy.deepcopy(program.args)
            v = mod.f(*args)
    except Exception as exc:  # noqa: BLE001
        raise GenFail("final program fails: %s: %s" % (type(exc).__name__, exc)) from None
    if np.ndim(v) != 0 or not np.isfinite(v):
        raise GenFail("final program value %r" % (v,))
    for a, b in zip(_leaves(args), _leaves(program.args)):
        if not np.array_equal(a, b):
            raise GenFail("program mutates its arguments")
