"""The fuzzer's local helpers (``def``/``lambda`` inside f), raise/assert guards and checking calls."""
from __future__ import annotations

import re

import numpy as np

from .choosers import GenFail
from .values import E, fmt, is_num, strip_parens

PURE_BODIES = ["np.sin(t) * 2.0 + t", "np.tanh(t) * t", "t ** 2 - 0.5 * t", "np.exp(-t ** 2)", "np.cos(t) + t * k"]
EXCEPTIONS = ["ValueError", "FloatingPointError", "RuntimeError", "ArithmeticError"]
CHECKERS = {  # module-level helpers called for their effect: (lines, call template, firing call or None)
    "check_finite": (["def check_finite(a):", "    if not np.all(np.isfinite(a)):",
                      "        raise FloatingPointError(f\"{int(np.sum(~np.isfinite(a)))} non-finite entries "
                      "in an array of shape {np.shape(a)}\")"], "check_finite({A})", None),
    "check_bounded": (["def check_bounded(a, limit=1e6):",
                       "    assert np.max(np.abs(a)) < limit, f\"max |a| = {np.max(np.abs(a)):.3e} >= {limit:g}\""],
                      "check_bounded({A})", "check_bounded({A}, limit=1e-9)"),
    "check_ndim": (["def check_ndim(a, nd):", "    if np.ndim(a) != nd:",
                    "        raise ValueError(f\"expected {nd}-d, got shape {np.shape(a)!r}\")", "    return None"],
                   "check_ndim({A}, {N})", "check_ndim({A}, {M})"),
    "check_pair": (["def check_pair(a, b, name=\"pair\"):", "    check_finite(a)",
                    "    if np.size(a) < 1 or np.size(b) < 1:", "        raise ValueError(f\"{name:>8s}: empty\")"],
                   "check_pair({A}, {B})", None),
}


class LocalChecks:
    """Generator methods for ``local_def``, ``local_lambda``, ``raise_assert`` and ``check_call``."""

    def at_top(self):
        return self.scope is self.root_scope and self.loop_depth == 0 and not self.in_helper

    # ------------------------------------------------------------- local functions

    def local_function(self, form):
        """A new local helper of f (written at the top of f's body, executed in f's scope now):
        (name, kind) with kind "pure" (reads its parameters only), "late" (reads an enclosing
        variable when called), or "branch" (returns early; its second parameter is a threshold)."""
        name = self.fresh("loc")  # module-level helpers are h0, h1, ...: another prefix
        pure = [n for n, kind, _ in self.local_helpers if kind == "pure"]
        opts = [(4, "pure"), (2, "default"), (2 if self.at_top() else 0, "late")]
        if form == "def":
            opts += [(2 if pure else 0, "calls"), (2 if self.at_top() else 0, "branch")]
        kind = self.ch.weighted(opts)
        body = self.ch.choice(PURE_BODIES[:-1])
        if kind == "default":
            args = [n for n, v in self.pool.items() if v.arg and v.kind == "num" and re.match(r"^[xyz]$", n)]
            k = ("np.mean(%s)" % self.ch.choice(args)) if args and self.ch.flip(0.5) else fmt(self.ch.choice([0.5, 2.0, -1.5]))
            params, body, kind = "t, k=%s" % k, PURE_BODIES[-1], "pure"
        elif kind == "late":
            outer = [n for n, v in self.pool.items() if v.kind == "num" and re.match(r"^(v\d+|y\d+|acc\d+|[xyzs])$", n)]
            if not outer:
                raise GenFail("nothing to read from the enclosing scope")
            params, body = "t", "%s + t * np.mean(%s)" % (body, self.pick([E(n, None) for n in outer]).src)
        else:
            params = "t, c" if kind == "branch" else "t"
        if form == "lambda":
            lines = ["%s = lambda %s: %s" % (name, params, body)]
            self.features.add("local_lambda:" + kind)
        elif kind == "calls":
            g = self.ch.choice(pure)
            lines = ["def %s(t):" % name, "    u = %s(t) * 0.5" % g, "    return u + np.cos(t)"]
        elif kind == "branch":
            lines = ["def %s(t, c):" % name, "    if np.sum(t) > c:", "        return np.sin(t)"]
            lines += ["    else:", "        return t * 0.5"] if self.ch.flip() else \
                ["    u = t * 3.0", "    return np.tanh(u) * u"]
        else:
            lines = ["def %s(%s):" % (name, params), "    return %s" % body]
        if form == "def":
            self.features.add("local_def:" + kind)
        self.run("\n".join(lines) + "\n", self.root_scope)
        self.scope[name] = self.root_scope[name]
        self.local_defs.append(lines)
        self.local_helpers.append((name, kind, form))
        return name, kind

    def local_call(self, form):
        mine = [(n, k) for n, k, fm in self.local_helpers if fm == form and (k == "pure" or self.at_top())]
        if self.in_helper:
            raise GenFail("f's local helpers are not visible in module-level helpers")
        name, kind = self.ch.choice(mine) if mine and self.ch.flip(0.4) else self.local_function(form)
        e = self.expr(1)
        if not is_num(e.val):
            raise GenFail("a local helper's argument is not a float value")
        if kind == "branch":
            v = float(np.sum(e.val))
            delta = 0.1 + 0.3 * abs(v)
            c = fmt(v - delta if self.ch.flip() else v + delta)
            return self.new_var(self.e("%s(%s, %s)" % (name, strip_parens(e.src), c)))
        return self.new_var(self.e("%s(%s)" % (name, strip_parens(e.src))))

    def s_local_def(self):
        self.local_call("def")

    def s_local_lambda(self):
        self.local_call("lambda")

    # ------------------------------------------------------------ raise / assert

    def s_raise_assert(self):
        """A guard that holds at the test point: ``if A > T: raise E(f"...")`` or ``assert A < T, f"..."``;
        its firing twin (the constant on the other side) is recorded for the runner."""
        if not self.at_top():
            raise GenFail("guards at the top of f only (their constants are chosen from known values)")
        a = self.cond_atom()
        v = float(a.val)
        delta = 0.1 + 0.3 * abs(v)
        A = strip_parens(a.src)
        arrays = self.nums(lambda w: np.ndim(w) >= 1)
        W = strip_parens(self.pick(arrays).src) if arrays else A
        spec = self.ch.choice(["{%s:.3f}" % A, "{%s:>10.4g}" % A, "{%s:+.2e}" % A, "{np.shape(%s)}" % W,
                               "{np.shape(%s)!r}" % W, "{np.size(%s):d} entries" % W, "{%s!s:<6}" % fmt(v),
                               "{%s!r} ({type(%s).__name__})" % (A, A)])  # the exact type must match too
        form = self.ch.weighted([(3, "raise"), (2, "assert"), (1, "from")])
        if form == "assert":
            header = "assert %s < %s, f\"bound: %s\"" % (A, fmt(v + delta), spec)
            fire = "assert %s < %s, f\"bound: %s\"" % (A, fmt(v - delta), spec)
            self.emit(header)
        else:
            exc = self.ch.choice(EXCEPTIONS)
            header, fire = "if %s > %s:" % (A, fmt(v + delta)), "if %s > %s:" % (A, fmt(v - delta))
            raise_line = "raise %s(f\"out of range: %s\")%s" % (exc, spec, " from None" if form == "from" else "")
            self.emit_compound([(header, [raise_line])])
        self.fires.append((header, fire))
        self.features.add("raise_assert:" + form)

    # ------------------------------------------------------------ checking calls

    def s_check_call(self):
        """``check_x(v)``: a module-level checking helper called for its effect, its result unused."""
        if self.in_helper:
            raise GenFail("checks are called from f")
        items = self.nums()
        if not items:
            raise GenFail("nothing to check")
        name = self.ch.choice(list(CHECKERS))
        if name == "check_pair":
            self.define("check_finite", CHECKERS["check_finite"][0])
        lines, call, fire = CHECKERS[name]
        self.define(name, lines)
        a = self.pick(items)
        b = self.pick(items)
        nd = np.ndim(a.val)
        fmtargs = dict(A=strip_parens(a.src), B=strip_parens(b.src), N=nd, M=nd + 1)
        line = call.format(**fmtargs)
        self.emit(line)
        if fire is not None and self.at_top():
            self.fires.append((line, fire.format(**fmtargs)))
        self.features.add("check_call:" + name)

    def fire_variants(self, src):
        """Sources of f in which one guard or check fires (the first occurrence of its line changed)."""
        out = []
        for line, fire in self.fires[:2]:
            if line in src:
                out.append(src.replace(line, fire, 1))
        return out
