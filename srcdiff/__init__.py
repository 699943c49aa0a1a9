"""srcdiff: automatic differentiation of plain NumPy functions by source transformation."""
from .api import grad, value_and_grad
from .pullbacks import vjp
from .display import show
from .modes.callees import checkpoint
from .derivatives import forward, jvp
from .hessians import hessian, hvp
from .jacobians import jacobian
from .rules.registry import adjoint, nondifferentiable, tangent
from .checks import check_grad
from .runtime.helpers import stop_gradient
from .errors import (ArgumentError, MissingRuleError, NonDifferentiableError, SourceChangedError,
                     SourceUnavailableError, SrcdiffError, TooDeepError, UnsupportedSyntaxError)

__version__ = "0.1.0"

__all__ = ["forward", "hessian", "hvp", "jacobian", "jvp", "adjoint", "tangent", "nondifferentiable", "checkpoint",
           "stop_gradient", "grad", "value_and_grad", "vjp", "show", "check_grad", "SrcdiffError", "ArgumentError",
           "MissingRuleError", "NonDifferentiableError", "SourceChangedError", "SourceUnavailableError",
           "TooDeepError",
           "UnsupportedSyntaxError"]
