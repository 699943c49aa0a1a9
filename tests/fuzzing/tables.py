"""The operations the fuzzer writes: unary and binary templates with their domains and kinks."""
from __future__ import annotations

import numpy as np

from .values import near, near_periodic, size


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
