"""NumPy functions whose results carry no derivative, each declared once.

Constructors, integer and boolean results, piecewise-constant functions (floor, sign,
heaviside...) and index computations.
"""
import numpy

from .registry import nondifferentiable, shapes

_NONDIFF = [
    # constructors and shapes
    # (full, full_like, linspace, logspace and geomspace carry their arguments' derivatives: numpy_constructors)
    "zeros", "ones", "zeros_like", "ones_like", "empty", "empty_like", "eye", "identity", "arange", "tri",
    "indices", "shape", "ndim", "size", "result_type", "broadcast_shapes", "promote_types", "can_cast",
    "iscomplexobj", "isrealobj", "isscalar", "isfortran", "shares_memory", "may_share_memory",
    # piecewise constant
    "sign", "floor", "ceil", "round", "around", "rint", "trunc", "fix", "heaviside", "signbit", "spacing", "nextafter",
    "floor_divide",
    # comparisons, tests and logic
    "isnan", "isfinite", "isinf", "isneginf", "isposinf", "isreal", "iscomplex", "equal", "not_equal", "less",
    "less_equal", "greater", "greater_equal", "logical_and", "logical_or", "logical_not", "logical_xor", "any",
    "all", "allclose", "isclose", "array_equal", "array_equiv", "isin",
    # integer results and index computations
    "argmax", "argmin", "nanargmax", "nanargmin", "argsort", "argpartition", "argwhere", "nonzero", "flatnonzero",
    "count_nonzero", "searchsorted", "digitize", "lexsort", "unravel_index", "ravel_multi_index", "diag_indices",
    "tril_indices", "triu_indices", "mask_indices", "gcd", "lcm",
    # bitwise
    "invert", "bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift", "bitwise_count",
]

for _name in _NONDIFF:
    if hasattr(numpy, _name):
        nondifferentiable(getattr(numpy, _name))
nondifferentiable(numpy.random.default_rng, numpy.fft.fftfreq, numpy.fft.rfftfreq, numpy.linalg.matrix_rank)

shapes(reduce=(numpy.any, numpy.all, numpy.count_nonzero, numpy.argmax, numpy.argmin, numpy.nanargmax,
               numpy.nanargmin),
       scalar=(numpy.size, numpy.ndim),
       elementwise=(numpy.sign, numpy.floor, numpy.ceil, numpy.round, numpy.rint, numpy.trunc, numpy.fix,
                    numpy.isnan, numpy.isfinite, numpy.isinf, numpy.isneginf, numpy.isposinf, numpy.signbit,
                    numpy.heaviside))
