"""Derivative rules, registered at import time; ``registry`` is the table they fill.

Complex numbers follow one convention throughout (JAX's), stated in ``numpy_complex``: for a
real-valued function of a complex ``z = x + iy`` the gradient is ``dL/dx - i dL/dy``.
"""
from . import (fft_rules, index_joins, kernel_rules, linalg_decompositions, linalg_rules, math_rules, methods,  # noqa: F401
               numpy_arith, numpy_complex, numpy_constructors, numpy_cumulative, numpy_joins, numpy_nondiff,
               numpy_products, numpy_reductions, numpy_selection, numpy_shapes, numpy_transcendental, python_rules,
               runtime_rules, scipy_rules)
from .python_rules import BINARY, UNARY
from .registry import (adjoint, all_rules, attribute, lookup, lookup_attribute, lookup_method, method,
                       nondifferentiable, tangent)

__all__ = ["BINARY", "UNARY", "adjoint", "all_rules", "attribute", "lookup", "lookup_attribute",
           "lookup_method", "method", "nondifferentiable", "tangent"]
