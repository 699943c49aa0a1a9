"""Derivative rules, registered at import time; ``registry`` is the table they fill."""
from . import linalg_rules, math_rules, methods, numpy_rules, python_rules, runtime_rules  # noqa: F401
from .python_rules import BINARY, UNARY
from .registry import (adjoint, all_rules, attribute, lookup, lookup_attribute, lookup_method, method,
                       nondifferentiable, tangent)

__all__ = ["BINARY", "UNARY", "adjoint", "all_rules", "attribute", "lookup", "lookup_attribute",
           "lookup_method", "method", "nondifferentiable", "tangent"]
