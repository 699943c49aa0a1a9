"""Calls of scipy.stats distributions become calls of their definitions (rules/scipy_stats), which
srcdiff differentiates like user code.

Before::

    d = scipy.stats.norm(mu, sigma)
    t1 = d.logpdf(x)
    t2 = scipy.stats.t.cdf(x, df=3.0)

After::

    t1 = norm_logpdf(x, mu, sigma)
    t2 = t_cdf(x, 3.0, 0.0, 1.0)

A distribution frozen in the function (``d`` above) is replaced at its uses only where neither
``d`` nor the parameters it was frozen with are assigned in between; a call with a user's rule
(``@srcdiff.adjoint(norm.logpdf, params=...)``) is left for that rule.
"""
from __future__ import annotations

import inspect
import sys

from .. import ir


def rewrite(tree, ctx):
    """``tree`` with scipy.stats calls replaced (itself when the user's code has not imported scipy.stats)."""
    if "scipy.stats" not in sys.modules:
        return tree
    from ..rules import registry
    registry.ensure_loaded()  # imports scipy_stats as a built-in group: its rules are no user's change
    from ..rules import scipy_stats
    rewriter = _Rewriter(ctx, scipy_stats, registry)
    body = rewriter.block(tree.body, {})
    if not rewriter.changed:
        return tree
    body = _drop_unread_freezes(body, rewriter.freezes)
    return ir.FunctionDef(tree.name, tree.params, body, tree.line)


class _Rewriter:
    def __init__(self, ctx, table, registry):
        self.ctx, self.table, self.registry = ctx, table, registry
        self.changed = False
        self.freezes = set()  # the statements that froze a distribution

    def global_object(self, expr):
        """The object ``expr`` (a name or attribute chain) refers to, when it is not a local value."""
        root = expr
        while isinstance(root, ir.Attr):
            root = root.value
        if not isinstance(root, ir.Name) or (root.id in self.ctx.locals and root.id not in self.ctx.statics):
            return None
        return self.ctx.resolve(expr)

    def block(self, stmts, frozen):
        """Rewrite a block; ``frozen`` maps local names to the freezing call (func, bound arguments)."""
        frozen = dict(frozen)
        out = []
        for s in stmts:
            if isinstance(s, (ir.If, ir.For, ir.While)):
                inner = _drop(frozen, _changed(s))  # a loop runs its body again after any assignment
                s = _rebuild(s, [self.block(b, inner) for b in ir.blocks(s)])
                frozen = _drop(frozen, _changed(s))
                out.append(s)
                continue
            value = s.value if isinstance(s, (ir.Assign, ir.ExprStmt)) else None
            if isinstance(value, ir.Call):
                new = self.call(value, frozen)
                if new is not None:
                    self.changed = True
                    s = ir.Assign(s.targets, new, s.line) if isinstance(s, ir.Assign) else ir.ExprStmt(new, s.line)
            frozen = _drop(frozen, _changed(s))
            if isinstance(s, ir.Assign) and isinstance(value, ir.Call) and len(s.targets) == 1 \
                    and isinstance(s.targets[0], ir.Name):
                freeze = self.freeze(value)
                if freeze is not None:
                    frozen[s.targets[0].id] = freeze
                    self.freezes.add(s)
            out.append(s)
        return out

    def freeze(self, call):
        """(kind, distribution expression, positional, keyword arguments) when ``call`` freezes a
        scipy.stats distribution (kind "univariate", or "multivariate" with all arguments by name)."""
        if _unpacked(call):
            return None
        obj = self.global_object(call.func)
        if self.table.is_univariate(obj):
            return "univariate", call.func, list(call.args), {k.name: k.value for k in call.keywords}
        name = self.table.distribution(obj)
        signature = self.table.freeze_signature(name) if name else None
        if signature is None:
            return None
        try:
            bound = signature.bind(*call.args, **{k.name: k.value for k in call.keywords})
        except TypeError:
            return None
        return "multivariate", call.func, [], {k: v for k, v in bound.arguments.items() if k != "seed"}

    def call(self, call, frozen):
        """The call of a definition standing for ``call``, or None to leave it alone."""
        if _unpacked(call) or not isinstance(call.func, ir.Attr):
            return None
        func = call.func
        if isinstance(func.value, ir.Name) and func.value.id in frozen:  # ``d.logpdf(x)``, d frozen here
            return self.frozen_call(call, frozen[func.value.id])
        obj = self.global_object(func)
        hit = self.table.bound_definition(obj) if obj is not None else None
        if hit is None or self.has_user_rule(obj):
            return None
        found, frozen_obj = hit
        args, keywords = list(call.args), {k.name: k.value for k in call.keywords}
        if frozen_obj is not None:  # a global frozen distribution: its parameters are constants now
            if not isinstance(func.value, ir.Name):
                return None
            self.ctx.guard(func.value, frozen_obj)  # generated code is rebuilt if the global changes
            more, more_keywords = self.table.frozen_arguments(frozen_obj)
            args += [self.constant(v, found.name) for v in more]
            if set(more_keywords) & set(keywords):
                return None
            keywords.update({k: self.constant(v, found.name) for k, v in more_keywords.items()})
        try:
            bound = found.signature.bind(*args, **keywords)
        except TypeError:
            return None
        return self.definition_call(found, bound.arguments)

    def frozen_call(self, call, freeze):
        """``d.logpdf(x)`` with ``d = norm(m, s)``: ``norm.logpdf(x, m, s)``, SciPy's own meaning,
        then its definition."""
        kind, dist_expr, frozen_args, frozen_keywords = freeze
        method = call.func.attr
        if kind == "univariate":  # rv_frozen: ``self.dist.<method>(x, *self.args, **self.kwds)``
            if call.keywords or len(call.args) != _FROZEN_ARITY.get(method):
                return None
            unfrozen = ir.Call(ir.Attr(_copy_atom(dist_expr), method), [_copy_atom(a) for a in call.args + frozen_args],
                               [ir.Keyword(k, _copy_atom(v)) for k, v in frozen_keywords.items()])
            return self.call(unfrozen, {}) or unfrozen
        found = self.table.definition(self.global_object(dist_expr), method)
        if found is None:
            return None
        try:
            own = inspect.Signature([found.params[0]]).bind(*call.args, **{k.name: k.value for k in call.keywords})
        except TypeError:
            return None
        if self.has_user_rule(getattr(self.global_object(dist_expr), method, None)):  # for the user's rule
            return ir.Call(ir.Attr(_copy_atom(dist_expr), method), [_copy_atom(a) for a in own.args],
                           [ir.Keyword(k, _copy_atom(v)) for k, v in frozen_keywords.items()])
        return self.definition_call(found, dict(own.arguments, **frozen_keywords))

    def has_user_rule(self, obj):
        rule = self.registry.lookup(obj) if obj is not None else None
        return rule is not None and (rule.adjoint is not None or rule.tangent is not None)

    def constant(self, value, stem):
        if value is None or isinstance(value, (bool, int, float)):
            return ir.Const(value)
        return ir.Name(self.ctx.bind(stem + "_parameter", value))

    def definition_call(self, found, arguments):
        args = [_copy_atom(arguments[p.name]) if p.name in arguments else ir.Const(p.default)
                for p in found.params]
        name = self.ctx.bind("%s_%s" % (found.name, found.method), found.fn)
        return ir.Call(ir.Name(name), args, [])


# the methods of a frozen univariate distribution that pass their one argument (or none) first
_FROZEN_ARITY = dict({m: 1 for m in "logpdf pdf cdf logcdf sf logsf ppf isf logpmf pmf".split()},
                     **{m: 0 for m in "mean var std median entropy".split()})


def _unpacked(call):
    return any(isinstance(a, ir.Starred) for a in call.args) or any(k.name is None for k in call.keywords)


def _copy_atom(atom):
    if isinstance(atom, ir.Name):
        return ir.Name(atom.id)
    if isinstance(atom, ir.Const):
        return ir.Const(atom.value)
    if isinstance(atom, ir.Attr):
        return ir.Attr(_copy_atom(atom.value), atom.attr)
    return atom


def _changed(stmt):
    """Every name ``stmt`` (and the statements inside it) binds or writes into."""
    out = ir.assigned_names([stmt], augmented=True, written_into=True)  # ``x[i] = v`` writes into x
    for node in ir.walk(stmt):
        if isinstance(node, ir.ExprStmt) and isinstance(node.value, ir.Call) and \
                isinstance(node.value.func, ir.Attr) and isinstance(node.value.func.value, ir.Name):
            out.add(node.value.func.value.id)  # ``x.append(v)``, ``x.fill(0)``: may change x
    return out


def _drop(frozen, names):
    """The frozen distributions still valid after ``names`` are assigned."""
    return {k: v for k, v in frozen.items()
            if k not in names and not any(n in names for a in v[2] + list(v[3].values()) for n in ir.names_read(a))}


def _rebuild(stmt, blocks):
    if isinstance(stmt, ir.If):
        return ir.If(stmt.test, blocks[0], blocks[1], stmt.line)
    if isinstance(stmt, ir.For):
        return ir.For(stmt.target, stmt.iter, blocks[0], blocks[1], stmt.line)
    return ir.While(stmt.test, blocks[0], blocks[1], stmt.line)


def _drop_unread_freezes(body, freezes):
    """Remove ``d = norm(mu, s)`` whose ``d`` nothing reads any more."""
    dead = {id(s) for s in freezes if s.targets[0].id not in _reads(body, s)}

    def keep(stmts):
        out = []
        for s in stmts:
            if id(s) in dead:
                continue
            if isinstance(s, (ir.If, ir.For, ir.While)):
                s = _rebuild(s, [keep(b) for b in ir.blocks(s)])
            out.append(s)
        return out
    return keep(body)


def _reads(body, skip):
    """Names read anywhere in ``body`` except by the statement ``skip``."""
    out = set()
    for s in body:
        for node in ir.walk(s):
            if node is skip:
                continue
            if isinstance(node, (ir.Assign, ir.ExprStmt, ir.Return, ir.AugAssign)):
                value = node.value
                out.update(ir.names_read(value) if value is not None else ())
                if isinstance(node, ir.Assign):
                    for t in node.targets:
                        if not isinstance(t, ir.Name):
                            out.update(ir.names_read(t))
                if isinstance(node, ir.AugAssign):
                    out.update(ir.names_read(node.target))
            elif isinstance(node, (ir.If, ir.While)):
                out.update(ir.names_read(node.test))
            elif isinstance(node, ir.For):
                out.update(ir.names_read(node.iter))
    return out
