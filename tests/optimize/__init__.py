"""Tests of srcdiff/optimize/: the cleanup passes."""
