"""Template filling (rules/template.py): a rule template's body, instantiated at one call site,
with names substituted, constants folded and template locals renamed fresh."""
import numpy as np

from srcdiff import ir
from srcdiff.context import Namer
from srcdiff.rules.template import Contribution, Filler, TangentDef, Template, Zero
from tests.support.pass_runner import function, show

MUL = Template(function("""
    def mul(z, x, y):
        d[x] = d[z] * y
        d[y] = d[z] * x
"""))
TANH = Template(function("""
    def tanh(y, x):
        s = 1.0 - y * y
        d[x] = d[y] * s
"""))
SIN = Template(function("""
    def sin(y, x):
        d[x] = d[y] * numpy.cos(x)
""", numpy=np))
MUL_TANGENT = Template(function("""
    def mul(z, x, y):
        t[z] = t[x] * y + x * t[y]
"""))


def adjoint(template, args, incoming, taken=("a", "b", "z", "d_z")):
    """The filled statements as text, ``d[a] += e`` for a contribution to ``a``'s adjoint."""
    result = ir.Name("z")
    items = Filler(template, args, result, adjoint=lambda a: incoming if a is result else Zero(),
                   namer=Namer(taken), bind_global=lambda stem, obj: stem).run()
    return ["d[%s] += %s" % (show(i.target), show(i.value)) if isinstance(i, Contribution) else show(i)
            for i in items]


def tangent(template, args, tangents):
    result = ir.Name("z")
    items = Filler(template, args, result, tangent=lambda a: ir.Name(tangents[a.id]) if
                   isinstance(a, ir.Name) and a.id in tangents else Zero(),
                   namer=Namer(("a", "b", "z")), bind_global=lambda stem, obj: stem).run()
    assert all(isinstance(i, TangentDef) for i in items)
    return [show(i.value) for i in items]


def test_parameters_become_the_call_sites_atoms():
    assert adjoint(MUL, {"x": ir.Name("a"), "y": ir.Name("b")}, ir.Name("d_z")) == \
        ["d[a] += d_z * b", "d[b] += d_z * a"]


def test_a_factor_of_one_is_folded_away():
    assert adjoint(MUL, {"x": ir.Name("a"), "y": ir.Const(1.0)}, ir.Name("d_z"))[0] == "d[a] += d_z"
    assert adjoint(TANH, {"x": ir.Name("a")}, ir.Const(1.0))[-1] == "d[a] += s"


def test_a_factor_of_zero_is_a_proved_zero():
    # ``a * 0.0`` has partial exactly 0 in ``a``: no contribution, even where d_z is inf or NaN (a strong
    # zero, as forward mode gets from ``t_a * 0.0``); a factor that is not 0 stays
    assert adjoint(MUL, {"x": ir.Name("a"), "y": ir.Const(0.0)}, ir.Name("d_z")) == ["d[0.0] += d_z * a"]
    assert adjoint(MUL, {"x": ir.Name("a"), "y": ir.Const(-0.5)}, ir.Name("d_z"))[0] == "d[a] += d_z * -0.5"


def test_the_result_parameter_names_the_primal_result():
    assert adjoint(TANH, {"x": ir.Name("a")}, ir.Name("d_z")) == ["s = 1.0 - z * z", "d[a] += d_z * s"]


def test_template_locals_are_renamed_away_from_names_in_use():
    assert adjoint(TANH, {"x": ir.Name("a")}, ir.Name("d_z"), taken=("a", "z", "d_z", "s")) == \
        ["s2 = 1.0 - z * z", "d[a] += d_z * s2"]


def test_globals_keep_their_full_name():
    assert adjoint(SIN, {"x": ir.Name("a")}, ir.Name("d_z")) == ["d[a] += d_z * numpy.cos(a)"]


def test_tangent_terms_of_constant_operands_are_dropped():
    assert tangent(MUL_TANGENT, {"x": ir.Name("a"), "y": ir.Name("b")}, {"a": "t_a", "b": "t_b"}) == \
        ["t_a * b + a * t_b"]
    assert tangent(MUL_TANGENT, {"x": ir.Name("a"), "y": ir.Name("b")}, {"a": "t_a"}) == ["t_a * b"]
