"""Expressions the fuzzer writes: operands of compatible shapes, reductions, products, indexing,
registry functions, containers and helper functions."""
from __future__ import annotations

import copy

import numpy as np

from .choosers import GenFail
from .values import (
    E, KINK, MAX_ENTRIES, Var, _axis_sets, _factorizations, bshape, fits, fmt, near, par, shape,
    size, strip_parens, ties)
from .tables import BINARY, BINARY_SCALAR, REDUCTIONS, UNARY, UNARY_ARRAY, UNARY_SCALAR, registry_ufuncs


class Expressions:
    """Generator methods that write one expression (``x_*``) and the pieces they share."""

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
                # issue-15 constructs (constructs.py); weight 0 when the features are off
                (self.fx.weight("r_c", 5) if self.gate("r_c") else 0, "rc"),
                (self.fx.weight("list_reduce", 5) if self.gate("list_reduce") else 0, "listreduce"),
                (3 if "g" in self.scope and not self.in_helper else 0, "fnarg"),
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
            if nret == 1 and self.gate("wraps") and self.ch.flip(0.5):
                header = self.decorator() + "\n" + header
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
