"""Checks srcdiff on the research-style programs: both modes against central finite differences."""
import copy
import dataclasses
import importlib
import inspect
import os
from dataclasses import dataclass, field

import numpy as np

import srcdiff

MODES = ("reverse", "forward")
STATUSES = ("ok", "refused", "wrong", "crash")

PROGRAMS = [
    "bbvi_gaussian", "vae", "lstm_inner", "rnn_class", "hmm_forward", "gmm_fit", "bayesian_nn",
    "cs231n_layers", "numpy_ml_layers", "conv_pool", "argument_checks", "plot_in_loss",
    "newton_inner", "higher_order", "mlp_list", "gp_regression", "ode_rk4", "ica",
    "dataclass_params", "partial_map", "fluid_1d", "gan", "kwargs_unpacking", "batchnorm",
    "attention", "scipy_odeint", "robust_regression", "kalman_filter", "skipgram", "dispatch_dict",
    "stats_models", "class_mlp", "model_predict", "newton_objective", "maml_inner", "map_layers",
    "config_dispatch", "bn_inline", "laplace_evidence",
]


@dataclass
class Case:
    """One gradient check: ``fun(*make())`` differentiated with respect to ``wrt``.

    ``known`` maps a mode to ``(status, reason)`` for a case that does not pass today (a strict
    xfail in tests/end_to_end/test_programs.py); ``reference``, if given, is the exact gradient
    ``reference(*args)`` that reverse mode must also match (single ``wrt`` only).
    """
    name: str
    fun: object
    make: object
    wrt: object = 0
    notes: str = ""
    known: dict = field(default_factory=dict)
    reference: object = None


def refused(reason):
    return ("refused", reason)


def crash(reason):
    return ("crash", reason)


def wrong(reason):
    return ("wrong", "WRONG GRADIENT: " + reason)


def both(known):
    """The same known status in reverse and forward mode."""
    return {"reverse": known, "forward": known}


def load(name):
    """The program module ``tests.programs.<name>``; None when it needs a package not installed."""
    try:
        return importlib.import_module("tests.programs." + name)
    except ImportError as e:
        if e.name and e.name.split(".")[0] in ("scipy",):
            return None
        raise


def cases_of(module):
    return module.CASES if hasattr(module, "CASES") else list(module.cases())


# ------------------------------------------------------------------------- trees of parameters

def _differentiable(x):
    if isinstance(x, (bool, np.bool_)):
        return False
    if isinstance(x, (float, np.floating)):
        return True
    return isinstance(x, np.ndarray) and x.dtype.kind == "f"


def _children(x):
    """(key, child) pairs of a container; key is ("item", k) or ("attr", name)."""
    if isinstance(x, dict):
        return [(("item", k), v) for k, v in x.items()]
    if isinstance(x, (list, tuple)):
        return [(("item", i), v) for i, v in enumerate(x)]
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return [(("attr", f.name), getattr(x, f.name)) for f in dataclasses.fields(x)]
    if hasattr(x, "__dict__") and not callable(x) and not isinstance(x, (np.ndarray, type)) \
            and type(x).__module__.startswith("tests.programs"):
        return [(("attr", k), v) for k, v in vars(x).items()]
    return None


def leaves(x, path=()):
    """(path, leaf) for every floating-point leaf of ``x``."""
    kids = _children(x)
    if kids is None:
        return [(path, x)] if _differentiable(x) else []
    return [pl for key, child in kids for pl in leaves(child, path + (key,))]


def get(tree, path):
    """The entry at ``path`` of a gradient, which may be an object or a mapping of its attributes."""
    for kind, k in path:
        if kind == "attr" and not isinstance(tree, dict):
            tree = getattr(tree, k)
        else:
            tree = tree[k]
    return tree


def replace(tree, path, value):
    """A copy of ``tree`` with the leaf at ``path`` replaced (containers on the path are copied)."""
    if not path:
        return value
    (kind, k), rest = path[0], path[1:]
    if kind == "attr":
        new = copy.copy(tree)
        object.__setattr__(new, k, replace(getattr(tree, k), rest, value))
        return new
    if isinstance(tree, tuple):
        items = list(tree)
        items[k] = replace(tree[k], rest, value)
        return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
    new = copy.copy(tree)
    new[k] = replace(tree[k], rest, value)
    return new


def _same_kind(value, like):
    return float(value) if isinstance(like, (float, np.floating)) and not isinstance(like, np.ndarray) \
        else np.asarray(value, dtype=float).reshape(np.shape(like))


def direction_like(x, rng):
    """A random tangent with the structure of ``x``: zeros for non-float leaves."""
    out = x
    for path, leaf in leaves(x):
        out = replace(out, path, _same_kind(rng.standard_normal(np.shape(leaf)), leaf))
    return out


def axpy(x, h, v):
    """``x + h v`` leaf by leaf."""
    out = x
    for path, leaf in leaves(x):
        out = replace(out, path, _same_kind(np.asarray(leaf) + h * np.asarray(get(v, path)), leaf))
    return out


def dot(a, b, like):
    return sum(float(np.sum(np.asarray(get(a, p), dtype=float) * np.asarray(get(b, p), dtype=float)))
               for p, _ in leaves(like))


def size(x):
    return sum(int(np.size(leaf)) for _, leaf in leaves(x))


# ------------------------------------------------------------------------- finite differences

def positions(case):
    wrt = case.wrt
    names = list(inspect.signature(case.fun).parameters)
    single = not isinstance(wrt, (tuple, list))
    out = []
    for w in ([wrt] if single else wrt):
        out.append(names.index(w) if isinstance(w, str) else w)
    return single, out


def scalar(fun, args):
    """``fun(*args)`` as a float; ``fun`` gets its own copies (it may write into its arguments, as layers
    updating running statistics do, which srcdiff's generated code never does to the caller's values)."""
    return float(np.real(fun(*copy.deepcopy(list(args)))))


def close(a, n, scale=1.0, rtol=1e-5, atol=1e-7):
    return abs(a - n) <= atol * scale + rtol * abs(n)


def directional_fd(fun, args, pos, vs, analytic, scale=1.0):
    """Does ``analytic`` match the central difference of ``fun`` along ``vs`` (one per position)?

    Tries steps 1e-6, 1e-5, 1e-4 (times the size of the arguments); returns (ok, best numeric)."""
    mag = max([1.0] + [float(np.max(np.abs(leaf))) for p in pos for _, leaf in leaves(args[p])
                       if np.size(leaf)])
    best = None
    for eps in (1e-6, 1e-5, 1e-4):
        h = eps * mag
        vals = []
        for sign in (1.0, -1.0):
            moved = list(args)
            for p, v in zip(pos, vs):
                moved[p] = axpy(args[p], sign * h, v)
            vals.append(scalar(fun, moved))
        numeric = (vals[0] - vals[1]) / (2 * h)
        if best is None or abs(analytic - numeric) < abs(analytic - best):
            best = numeric
        if close(analytic, numeric, scale):
            return True, numeric
    return False, best


def _unit(like, path):
    """A tangent of ``like``'s structure, zero except 1 at the leaf entry ``path``/index."""
    leaf_path, idx = path
    v = axpy(like, 0.0, like)  # a copy with float leaves
    out = v
    for p, leaf in leaves(v):
        out = replace(out, p, _same_kind(np.zeros(np.shape(leaf)), leaf))
    e = np.zeros(np.shape(get(like, leaf_path)))
    e[idx] = 1.0
    return replace(out, leaf_path, _same_kind(e, get(like, leaf_path)))


# ------------------------------------------------------------------------- the two checks

@dataclass
class Result:
    status: str
    detail: str = ""


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) + os.sep


def _first_line(e):
    text = str(e).strip().splitlines()
    return "%s: %s" % (type(e).__name__, text[0].replace(ROOT, "") if text else "")


def _attempt(call):
    try:
        return call(), None
    except srcdiff.SrcdiffError as e:
        return None, Result("refused", _first_line(e))
    except Exception as e:  # noqa: BLE001 - anything else srcdiff raises is a crash
        return None, Result("crash", _first_line(e))


def check_reverse(case, max_full=60, directions=6, seed=0):
    args = case.make()
    single, pos = positions(case)
    expected = scalar(case.fun, case.make())
    out, bad = _attempt(lambda: srcdiff.value_and_grad(case.fun, wrt=case.wrt)(*args))
    if bad:
        return bad
    value, g = out
    if not close(float(np.real(value)), expected, rtol=1e-10, atol=1e-12):
        return Result("wrong", "value %r, plain call %r" % (value, expected))
    grads = [g] if single else list(g)
    if len(grads) != len(pos):
        return Result("wrong", "%d gradients for %d arguments" % (len(grads), len(pos)))
    scale = max(1.0, abs(expected))
    for p, gi in zip(pos, grads):
        for path, leaf in leaves(args[p]):
            try:
                gl = get(gi, path)
            except (KeyError, IndexError, AttributeError, TypeError) as e:
                return Result("wrong", "gradient of argument %d has no entry %s (%s)" % (p, path, e))
            if np.shape(gl) != np.shape(leaf):
                return Result("wrong", "argument %d %s: gradient shape %s for %s" % (
                    p, path, np.shape(gl), np.shape(leaf)))
    if case.reference is not None:
        ref = case.reference(*case.make())
        if not np.allclose(np.asarray(g, dtype=float), ref, rtol=1e-8, atol=1e-10):
            return Result("wrong", "gradient %r, exact %r" % (g, ref))
    total = sum(size(args[p]) for p in pos)
    zero_dirs = [axpy(args[p], -1.0, args[p]) for p in pos]
    if total <= max_full:
        for k, (p, gi) in enumerate(zip(pos, grads)):
            for path, leaf in leaves(args[p]):
                for idx in np.ndindex(*np.shape(leaf)):
                    vs = list(zero_dirs)
                    vs[k] = _unit(args[p], (path, idx))
                    analytic = float(np.asarray(get(gi, path), dtype=float)[idx])
                    ok, numeric = directional_fd(case.fun, args, pos, vs, analytic, scale)
                    if not ok:
                        return Result("wrong", "argument %d %s%s: srcdiff %.10g, finite differences %.10g"
                                      % (p, "".join("[%r]" % k_[1] for k_ in path), list(idx), analytic, numeric))
    rng = np.random.default_rng(seed)
    for _ in range(directions if total > max_full else 0):
        vs = [direction_like(args[p], rng) for p in pos]
        analytic = sum(dot(gi, v, args[p]) for p, gi, v in zip(pos, grads, vs))
        ok, numeric = directional_fd(case.fun, args, pos, vs, analytic, scale)
        if not ok:
            return Result("wrong", "along a random direction: srcdiff %.10g, finite differences %.10g"
                          % (analytic, numeric))
    return Result("ok")


def check_forward(case, directions=2, seed=1):
    args = case.make()
    single, pos = positions(case)
    expected = scalar(case.fun, case.make())
    scale = max(1.0, abs(expected))
    rng = np.random.default_rng(seed)
    grads = None
    reverse, bad = _attempt(lambda: srcdiff.value_and_grad(case.fun, wrt=case.wrt)(*case.make())[1])
    if not bad:
        grads = [reverse] if single else list(reverse)
    for _ in range(directions):
        vs = [direction_like(args[p], rng) for p in pos]
        out, bad = _attempt(lambda: srcdiff.jvp(case.fun, tuple(args), vs[0] if single else tuple(vs),
                                                wrt=case.wrt))
        if bad:
            return bad
        value, t = out
        if not close(float(np.real(value)), expected, rtol=1e-10, atol=1e-12):
            return Result("wrong", "value %r, plain call %r" % (value, expected))
        if np.size(t) != 1:
            return Result("wrong", "tangent of a scalar function has shape %s" % (np.shape(t),))
        t = float(np.real(t))
        ok, numeric = directional_fd(case.fun, args, pos, vs, t, scale)
        if not ok:
            return Result("wrong", "jvp %.10g, directional finite differences %.10g" % (t, numeric))
        if grads is not None:
            gv = sum(dot(gi, v, args[p]) for p, gi, v in zip(pos, grads, vs))
            if not close(t, gv, scale, rtol=1e-8, atol=1e-10):
                return Result("wrong", "jvp %.12g, but <grad, v> = %.12g" % (t, gv))
    return Result("ok")


CHECKS = {"reverse": check_reverse, "forward": check_forward}


def run(case, mode):
    try:
        return CHECKS[mode](case)
    except srcdiff.SrcdiffError as e:  # raised while evaluating the plain function (nested grad)
        return Result("refused", _first_line(e))
