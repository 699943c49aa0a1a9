"""Derivative rules; ``registry`` is the table they fill, on first need (``registry.ensure_loaded``).

Complex numbers follow one convention throughout (JAX's), stated in ``numpy_complex``: for a
real-valued function of a complex ``z = x + iy`` the gradient is ``dL/dx - i dL/dy``.
"""
from .registry import (adjoint, all_rules, attribute, ensure_loaded, lookup, lookup_attribute, lookup_method, method,
                       nondifferentiable, tangent)

__all__ = ["adjoint", "all_rules", "attribute", "ensure_loaded", "lookup", "lookup_attribute", "lookup_method",
           "method", "nondifferentiable", "tangent"]
