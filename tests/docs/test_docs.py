"""The examples in public docstrings run and print what they say (doctest)."""
import doctest
import inspect

import pytest

import srcdiff
from srcdiff import api, checks, derivatives, display, hessians, jacobians, pullbacks
from srcdiff.modes import callees as calls
from srcdiff.runtime import helpers as runtime
from srcdiff.rules import registry

MODULES = [api, calls, checks, derivatives, display, hessians, jacobians, pullbacks, runtime, registry]


@pytest.mark.parametrize("module", MODULES, ids=[m.__name__ for m in MODULES])
def test_docstring_examples(module, scratch_registry):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_every_public_function_has_a_runnable_example():
    missing = [name for name in srcdiff.__all__
               if callable(getattr(srcdiff, name)) and not isinstance(getattr(srcdiff, name), type)
               and ">>>" not in (getattr(srcdiff, name).__doc__ or "")]
    assert not missing, missing


def test_every_public_function_is_doctested():
    """The doctests above run over the module of every public function."""
    tested = {m.__name__ for m in MODULES}
    missing = [name for name in srcdiff.__all__ if not isinstance(getattr(srcdiff, name), type)
               and inspect.unwrap(getattr(srcdiff, name)).__module__ not in tested]
    assert not missing, missing
