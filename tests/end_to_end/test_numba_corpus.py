"""The corpus (tests/data/corpus.py) with backend="numba": each case's gradient agrees with the NumPy
backend's to 1e-10, or is refused with a ``BackendError`` naming the user's file, never a wrong
number. Slow (about 7 minutes: a Numba compile per case), so it runs only with SRCDIFF_SLOW=1
(``SRCDIFF_SLOW=1 python -m pytest tests/end_to_end/test_numba_corpus.py``);
``python benchmarks/numba_corpus.py`` prints the compile rate and the reasons for refusals."""
import os

import numpy as np
import pytest

import srcdiff
from tests.data.corpus import CASES

numba = pytest.importorskip("numba")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not os.environ.get("SRCDIFF_SLOW"),
                                                    reason="slow: set SRCDIFF_SLOW=1 to run")]


def leaves(g):
    if isinstance(g, dict):
        return [x for k in sorted(g) for x in leaves(g[k])]
    if isinstance(g, (list, tuple)):
        return [x for v in g for x in leaves(v)]
    return [np.asarray(g)]


@pytest.mark.parametrize("case", [c for c in CASES if not c.refuses and not c.bugs], ids=lambda c: c.name)
def test_numba_agrees_with_numpy_or_refuses(case):
    from srcdiff.backend.targets import BackendError
    expected = srcdiff.grad(case.fun, wrt=case.wrt)(*case.make())
    try:
        got = srcdiff.grad(case.fun, wrt=case.wrt, backend="numba")(*case.make())
    except BackendError as e:
        assert case.fun.__code__.co_filename in str(e) and "backend='numpy'" in str(e)
        return
    got, expected = leaves(got), leaves(expected)
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
