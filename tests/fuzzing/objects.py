"""The fuzzer's user classes (``objects``: f a method or a function of a model) and nested gradients (``nested_grad``)."""
from __future__ import annotations

import types

import numpy as np

from .choosers import GenFail
from .values import E, Var, fmt, is_num, strip_parens

# method bodies of the generated class: (source of ``m0``'s return value, of the subclass's override)
METHOD_BODIES = ["np.tanh(t) * self.a + t * self.c", "np.sin(t) * self.a - t / self.c",
                 "t * self.a + np.cos(t) * 0.5"]
ACTIVATIONS = {"soft": ["def soft(t):", "    return t / (1.0 + t ** 2)"],
               "bent": ["def bent(t):", "    return 0.5 * t + np.sqrt(t ** 2 + 1.0)"]}

# scalar helpers of a nested gradient: name -> (body, exact gradient, exact second derivative or None)
ENERGIES = {
    "energy_tanh": ("np.sum(np.tanh(t) * t)", "np.tanh(t) + t * (1.0 - np.tanh(t) ** 2)", None),
    "energy_quad": ("0.5 * np.sum(t ** 2) + np.sum(np.sin(t))", "t + np.cos(t)", None),
    "energy_log": ("np.sum(np.log(1.0 + t ** 2))", "2.0 * t / (1.0 + t ** 2)", None),
    "energy_gauss": ("np.sum(np.exp(-t ** 2))", "-2.0 * t * np.exp(-t ** 2)", None),
    # positive curvature (>= 0.9): a Newton step divides by the second derivative
    "energy_convex": ("0.5 * t ** 2 + 0.25 * np.log(1.0 + t ** 2)", "t + 0.5 * t / (1.0 + t ** 2)",
                      "1.0 + 0.5 * (1.0 - t ** 2) / (1.0 + t ** 2) ** 2"),
}


def exact_srcdiff():
    """A stand-in for the ``srcdiff`` module with the helpers' hand-written derivatives: the plain
    program (the generator's values, validation, the runner's finite differences) runs with it, so
    the reference does not depend on srcdiff's inner gradient."""
    def derivative(fn, order):
        name = getattr(fn, "__name__", "")
        base, k = name.rstrip("'"), order + len(name) - len(name.rstrip("'"))
        if base not in ENERGIES or k > 2 or ENERGIES[base][k] is None:
            raise NotImplementedError("no exact derivative of %s" % name)
        code = compile("lambda t: " + ENERGIES[base][k], "<exact>", "eval")
        d = eval(code, {"np": np})
        d.__name__ = base + "'" * k
        return d

    def grad(fn, wrt=None):
        return derivative(fn, 1)

    def value_and_grad(fn, wrt=None):
        d = derivative(fn, 1)
        return lambda t: (fn(t), d(t))

    return types.SimpleNamespace(grad=grad, value_and_grad=value_and_grad, __name__="srcdiff")


class Objects:
    """Generator methods for ``objects`` (a model argument or ``self``) and ``nested_grad``."""

    # ------------------------------------------------------------------ objects

    def object_param(self, rng):
        """The class (module-level, in the prelude) and an instance: (name, value, constructor source)."""
        w = np.round(rng.uniform(-1.5, 1.5, size=self.ch.choice([(3,), (2, 2), (2,)])), 6)
        a = float(np.round(rng.uniform(0.3, 1.5), 6))
        c = self.ch.int(1, 3)
        act = self.ch.choice(list(ACTIVATIONS))
        self.define(act, ACTIVATIONS[act])
        body = self.ch.choice(METHOD_BODIES)
        lines = ["class Model:", "    def __init__(self, w, a, c, act):", "        self.w = w", "        self.a = a",
                 "        self.c = c", "        self.act = act", "",
                 "    def m0(self, t):", "        return %s" % body, "",
                 "    def m1(self, t):", "        return self.m0(t) * 0.5 + self.act(t) * self.a"]
        self.define("Model", lines)
        self.features.add("objects:act:" + act)
        cls = "Model"
        if self.ch.flip(0.4):
            other = self.ch.choice([b for b in METHOD_BODIES if b != body])
            self.define("Sub", ["class Sub(Model):", "    def m0(self, t):", "        return %s * 0.5" % other])
            cls = "Sub"
            self.features.add("objects:subclass")
        self.class_lines = lines
        ctor = "%s(w=%s, a=%r, c=%d, act=%s)" % (cls, "np.array(%r)" % (w.tolist(),), a, c, act)
        value = eval(ctor, self.hscope)
        return "model", value, ctor

    def object_pool(self):
        self.pool["model.w"] = Var("num", arg=True)
        self.pool["model.a"] = Var("num", arg=True)

    def s_method(self):
        """``v = model.m1(e)`` (a method calling another method and a function attribute) or ``model.m0(e)``."""
        if self.in_helper:
            raise GenFail("the model is f's")
        e = self.expr(1)
        if not is_num(e.val):
            raise GenFail("a method's argument is not a float value")
        m = self.ch.choice(["m1", "m0"])
        self.features.add("objects:" + m)
        return self.new_var(self.e("model.%s(%s)" % (m, strip_parens(e.src))))

    def object_output_term(self):
        """A term using every float attribute, so each has a nonzero gradient."""
        return "np.sum(model.m1(model.w)) * %s" % fmt(self.ch.choice([0.5, 0.3, -1.0]))

    def as_method(self, body, signature):
        """The bound form: f's body as ``Model.loss(self, ...)`` (``model`` renamed ``self``)."""
        import re
        ren = [re.sub(r"\bmodel\b", "self", ln) for ln in body]
        sig = ["self" if s == "model" else s for s in signature]
        self.class_lines += ["", "    def loss(%s):" % ", ".join(sig)] + ["        " + ln for ln in ren]

    # ------------------------------------------------------------- nested gradients

    def s_nested_grad(self):
        """``v = e - lr * srcdiff.grad(energy)(e)`` (a gradient step on a module-level scalar helper),
        its ``value_and_grad`` form, or a Newton step ``e - g(e) / grad(grad(energy))(e)`` on a scalar."""
        if self.in_helper:
            raise GenFail("nested gradients in f")
        e = self.expr(1)
        if not is_num(e.val) or np.ndim(e.val) > 2:
            raise GenFail("a nested gradient's argument is not a float value")
        form = self.ch.weighted([(4, "step"), (2, "value_and_grad"), (2 if np.ndim(e.val) == 0 else 0, "newton")])
        name = "energy_convex" if form == "newton" else self.ch.choice([n for n in ENERGIES if n != "energy_convex"])
        body = ENERGIES[name][0]
        self.define(name, ["def %s(t):" % name, "    return %s" % body])
        if "srcdiff" not in self.scope:
            for scope in (self.scope, self.root_scope, self.hscope):
                scope["srcdiff"] = exact_srcdiff()
        A = strip_parens(e.src)
        lr = fmt(self.ch.choice([0.1, 0.25, 0.5]))
        if form == "step":
            src = "%s - %s * srcdiff.grad(%s)(%s)" % (par_(A), lr, name, A)
        elif form == "newton":
            src = "%s - srcdiff.grad(%s)(%s) / srcdiff.grad(srcdiff.grad(%s))(%s)" % (par_(A), name, A, name, A)
        else:
            val, g = self.fresh("en"), self.fresh("gr")
            self.emit("%s, %s = srcdiff.value_and_grad(%s)(%s)" % (val, g, name, A))
            self.run("%s, %s = srcdiff.value_and_grad(%s)(%s)\n" % (val, g, name, A), self.scope)
            src = "%s * %s - %s * %s" % (par_(A), val, lr, g)
        self.features.add("nested_grad:%s:%s" % (form, name))
        self.uses_srcdiff = True
        return self.new_var(self.e(src))


def par_(src):
    return src if src.replace("_", "").replace(".", "").isalnum() else "(%s)" % src


__all__ = ["Objects", "E", "exact_srcdiff"]
