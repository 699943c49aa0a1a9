"""Python operators as the NumPy functions whose rules differentiate them (``a + b`` as ``numpy.add``)."""
import operator

import numpy

# ``a + b`` is differentiated like ``numpy.add(a, b)``: the same math on floats and arrays.
BINARY = {
    "+": numpy.add, "-": numpy.subtract, "*": numpy.multiply, "/": numpy.true_divide,
    "**": numpy.power, "@": numpy.matmul, "//": numpy.floor_divide, "%": numpy.remainder,
    "&": numpy.bitwise_and, "|": numpy.bitwise_or, "^": numpy.bitwise_xor,
    "<<": numpy.left_shift, ">>": numpy.right_shift,
}
UNARY = {"-": numpy.negative, "+": numpy.positive, "~": numpy.invert, "not": operator.not_}
