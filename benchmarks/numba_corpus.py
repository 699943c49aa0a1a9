"""backend="numba" on the test corpus: how many gradients compile and agree with the NumPy backend
to 1e-10, how many are refused and why (none may differ). Run: PYTHONPATH=. python benchmarks/numba_corpus.py"""
import collections
import sys
import time

import numpy as np

import srcdiff
from srcdiff.errors import SrcdiffError
from tests.data.corpus import CASES


def leaves(g):
    if isinstance(g, dict):
        return [x for k in sorted(g) for x in leaves(g[k])]
    if isinstance(g, (list, tuple)):
        return [x for v in g for x in leaves(v)]
    return [np.asarray(g)]


def main():
    ok, refused, wrong, other = [], collections.Counter(), [], []
    start = time.time()
    for case in CASES:
        if case.refuses or case.bugs:
            continue
        want = srcdiff.grad(case.fun, wrt=case.wrt)(*case.make())
        try:
            got = srcdiff.grad(case.fun, wrt=case.wrt, backend="numba")(*case.make())
        except SrcdiffError as e:
            reason = type(e).__name__ + ": " + str(e).splitlines()[0].split(": ", 1)[-1][:110]
            refused[reason] += 1
            print("refused", case.name, reason, file=sys.stderr)
            continue
        except Exception as e:  # not a refusal: a bug to fix
            other.append((case.name, "%s: %s" % (type(e).__name__, str(e)[:200])))
            continue
        a, b = leaves(got), leaves(want)
        same = len(a) == len(b) and all(x.shape == y.shape and np.allclose(x, y, rtol=1e-10, atol=1e-10, equal_nan=True)
                                        for x, y in zip(a, b))
        (ok if same else wrong).append(case.name)
    n = len(ok) + sum(refused.values()) + len(wrong) + len(other)
    print("%d cases: %d compile and agree (%.0f%%), %d refused, %d differ, %d other errors (%.0f s)"
          % (n, len(ok), 100 * len(ok) / n, sum(refused.values()), len(wrong), len(other), time.time() - start))
    for reason, count in refused.most_common():
        print("%4d  %s" % (count, reason))
    print("differ:", wrong)
    print("other errors:", other)


if __name__ == "__main__":
    main()
