"""User function with a ``match`` statement for tests/api/test_errors.py (kept apart: Python >= 3.10 syntax)."""
import numpy as np


def f_match(x):
    match x.ndim:
        case 1:
            y = x
        case _:
            y = x * 2.0
    return np.sum(y)
