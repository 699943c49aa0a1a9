"""Helpers the tests share (no tests)."""
