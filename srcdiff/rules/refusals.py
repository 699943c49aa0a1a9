"""Declared refusals: the arguments a rule has no derivative for, refused when a varying value reaches them
(never taken as constant), and the argument values a rule cannot honour."""
from __future__ import annotations

from .loading import changed
from .registry import rule_of


def refuse_unless(obj, checker, unknown=False):
    """``checker(constant arguments)`` returns (problem, fix) for calls the rule cannot honour.

    With ``unknown=True`` the arguments whose values are not known when the code is generated (a
    variable) are passed too, as ``Ellipsis``, so that the checker can refuse them."""
    def check(binding):
        from .. import ir
        consts = {k: Ellipsis for k in binding} if unknown else {}
        consts.update({k: v.value for k, v in binding.items() if isinstance(v, ir.Const)})
        consts.update({k: _literal(v) for k, v in binding.items() if isinstance(v, (ir.Tuple, ir.List))})
        return checker(consts)
    rule_of(obj).check = check
    changed()


def constant_only(obj, fix, *params):
    """Refuse calls of ``obj`` where a value that varies with the inputs reaches one of ``params``:
    srcdiff has no derivative with respect to them (a Bessel function's order), and treating them
    as constants would drop the derivative silently."""
    rule = rule_of(obj)
    for p in params:
        rule.refused[p] = ("srcdiff has no derivative of %s with respect to its argument `%s`" % (rule.name, p), fix)
    changed()


def undifferentiated(rule, template, active_params, mode, covered=None):
    """(problem, fix) when a varied value reaches a parameter ``template`` has no derivative for: a
    reverse rule that writes no ``d[p]``, a forward rule that reads no ``t[p]``. Taking it as constant
    would drop that part of the derivative without a word. A user's rule answers for all its
    parameters, in the branch its tests on constants took (``covered``: what that instantiation
    covered); srcdiff's own rule for those its other mode differentiates (the rest are data: an axis,
    a shape; and a branch of its own chosen on constants may drop a proved zero, as ``x ** 0``)."""
    static = set(template.written) if mode == "reverse" else set(template.reads_tangent_of)
    if template.user:
        relevant, covered = set(template.params[1:]), static if covered is None else set(covered)
    else:
        relevant, covered = rule.differentiable_params - set(rule.refused), static
    missing = sorted(p for p in active_params if p in relevant and p in template.params[1:] and p not in covered)
    if not missing:
        return None
    return ("srcdiff's %s rule for %s has no derivative with respect to its argument `%s`, which varies with "
            "the differentiated inputs here" % (mode, rule.name, missing[0]),
            "Pass a constant there, or register a rule that differentiates `%s` with @srcdiff.%s(%s)."
            % (missing[0], "adjoint" if mode == "reverse" else "tangent", rule.name))


def refused_params(rule, active_params):
    """(problem, fix) when a varied value reaches a parameter of ``rule`` declared ``constant_only`` or
    ``refuse_derivative``."""
    return rule.refusal(active_params)


def _literal(node):
    from .. import ir
    values = []
    for e in node.elts:
        if isinstance(e, ir.Const):
            values.append(e.value)
        elif isinstance(e, (ir.Tuple, ir.List)):
            values.append(_literal(e))
        else:
            values.append(Ellipsis)  # not known now
    return tuple(values)


def refuse_derivative(obj, params, problem, fix):
    """Refuse the derivative of ``obj`` with respect to ``params`` (the rule has none) when the
    argument varies, rather than treating it as constant."""
    for param in params:
        rule_of(obj).refused[param] = (problem, fix)
    changed()
