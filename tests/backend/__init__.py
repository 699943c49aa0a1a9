"""Tests of srcdiff/backend/: targets, cache, pickling, Numba and Dask."""
