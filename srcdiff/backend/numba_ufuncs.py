"""NumPy's own loops for elementwise transcendental functions of large arrays under Numba.

Without Intel's SVML, Numba computes ``np.tanh``, ``np.exp``... one element at a time with the C
library (``tanh``: 16 ns an element), where NumPy's loops are vectorized (2 ns): the tanh of a
64x32 layer made a small MLP's Numba gradient slower than the NumPy backend's. ``rewrite`` turns
such calls of one argument into calls of the stubs below, which call NumPy's function through
Numba's object mode for float64 arrays of at least ``LARGE`` elements (the 1.5 us it costs to
leave compiled code is then well repaid) and Numba's own function otherwise. Same functions,
same values: NumPy is what the NumPy backend calls.
"""
from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.extending import overload

from .. import ir

LARGE = 1024  # elements: below, the call back to NumPy costs more than it saves
_NAMES = ("tanh", "exp", "log", "sin", "cos", "tan", "sinh", "cosh", "arctan", "arcsinh", "expm1", "log1p",
          "log2", "log10", "exp2")


def _stub(name):
    def stub(x):
        raise NotImplementedError("%s is only called from code compiled by Numba" % name)
    stub.__name__ = stub.__qualname__ = name
    return stub


STUBS = {name: _stub("np_" + name) for name in _NAMES}
globals().update({stub.__name__: stub for stub in STUBS.values()})  # importable by name: cache=True keeps the code


def _overload(name):
    ufunc = getattr(np, name)

    def numpy_loop(x):  # called in object mode: a C-ordered result, whatever the argument's order
        return np.ascontiguousarray(ufunc(x))

    def choose(x):
        if not (isinstance(x, types.Array) and x.dtype == types.float64 and x.ndim >= 1) or numba.config.USING_SVML:
            return lambda x: ufunc(x)
        result = types.Array(types.float64, x.ndim, "C")

        def impl(x):
            if x.size < LARGE:
                return ufunc(x)
            with numba.objmode(out=result):
                out = numpy_loop(x)
            return out
        return impl
    overload(STUBS[name])(choose)


for _name in _NAMES:
    _overload(_name)


def rewrite(functions, helpers, is_numpy, bind):
    """Calls ``np.<name>(x)`` of the functions above in ``functions`` call the stubs instead; returns
    ``helpers`` with the stubs used added."""
    added = dict(helpers)
    for f in functions:
        for node in ir.walk(f):
            if isinstance(node, ir.Call) and isinstance(node.func, ir.Attr) and node.func.attr in STUBS and \
                    isinstance(node.func.value, ir.Name) and is_numpy(node.func.value.id) and \
                    len(node.args) == 1 and not node.keywords and not isinstance(node.args[0], ir.Starred):
                stub = STUBS[node.func.attr]
                name = bind(stub.__name__, stub)
                node.func = ir.Name(name)
                added[name] = stub
    return added
