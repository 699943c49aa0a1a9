"""Array methods and attributes, each mapped onto the NumPy function whose rule applies."""
import numpy

from ..runtime import kernels, kernels_shapes
from .registry import attribute, method


def _pack_varargs(name):
    """``x.reshape(3, 4)`` means ``numpy.reshape(x, (3, 4))``: pack several positionals, or unpacked ones
    (``x.reshape(*shape)`` means ``numpy.reshape(x, (*shape,))``)."""
    from .. import ir

    def adapt(receiver, args, keywords):
        if len(args) > 1 or any(isinstance(a, ir.Starred) for a in args):
            return [receiver, ir.Tuple(list(args))], keywords
        if not args and name == "transpose":
            return [receiver], keywords
        return [receiver] + list(args), keywords
    return adapt


def _receiver_second(receiver, args, keywords):
    """``x.compress(condition, axis)`` means ``numpy.compress(condition, x, axis)``."""
    args = list(args)
    if args:
        return [args[0], receiver] + args[1:], keywords
    keywords = list(keywords)
    condition = [v for k, v in keywords if k == "condition"]
    rest = [(k, v) for k, v in keywords if k != "condition"]
    return condition + [receiver], rest


for _name in ("sum", "mean", "prod", "max", "min", "std", "var", "cumsum", "clip", "dot", "trace",
              "ravel", "squeeze", "copy", "diagonal", "swapaxes", "cumprod", "round", "conj",
              "conjugate", "repeat", "take", "argmax", "argmin", "argsort", "any", "all", "nonzero",
              "flatten", "choose", "searchsorted", "argpartition"):
    if hasattr(numpy, _name):
        method(_name, getattr(numpy, _name))
method("flatten", kernels_shapes.flatten)
method("reshape", numpy.reshape, _pack_varargs("reshape"))
method("transpose", numpy.transpose, _pack_varargs("transpose"))
method("compress", numpy.compress, _receiver_second)
method("astype", kernels.astype)
method("values", kernels.dict_values)
method("items", kernels.dict_items)
method("keys", kernels.dict_keys)
method("item", kernels.item)

attribute("T", numpy.transpose)
attribute("mT", numpy.matrix_transpose)
attribute("real", numpy.real)
attribute("imag", numpy.imag)
for _name in ("shape", "ndim", "size", "dtype", "itemsize", "nbytes", "strides", "flags"):
    attribute(_name, None)
