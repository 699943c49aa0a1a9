"""Shared fixtures: a scratch rule registry that tests may register into."""
import copy

import pytest

import srcdiff
from srcdiff.rules import registry


@pytest.fixture
def scratch_registry():
    """Rules a test registers (new ones, or replacements of built-in ones) do not outlive it.

    Rule objects are copied, not only the table: registering a rule for a function that already
    has one (``srcdiff.adjoint(np.tanh)``) changes that function's Rule in place.
    """
    registry.ensure_loaded()  # built-in rules loaded lazily during the test would be dropped with its own
    saved = {key: copy.copy(rule) for key, rule in registry._RULES.items()}
    srcdiff.backend.cache.clear()
    yield
    registry._RULES.clear()
    registry._RULES.update(saved)
    srcdiff.backend.cache.clear()
    srcdiff.backend.cache.rules_changed()  # generated code may have inlined the test's rules
