"""Tests of srcdiff/lower/: normalize, loops, structure jumps, rename redefinitions."""
