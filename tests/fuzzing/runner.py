"""Run one generated program through srcdiff and classify the result.

Each program is written to a real ``.py`` file (srcdiff reads source with ``inspect.getsource``)
and imported. Then:

* reverse mode, twice: ``srcdiff.grad`` (one generated function) and ``srcdiff.vjp`` (separate
  forward and backward functions, pulled back from 1.0). Each gradient must have the arguments'
  structure and shapes, and match central finite differences in float64 (below);
* forward mode: ``srcdiff.jvp`` along a random tangent must match the directional finite
  difference, and the dot-product test ``jvp(t) == <vjp gradient, t>`` must hold;
* the values srcdiff returns (``vjp``, ``jvp``) must equal the plain function's value, and no
  call may modify the caller's arguments.

Finite differences (float64). Inputs are O(1) (|x| <= 1.5 in the generator) and every value at
the test point is bounded by ``generator.BOUND``. Along each probe direction ``d`` (unit vectors
for up to ``MAX_FULL`` input entries, otherwise ``DIRECTIONS`` random normal directions):

* ``fd1``: central difference with ``H1 = 1e-6`` — truncation ``h^2 f'''/6 ~ 1e-13``, rounding
  ``eps * |f| / h ~ 2e-10 |f|`` (more if the function cancels large intermediate values);
* ``fd2``: Richardson extrapolation of central differences with ``H2 = 1e-3`` and ``H2 / 2`` —
  truncation ``O(h^4) ~ 1e-12``, rounding ``~ 1e-12 |f|``; robust where ``fd1`` loses digits to
  cancellation, but it needs the function smooth over ``[x - 1e-3, x + 1e-3]``.

A srcdiff number ``a`` agrees with a reference ``n`` when
``|a - n| <= RTOL * max(|a|, |n|) + ATOL * (1 + |f(x)|)`` with ``RTOL = 1e-5``, ``ATOL = 1e-7``.
A gradient is *wrong* only when it disagrees with both ``fd1`` and ``fd2`` (``fd2`` is only
computed where ``fd1`` disagrees). When ``fd1`` and ``fd2`` also disagree with each other, two more
central differences (``h = 1e-5, 1e-7``) are taken; srcdiff passes if it matches one of them, and if
the four estimates are inconsistent the program is ``invalid`` (not smooth at the test point — a
kink or branch boundary within ``1e-3``, or ill-conditioned), not ``wrong``. Forward against reverse (the dot-product test) and the
returned values are compared to ``1e-7`` relative (both sides are exact up to rounding).

Issue-15 inputs (``special_inputs``, ``constructs``):

* complex arguments are probed along the real and the imaginary unit of each entry, and a
  gradient ``g`` pairs with a change ``d`` as ``Re(sum(g * d))`` (srcdiff's convention, that of
  ``srcdiff/rules/numpy_complex.py``: ``g = dL/dx - i dL/dy``); the gradient of a real argument
  and the tangent of a real output must be real;
* a complex-valued output: ``grad`` must refuse (returning a gradient is ``wrong``); ``vjp``
  pulled back from 1.0 is checked as the gradient of the real part, ``jvp`` part by part;
* a NaN / out-of-domain input entry: NaN derivatives are compared equal (NaN in, NaN out); for a
  separable NaN-valued term the derivative along the bad entry must be NaN (and so the tangent of a
  jvp that moves it), every other one is the one at an in-domain point; a guarded term
  (``np.where``) must give the finite-difference derivative, 0 through the untaken branch;
* a function argument made by a factory is also made anew for several inline calls with other
  parameters (``per-call``): each gradient must be the one of the function passed then.

Statuses: ``ok``; ``wrong`` (a gradient, tangent, value or structure mismatch, or a mutated
argument); ``refused`` (a ``srcdiff.SrcdiffError``: srcdiff declined on purpose); ``error`` (any
other exception from srcdiff, a ``SrcdiffError`` whose message says "internal error" — srcdiff's own
consistency checks, asking to be reported — or a timeout); ``invalid`` (the plain program itself misbehaves at
the test point — a generator problem, not srcdiff's).
"""
from __future__ import annotations

import copy
import dataclasses
import importlib.util
import itertools
import os
import re
import signal
import sys
import tempfile
import threading
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np

import srcdiff

H1 = 1e-6
H2 = 1e-3
RTOL = 1e-5
ATOL = 1e-7
EXACT_RTOL = 1e-7
MAX_FULL = 40
DIRECTIONS = 6
TIMEOUT = 60.0
NAN_PROBE = " (NaN expected)"

_counter = itertools.count()
_dir = None


@dataclass
class Issue:
    status: str   # "wrong", "error", "refused"
    check: str    # "grad", "vjp", "jvp", "dot", ...
    message: str

    def __str__(self):
        return "[%s] %s: %s" % (self.status, self.check, self.message)


@dataclass
class Outcome:
    status: str
    issues: list = field(default_factory=list)
    program: object = None
    value: float = None

    def summary(self):
        return "\n".join(str(i) for i in self.issues) or self.status

    def refusals(self):
        return [i for i in self.issues if i.status == "refused"]


class Timeout(Exception):
    pass


# ----------------------------------------------------------------------------- loading


def workdir():
    global _dir
    if _dir is None:
        _dir = tempfile.mkdtemp(prefix="srcdiff_fuzz_")
    return _dir


def load(program, directory=None):
    """Write the program to a real file and import it; returns (module, path)."""
    directory = directory or workdir()
    name = "fuzzprog_%d_%d" % (os.getpid(), next(_counter))
    path = os.path.join(directory, name + ".py")
    with open(path, "w") as fh:
        fh.write(program.source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module, path


def unload(module, path):
    sys.modules.pop(module.__name__, None)
    try:
        os.remove(path)
    except OSError:
        pass
    try:
        from srcdiff.backend import cache
        cache.clear()
    except Exception:  # noqa: BLE001 - only a memory optimization
        pass


# ----------------------------------------------------------------------------- trees


def is_object(x):
    """An instance of a generated user class (objects.py): its float attributes are its leaves."""
    return hasattr(x, "__dict__") and not callable(x) and type(x).__module__.startswith("fuzzprog_")


def _float_attrs(x):
    return [k for k, v in vars(x).items()
            if (isinstance(v, float) or isinstance(v, np.ndarray) and v.dtype.kind in "fc")]


def leaves(x):
    if is_object(x):
        return [getattr(x, k) for k in _float_attrs(x)]
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in leaves(item)]
    if isinstance(x, dict):
        return [leaf for k in x for leaf in leaves(x[k])]
    return [x]


def rebuild(tree, new_leaves):
    it = iter(new_leaves)

    def walk(node):
        if is_object(node):  # made without __init__, as srcdiff makes gradients and tangents
            new = type(node).__new__(type(node))
            new.__dict__.update(vars(node))
            for k in _float_attrs(node):
                setattr(new, k, next(it))
            return new
        if isinstance(node, list):
            return [walk(x) for x in node]
        if isinstance(node, tuple):
            return tuple(walk(x) for x in node)
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        return next(it)
    return walk(tree)


def same_structure(g, x):
    if is_object(x):
        return type(g) is type(x) and _float_attrs(g) == _float_attrs(x) and \
            all(same_structure(a, b) for a, b in zip(leaves(g), leaves(x)))
    if isinstance(x, (list, tuple)):
        return isinstance(g, (list, tuple)) and len(g) == len(x) and all(same_structure(a, b) for a, b in zip(g, x))
    if isinstance(x, dict):
        return isinstance(g, dict) and set(g) == set(x) and all(same_structure(g[k], x[k]) for k in x)
    return np.shape(g) == np.shape(x) and not isinstance(g, (list, tuple, dict))


def like(leaf, array):
    if isinstance(leaf, float):
        return float(np.real(array))
    if isinstance(leaf, complex):
        return complex(np.asarray(array).item())
    return np.asarray(array, dtype=complex if np.iscomplexobj(leaf) else float).reshape(np.shape(leaf))


def positions(program):
    wrt = program.wrt
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    return [w if isinstance(w, int) else program.arg_names.index(w) for w in items], not isinstance(wrt, tuple)


def deep_equal(a, b):
    la, lb = leaves(a), leaves(b)
    return len(la) == len(lb) and all(type(x) is type(y) and (x is y if callable(x) else np.array_equal(x, y, equal_nan=True))
                                      for x, y in zip(la, lb))


# ----------------------------------------------------------------------------- checking


class Checker:
    """Finite differences of one real quantity of ``fun`` (its value, or for a complex output its
    ``part``, "real" or "imag") at ``args`` (default: the program's). ``bad``: the (position, leaf,
    index) of input entries along which srcdiff's derivative must be NaN (special_inputs)."""

    def __init__(self, fun, program, args=None, part="real", bad=()):
        self.fun = fun
        self.program = program
        self.args = program.args if args is None else args
        self.part = part
        self.bad = set(bad)
        self.pos, self.single = positions(program)
        self.wrt_leaves = [leaves(self.args[p]) for p in self.pos]
        flat = [leaf for ls in self.wrt_leaves for leaf in ls]
        self.total = sum(int(np.size(leaf)) * (2 if np.iscomplexobj(leaf) else 1) for leaf in flat)
        self.rng = np.random.default_rng(1234)

    def f(self, args):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            v = self.fun(*copy.deepcopy(args))
            return float(np.imag(v)) if self.part == "imag" else float(np.real(v))

    def shifted(self, direction, h):
        """The arguments moved by ``h * direction`` (direction: per wrt position, a list of leaf arrays)."""
        args = list(self.args)
        for p, ls, ds in zip(self.pos, self.wrt_leaves, direction):
            args[p] = rebuild(self.args[p], [like(leaf, np.asarray(leaf) + h * d)
                                             for leaf, d in zip(ls, ds)])
        return tuple(args)

    def central(self, direction, h):
        return (self.f(self.shifted(direction, h)) - self.f(self.shifted(direction, -h))) / (2 * h)

    def fd1(self, direction):
        return self.central(direction, H1)

    def fd2(self, direction):
        d1, d2 = self.central(direction, H2), self.central(direction, H2 / 2)
        return (4 * d2 - d1) / 3

    def directions(self):
        """(label, direction) probes: unit vectors (real and imaginary for a complex entry), or random
        directions for large inputs; a label ending in NAN_PROBE expects a NaN derivative."""
        zero = [[np.zeros(np.shape(leaf), dtype=complex if np.iscomplexobj(leaf) else float) for leaf in ls]
                for ls in self.wrt_leaves]
        units = [(k, j, idx, unit) for k, ls in enumerate(self.wrt_leaves) for j, leaf in enumerate(ls)
                 for idx in np.ndindex(*np.shape(leaf)) for unit in ((1.0, 1j) if np.iscomplexobj(leaf) else (1.0,))]
        for k, j, idx, unit in units:
            if self.total <= MAX_FULL or (k, j, idx) in self.bad:
                d = copy.deepcopy(zero)
                d[k][j][idx] = unit
                yield "%s leaf %d %s%s%s" % (self.label(k), j, list(idx), " imag" if unit == 1j else "",
                                             NAN_PROBE if (k, j, idx) in self.bad else ""), d
        if self.total > MAX_FULL:
            for r in range(DIRECTIONS):
                d = [[self.normal(leaf) for leaf in ls] for ls in self.wrt_leaves]
                for k, j, idx in self.bad:
                    d[k][j][idx] = 0.0
                yield "random direction %d" % r, d

    def normal(self, leaf):
        d = self.rng.standard_normal(np.shape(leaf))
        return d + 1j * self.rng.standard_normal(np.shape(leaf)) if np.iscomplexobj(leaf) else d

    def label(self, k):
        return self.program.arg_names[self.pos[k]]

    @staticmethod
    def dot(grad_leaves, direction):
        """Re <g, d> (srcdiff's complex convention: a cotangent g pairs with a change d as Re(g d)),
        over the entries where d is nonzero (so a NaN elsewhere in g does not leak in)."""
        return float(np.real(sum(np.sum(np.where(d != 0, np.asarray(g) * d, 0.0)) for gl, dl in zip(grad_leaves, direction)
                                 for g, d in zip(gl, dl))))

    @staticmethod
    def agree(a, n, fscale):
        if np.isnan(a) and np.isnan(n):
            return True  # NaN in, NaN out
        if not (np.isfinite(a) and np.isfinite(n)):
            return False
        return abs(a - n) <= RTOL * max(abs(a), abs(n)) + ATOL * fscale


def check(program, timeout=TIMEOUT, reverse=("grad", "vjp"), per_call=True):
    """Differentiate ``program`` every way and classify: returns an ``Outcome``.

    ``reverse`` picks the reverse-mode entry points to check (both by default; a quicker run can
    take one of them per program); ``per_call`` the extra calls with new function arguments."""
    try:
        module, path = load(program)
    except Exception as exc:  # noqa: BLE001
        return Outcome("invalid", [Issue("invalid", "import", "%s: %s" % (type(exc).__name__, exc))], program)
    try:
        if program.makers or program.objects:  # function arguments and objects: made by the program's code
            program = dataclasses.replace(program, args=program.materialized(module.__dict__))
        with _time_limit(timeout):
            return _check(resolve(module, program.fname), program, reverse, per_call)
    except Timeout:
        return Outcome("error", [Issue("error", "timeout", "no result after %.0f s of CPU time" % timeout)], program)
    finally:
        unload(module, path)


def resolve(module, fname):
    """``f`` or ``Model.loss`` in ``module``."""
    obj = module
    for part in fname.split("."):
        obj = getattr(obj, part)
    return obj


def _exact(fun):
    """``fun`` run with the nested gradients' exact derivatives (objects.exact_srcdiff), not srcdiff's."""
    from .objects import exact_srcdiff
    namespace = sys.modules[fun.__module__].__dict__

    def run(*args):
        real = namespace["srcdiff"]
        namespace["srcdiff"] = exact_srcdiff()
        try:
            return fun(*args)
        finally:
            namespace["srcdiff"] = real
    return run


def _check(fun, program, reverse, per_call=True):
    issues = []
    original = copy.deepcopy(program.args)
    args = copy.deepcopy(program.args)
    ref_args, bad = _nan_reference(program)
    plain_fun = _exact(fun) if program.uses_srcdiff else fun
    c = Checker(plain_fun, program, args=ref_args, bad=bad)
    try:
        value = c.f(ref_args)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plain = plain_fun(*copy.deepcopy(args))  # the value srcdiff must return (complex, or NaN)
    except Exception as exc:  # noqa: BLE001
        return Outcome("invalid", [Issue("invalid", "plain", "%s: %s" % (type(exc).__name__, exc))], program)
    if not np.isfinite(value):
        return Outcome("invalid", [Issue("invalid", "plain", "value %r" % value)], program)
    fscale = 1.0 + abs(value)
    probes = list(c.directions())
    expect_nan = [label.endswith(NAN_PROBE) for label, _ in probes]
    fd1 = [np.nan if nan else c.fd1(d) for (_, d), nan in zip(probes, expect_nan)]
    fd2 = {}

    unstable = []

    def reference_mismatch(k, a):
        """True when ``a`` disagrees with both finite-difference estimates along probe k."""
        if expect_nan[k]:
            return not np.isnan(a)
        if c.agree(a, fd1[k], fscale):
            return False
        if k not in fd2:
            fd2[k] = c.fd2(probes[k][1])
        if c.agree(a, fd2[k], fscale):
            return False
        return not _reference_is_unstable(c, probes[k][1], fd1[k], fd2[k], a, fscale, unstable, probes[k][0])

    def compare_gradient(check_name, g):
        grads = [g] if c.single else list(g) if isinstance(g, tuple) else None
        if grads is None or len(grads) != len(c.pos):
            issues.append(Issue("wrong", check_name, "returned %s, expected %d gradients" % (type(g).__name__,
                                                                                            len(c.pos))))
            return None
        for k, (gk, p) in enumerate(zip(grads, c.pos)):
            if not same_structure(gk, program.args[p]):
                issues.append(Issue("wrong", check_name, "gradient for %s has the wrong structure/shape: %s vs %s"
                                    % (c.label(k), _shape_tree(gk), _shape_tree(program.args[p]))))
                return None
            for gl, xl in zip(leaves(gk), leaves(program.args[p])):
                if not np.iscomplexobj(xl) and np.any(np.imag(gl) != 0):
                    issues.append(Issue("wrong", check_name, "complex gradient for the real argument %s"
                                        % c.label(k)))
                    return None
        gleaves = [leaves(gk) for gk in grads]
        bad_probes = []
        for k, (label, d) in enumerate(probes):
            a = c.dot(gleaves, d)
            if reference_mismatch(k, a):
                bad_probes.append((label, a, fd1[k], fd2.get(k, np.nan)))
        if bad_probes:
            label, a, n1, n2 = bad_probes[0]
            issues.append(Issue("wrong", check_name, "%d of %d probes differ from finite differences; first: %s: "
                                "srcdiff %.12g, finite differences %.12g (h=%g) / %.12g (Richardson, h=%g)"
                                % (len(bad_probes), len(probes), label, a, n1, H1, n2, H2)))
        return gleaves

    def attempt(check_name, call):
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return True, call()
        except srcdiff.SrcdiffError as exc:
            # srcdiff's own consistency checks raise SrcdiffError("internal error ...please report"):
            # that is a crash it caught, not a refusal of the program
            status = "error" if "internal error" in str(exc) else "refused"
            if status == "refused" and program.complex_out and check_name == "grad":
                return False, None  # the expected answer to grad of a complex-valued output
            issues.append(Issue(status, check_name, "%s: %s" % (type(exc).__name__, exc)))
        except Timeout:
            raise
        except Exception as exc:  # noqa: BLE001
            tb = traceback.format_exc(limit=-6)
            issues.append(Issue("error", check_name, "%s: %s\n%s" % (type(exc).__name__, exc, tb)))
        return False, None

    # reverse mode, one generated function
    gv_leaves = None
    if "grad" in reverse or program.complex_out:
        ok, g = attempt("grad", lambda: srcdiff.grad(fun, wrt=program.wrt)(*args))
        if ok and program.complex_out:
            issues.append(Issue("wrong", "grad", "grad of a complex-valued output returned %r instead of refusing "
                                "(a real-part gradient, silently)" % (g,)))
        elif ok:
            gv_leaves = compare_gradient("grad", g)
        _mutation_check(issues, "grad", args, original)
        args = copy.deepcopy(original)

    # a bound method: srcdiff.grad(obj.loss) differentiates with respect to obj
    if program.bound:
        ok, g = attempt("bound-grad", lambda: srcdiff.grad(getattr(args[0], program.bound))(*args[1:]))
        if ok:
            compare_gradient("bound-grad", g if c.single else (g,))
        _mutation_check(issues, "bound-grad", args, original)
        args = copy.deepcopy(original)

    # reverse mode, split forward/backward (pulled back from 1.0: the gradient of the real part)
    if "vjp" in reverse:
        ok, res = attempt("vjp", lambda: _vjp(fun, program.wrt, args))
        if ok:
            v, gv = res
            if not _close(v, plain):
                issues.append(Issue("wrong", "vjp", "value %r, the plain function gives %r" % (v, plain)))
            gv_leaves = compare_gradient("vjp", gv)
        _mutation_check(issues, "vjp", args, original)
        args = copy.deepcopy(original)

    # forward mode
    tangent_dir = [[c.normal(leaf) for leaf in ls] for ls in c.wrt_leaves]
    tangents = [rebuild(program.args[p], [like(leaf, d) for leaf, d in zip(ls, ds)])
                for p, ls, ds in zip(c.pos, c.wrt_leaves, tangent_dir)]
    tangents = tangents[0] if c.single else tuple(tangents)
    tangents_before = copy.deepcopy(tangents)
    ok, res = attempt("jvp", lambda: srcdiff.jvp(fun, tuple(args), tangents, wrt=program.wrt))
    if ok and not deep_equal(tangents, tangents_before):
        issues.append(Issue("wrong", "jvp", "srcdiff modified the caller's tangent arrays"))
    if ok:
        v, t = res
        if not _close(v, plain):
            issues.append(Issue("wrong", "jvp", "value %r, the plain function gives %r" % (v, plain)))
        if np.ndim(t) != 0:
            issues.append(Issue("wrong", "jvp", "tangent of a scalar output has shape %s" % (np.shape(t),)))
        elif not program.complex_out and np.imag(t) != 0:
            issues.append(Issue("wrong", "jvp", "complex tangent %r of a real-valued function" % (t,)))
        elif bad:
            if not np.isnan(t):  # the tangent moves a NaN / out-of-domain entry
                issues.append(Issue("wrong", "jvp", "directional derivative %r along a tangent that moves an "
                                    "input entry where the derivative is NaN (NaN in, NaN out)" % (t,)))
        else:
            parts = [(c, float(np.real(t)))]
            if program.complex_out:
                parts.append((Checker(fun, program, part="imag"), float(np.imag(t))))
            for cc, tp in parts:
                _compare_tangent(issues, cc, tangent_dir, tp, fscale, unstable)
        if not np.ndim(t) and gv_leaves is not None:
            t = float(np.real(t))
            ref = c.dot(gv_leaves, tangent_dir)
            scale = abs(t) + float(sum(np.sum(np.abs(np.asarray(g) * d))
                                       for gl, dl in zip(gv_leaves, tangent_dir) for g, d in zip(gl, dl)))
            if not (abs(t - ref) <= EXACT_RTOL * scale + 1e-12 * fscale) and not (np.isnan(t) and np.isnan(ref)):
                issues.append(Issue("wrong", "dot", "jvp %.15g but <reverse-mode gradient, tangent> = %.15g"
                                    % (t, ref)))
    _mutation_check(issues, "jvp", args, original)
    args = copy.deepcopy(original)
    if per_call and program.makers and not any(i.check == "grad" for i in issues):
        _per_call(fun, program, issues, fscale)
    if program.fires and not any(i.status in ("refused", "error") for i in issues):
        _fires(program, issues)

    statuses = {i.status for i in issues}
    if unstable and "wrong" not in statuses and "error" not in statuses:
        issues.append(Issue("invalid", "reference", "finite differences disagree with each other along %s: "
                            "the program is not smooth enough at the test point" % unstable[0]))
        return Outcome("invalid", issues, program, value)
    for status in ("wrong", "error", "refused"):
        if status in statuses:
            return Outcome(status, issues, program, value)
    return Outcome("ok", issues, program, value)


def _compare_tangent(issues, c, tangent_dir, t, fscale, unstable):
    n1 = c.fd1(tangent_dir)
    if not c.agree(t, n1, fscale):
        n2 = c.fd2(tangent_dir)
        if not c.agree(t, n2, fscale) and not _reference_is_unstable(c, tangent_dir, n1, n2, t, fscale,
                                                                     unstable, "tangent"):
            issues.append(Issue("wrong", "jvp", "directional derivative%s %.12g, finite differences %.12g "
                                "(h=%g) / %.12g (Richardson, h=%g)" % (
                                    " (imaginary part)" if c.part == "imag" else "", t, n1, H1, n2, H2)))


def _nan_reference(program):
    """(arguments for the finite-difference reference, probes that expect NaN) of a program with a
    NaN / out-of-domain input (special_inputs). ``propagate``: the bad entries replaced by an
    in-domain value (the term is separable, so every other derivative is the one there), and the
    bad entries, if differentiated, expect NaN. Otherwise the program's own arguments."""
    info = program.nan
    if info is None or info["kind"] != "propagate":
        return program.args, ()
    args = list(copy.deepcopy(program.args))
    u = args[info["arg"]]
    for idx in info["bad"]:
        u[idx] = info["fill"]
    pos, _ = positions(program)
    bad = [(k, 0, tuple(idx)) for k, p in enumerate(pos) if p == info["arg"] for idx in info["bad"]]
    return tuple(args), bad


def _fires(program, issues):
    """In each variant where a guard fires, the plain function's exception (type and message) must come
    out of srcdiff's reverse and forward derivatives too, not a gradient."""
    for source in program.fires:
        module, path = load(dataclasses.replace(program, source=source))
        try:
            fun = resolve(module, program.fname)
            if program.objects:  # instances of this module's class
                program = dataclasses.replace(program, args=program.materialized(module.__dict__))
            try:
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    fun(*copy.deepcopy(program.args))
                continue  # the guard does not run at the test point (it is after an early return)
            except Exception as exc:  # noqa: BLE001
                want = (type(exc), str(exc))
            tangents = tuple(copy.deepcopy(program.args))
            calls = {"fire-grad": lambda: srcdiff.grad(fun, wrt=program.wrt)(*copy.deepcopy(program.args)),
                     "fire-jvp": lambda: srcdiff.jvp(fun, tuple(copy.deepcopy(program.args)), _zero_tangents(
                         program, tangents), wrt=program.wrt)}
            for name, call in calls.items():
                try:
                    with np.errstate(all="ignore"), warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        call()
                    got = None
                except srcdiff.SrcdiffError as exc:
                    status = "error" if "internal error" in str(exc) else "refused"
                    issues.append(Issue(status, name, "%s: %s" % (type(exc).__name__, exc)))
                    continue
                except Timeout:
                    raise
                except Exception as exc:  # noqa: BLE001
                    got = (type(exc), str(exc))
                if got != want:
                    issues.append(Issue("wrong", name, "the plain function raises %s(%r), srcdiff %s\n%s" % (
                        want[0].__name__, want[1], "returns a result" if got is None else "raises %s(%r)" % (
                            got[0].__name__, got[1]), source)))
        finally:
            unload(module, path)


def _zero_tangents(program, args):
    pos = [program.wrt] if not isinstance(program.wrt, tuple) else list(program.wrt)
    pos = [p if isinstance(p, int) else program.arg_names.index(p) for p in pos]
    ts = [rebuild(args[p], [like(leaf, np.zeros(np.shape(leaf))) for leaf in leaves(args[p])]) for p in pos]
    return ts[0] if not isinstance(program.wrt, tuple) else tuple(ts)


def _per_call(fun, program, issues, fscale, calls=6):
    """A function argument made anew for each call, inline (``grad(f)(x, make_g(p))``, cycling
    through the factory's parameters, so a freed function's address is soon reused): each gradient
    must be the one of the function passed now, along a random direction against finite differences."""
    namespace = sys.modules[fun.__module__].__dict__
    params = next(iter(program.makers.values()))[1]
    reference = []  # per parameter: (direction, fd1, fd2), computed first so no function outlives its use
    for k in range(len(params)):
        c = Checker(fun, program, args=program.materialized(namespace, k))
        d = [[c.normal(leaf) for leaf in ls] for ls in c.wrt_leaves]
        n1 = c.fd1(d)
        reference.append((d, n1, n1 if c.agree(c.central(d, H2), n1, fscale) else c.fd2(d)))
        del c
    c = Checker(fun, program)  # for dot / agree only (its arguments hold the first function)
    for call in range(calls):
        k = call % len(params)
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                g = srcdiff.grad(fun, wrt=program.wrt)(*copy.deepcopy(program.materialized(namespace, k)))
        except srcdiff.SrcdiffError as exc:
            status = "error" if "internal error" in str(exc) else "refused"
            issues.append(Issue(status, "per-call", "%s: %s" % (type(exc).__name__, exc)))
            return
        except Timeout:
            raise
        except Exception as exc:  # noqa: BLE001
            issues.append(Issue("error", "per-call", "%s: %s" % (type(exc).__name__, exc)))
            return
        d, n1, n2 = reference[k]
        a = c.dot([leaves(gk) for gk in ([g] if c.single else list(g))], d)
        if not c.agree(a, n1, fscale) and not c.agree(a, n2, fscale) and c.agree(n1, n2, fscale):
            issues.append(Issue("wrong", "per-call", "call %d with a new function argument %s(%r): srcdiff %.12g, "
                                "finite differences %.12g (the gradient of another function passed before?)"
                                % (call, next(iter(program.makers.values()))[0], params[k], a, n1)))
            return


def _reference_is_unstable(c, direction, n1, n2, a, fscale, unstable, label):
    """When ``fd1`` and ``fd2`` disagree with each other the function is not smooth (or badly
    conditioned) near the test point: try two more step sizes; a srcdiff number matching one of them
    passes, and if the four estimates are not consistent the probe cannot judge srcdiff."""
    if c.agree(n1, n2, fscale):
        return False
    extra = [c.central(direction, h) for h in (1e-5, 1e-7)]
    if any(c.agree(a, n, fscale) for n in extra):
        return True
    estimates = [n1, n2] + extra
    consistent = all(c.agree(estimates[0], n, 100 * fscale) for n in estimates[1:])
    if not consistent:
        unstable.append(label)
        return True
    return False


def _vjp(fun, wrt, args):
    v, pullback = srcdiff.vjp(fun, wrt=wrt)(*args)
    return v, pullback(1.0)


def _close(a, b):
    """srcdiff's value ``a`` equals the plain value ``b`` (complex, or NaN = NaN, allowed)."""
    try:
        a, b = complex(np.asarray(a).item()), complex(np.asarray(b).item())
    except (TypeError, ValueError):
        return False
    if np.isnan(a) or np.isnan(b):
        return bool(np.isnan(a) and np.isnan(b))
    return abs(a - b) <= EXACT_RTOL * (1 + abs(b))


def _mutation_check(issues, name, args, original):
    if not deep_equal(args, original):
        issues.append(Issue("wrong", name, "srcdiff modified the caller's arguments"))


def _shape_tree(x):
    if isinstance(x, (list, tuple)):
        return type(x).__name__ + "[" + ", ".join(_shape_tree(i) for i in x) + "]"
    if isinstance(x, dict):
        return "{" + ", ".join("%r: %s" % (k, _shape_tree(v)) for k, v in x.items()) + "}"
    return "%s%s" % (type(x).__name__, np.shape(x))


class _time_limit:
    """A limit on the CPU time the check spends (SIGPROF, so a busy machine does not trip it; main thread on
    POSIX only; elsewhere no limit)."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.active = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()

    def __enter__(self):
        if self.active:
            self.old = signal.signal(signal.SIGPROF, self._raise)
            signal.setitimer(signal.ITIMER_PROF, self.seconds)

    def _raise(self, *_):
        raise Timeout()

    def __exit__(self, *exc):
        if self.active:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, self.old)
        return False


# ----------------------------------------------------------------------------- reporting


_PATH = re.compile(r"(/[^\s:]*fuzzprog_\d+_\d+\.py|fuzzprog_\d+_\d+)")


def refusal_key(issue):
    """A refusal message with the file, line and source text removed, for counting."""
    msg = _PATH.sub("<file>", issue.message)
    first = msg.splitlines()[0]
    first = re.sub(r"<file>:\d+: ", "", first)
    first = re.sub(r"`[^`]*`", "`…`", first)
    first = re.sub(r"'[^']*'", "'…'", first)
    first = re.sub(r"\b[vyrwk]\d+\b|\bacc\d+\b|\bi\d+\b|\bh\d+\b", "<name>", first)
    first = re.sub(r"\d+", "N", first)
    return first[:160]


def report(outcome):
    """A readable failure report: the issues, then a reproducer ready to paste into a test file."""
    p = outcome.program
    head = "status: %s\n%s" % (outcome.status, outcome.summary())
    return "\n".join("# " + line if line else "#" for line in head.splitlines()) + "\n\n" + p.reproducer()
