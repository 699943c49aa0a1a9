"""Loading the built-in rule modules on first need, and telling the code cache when a user's
registration changes the rule table."""
from __future__ import annotations

import importlib
import sys
import threading

from .. import first_use
from ..backend import cache


# The built-in rule modules, imported on the first look into the table (parsing their templates
# is most of what ``import srcdiff`` would otherwise cost). SciPy's are imported only once the
# user's code has imported ``scipy.special``: a function of it cannot be met before.
_BUILTIN_MODULES = ("fft_rules", "index_joins", "kernel_rules", "linalg_decompositions", "linalg_eig",
                    "linalg_rules", "math_rules", "methods", "numpy_arith", "numpy_complex", "numpy_constructors",
                    "numpy_cumulative", "numpy_edits", "numpy_joins", "numpy_nondiff", "numpy_products",
                    "numpy_reductions", "numpy_selection", "numpy_shapes", "numpy_transcendental", "python_rules",
                    "runtime_rules")
_SCIPY_MODULES = ("scipy_rules", "scipy_special_more")
_STATS_MODULES = ("scipy_stats",)  # imported once the user's code has imported scipy.stats
# (group, module the user's code must have imported, rule modules): the other SciPy subpackages
_SCIPY_SUBPACKAGES = (("signal", "scipy.signal", ("scipy_signal",)), ("linalg", "scipy.linalg", ("scipy_linalg",)),
                      ("integrate", "scipy.integrate", ("scipy_integrate",)))
_loaded = set()  # the groups ("builtin", "scipy") whose modules have been imported or are importing
_load_lock = first_use.lock  # re-entrant: the rule modules register through this module; a fork waits for it
_loading = threading.local()  # .depth: this thread is importing built-in rule modules


def changed():
    """A registration outside the built-in modules: generated code is made again (``cache.rules_changed``).
    The built-in ones only add rules for functions no code could have been generated for yet."""
    if not getattr(_loading, "depth", 0):
        cache.rules_changed()


def _load(group, modules):
    with _load_lock:
        if group in _loaded:
            return
        _loaded.add(group)  # first: the modules' own registrations come back here
        _loading.depth = getattr(_loading, "depth", 0) + 1
        try:
            for name in modules:
                importlib.import_module("srcdiff.rules." + name)
        except BaseException:
            _loaded.discard(group)
            raise
        finally:
            _loading.depth -= 1


def ensure_loaded():
    """Import the built-in rule modules (and SciPy's, once SciPy is in use) if not done yet."""
    if "builtin" not in _loaded:
        _load("builtin", _BUILTIN_MODULES)
    if "scipy" not in _loaded and "scipy.special" in sys.modules:
        _load("scipy", _SCIPY_MODULES)
    if "stats" not in _loaded and "scipy.stats" in sys.modules:
        _load("stats", _STATS_MODULES)
    for group, module, names in _SCIPY_SUBPACKAGES:
        if group not in _loaded and module in sys.modules:
            _load(group, names)
