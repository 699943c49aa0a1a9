"""Tests of srcdiff/runtime/: the helpers and kernels generated code calls."""
