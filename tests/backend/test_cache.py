"""The cache of generated code: keys that cannot outlive their objects, bounds, fork safety."""
import gc
import os
import subprocess
import sys
import textwrap
import weakref

import numpy as np
import pytest

import srcdiff
from srcdiff.backend import cache
from tests.support.trust_helpers import numeric_grad

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def make_pow(p):
    def pw(x):
        return x ** p
    return pw


def pow_loss(x, fn):
    return np.sum(fn(x))


def sin_loss(x):
    return np.sum(np.sin(x) ** 2)


def test_function_argument_made_per_call_gets_its_own_code():
    # each make_pow(p) dies after its call; a new one often gets the freed address, which an id()
    # in the cache key took for the old function (a third of these calls ran the other power)
    x = np.array([1.5, 2.0, 3.0])
    shared = srcdiff.grad(pow_loss)
    for i in range(60):
        p = 2.0 if i % 2 else 3.0
        fd = numeric_grad(lambda v: pow_loss(v, make_pow(p)), x)
        np.testing.assert_allclose(srcdiff.grad(pow_loss)(x, make_pow(p)), fd, rtol=1e-6)
        np.testing.assert_allclose(shared(x, make_pow(p)), fd, rtol=1e-6)


def test_function_argument_made_per_call_in_forward_mode():
    x = np.array([1.5, 2.0, 3.0])
    t = np.array([1.0, -0.5, 0.25])
    for i in range(40):
        p = 2.0 if i % 2 else 3.0
        _, tangent = srcdiff.jvp(pow_loss, (x, make_pow(p)), t)
        np.testing.assert_allclose(tangent, np.sum(p * x ** (p - 1) * t), rtol=1e-12)


def test_function_arguments_are_held_by_the_key_and_released_by_eviction():
    x = np.ones(3)
    first = make_pow(2.0)
    ref = weakref.ref(first)
    srcdiff.grad(pow_loss)(x, first)
    del first
    gc.collect()
    assert ref() is not None  # the key holds it, so its address cannot be reused
    for i in range(cache.MAX_PER_FUNCTION + 1):
        srcdiff.grad(pow_loss)(x, make_pow(2.0))
    gc.collect()
    assert ref() is None  # evicted: nothing keeps it alive
    assert cache.size(pow_loss.__code__) == cache.MAX_PER_FUNCTION


def test_shapes_inline_stay_within_the_per_function_bound_and_evicted_entries_are_recomputed():
    cache.clear()
    sizes = range(1, cache.MAX_PER_FUNCTION + 9)
    for n in sizes:  # a new grad object per call: its own shape cap never applies
        x = np.linspace(0.1, 1.0, n)
        np.testing.assert_allclose(srcdiff.grad(sin_loss)(x), numeric_grad(sin_loss, x), rtol=1e-6)
        assert cache.size(sin_loss.__code__) <= cache.MAX_PER_FUNCTION
    assert cache.size(sin_loss.__code__) == cache.MAX_PER_FUNCTION
    made = cache.transformations_of(sin_loss.__code__)
    x = np.linspace(0.1, 1.0, 1)  # the least recently used: evicted
    np.testing.assert_allclose(srcdiff.grad(sin_loss)(x), numeric_grad(sin_loss, x), rtol=1e-6)
    assert cache.transformations_of(sin_loss.__code__) == made + 1
    x = np.linspace(0.1, 1.0, sizes[-1])  # recently used: still there
    srcdiff.grad(sin_loss)(x)
    assert cache.transformations_of(sin_loss.__code__) == made + 1
    assert cache.size(sin_loss.__code__) == cache.MAX_PER_FUNCTION


def test_fresh_closures_stay_within_the_bound():
    cache.clear()
    x = np.array([0.5, 1.0, 2.0])
    for i in range(cache.MAX_PER_FUNCTION + 10):
        inner = make_pow(1.0 + i % 3)

        def closure(v):
            return np.sum(inner(v) * 2.0)
        np.testing.assert_allclose(srcdiff.grad(closure)(x), numeric_grad(closure, x), rtol=1e-6)
        assert cache.size(closure.__code__) <= cache.MAX_PER_FUNCTION
    assert cache.size(closure.__code__) == cache.MAX_PER_FUNCTION


def test_total_bound(monkeypatch):
    cache.clear()
    monkeypatch.setattr(cache, "MAX_ENTRIES", 6)
    for n in range(1, 12):
        x = np.linspace(0.1, 1.0, n)
        srcdiff.grad(sin_loss)(x)
        srcdiff.grad(pow_loss)(x, make_pow(3.0))
        assert cache.size() <= 6
    assert cache.size() == 6
    x = np.linspace(0.1, 1.0, 1)  # evicted long ago: recomputed right
    np.testing.assert_allclose(srcdiff.grad(sin_loss)(x), numeric_grad(sin_loss, x), rtol=1e-6)
    f3 = make_pow(3.0)
    np.testing.assert_allclose(srcdiff.grad(pow_loss)(x, f3), numeric_grad(lambda v: pow_loss(v, f3), x),
                               rtol=1e-6)


def test_bounds_are_documented():
    page = open(os.path.join(ROOT, "docs", "how-it-works.md")).read()
    assert "MAX_PER_FUNCTION" in page and "MAX_ENTRIES" in page
    assert cache.MAX_PER_FUNCTION >= 2 * srcdiff.transformed.MAX_SHAPE_VARIANTS


FORK_SCRIPT = textwrap.dedent("""
    import os, sys, threading, time
    import numpy as np, srcdiff
    sys.path.insert(0, %(here)r)
    from longmod import long_function

    def short(x):
        return np.sum(np.cos(x) * x)

    x = np.linspace(0.1, 1.0, 4)
    failures = 0
    for attempt in range(20):
        srcdiff.backend.cache.clear()
        started = threading.Event()
        def slow():
            started.set()
            srcdiff.grad(long_function)(x)
        t = threading.Thread(target=slow)
        t.start()
        started.wait()
        time.sleep(0.002)
        pid = os.fork()
        if pid == 0:  # the child transforms and exits; it hangs on a lock the parent's thread held
            g = srcdiff.grad(short)(x)
            os._exit(0 if np.allclose(g, np.cos(x) - x * np.sin(x)) else 3)
        deadline = time.time() + 60  # a hang, not a slow child on a loaded machine
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.time() > deadline:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                status = -1
                break
            time.sleep(0.01)
        t.join()
        failures += status != 0
    print("failures", failures, "of 20")
    sys.exit(1 if failures else 0)
""")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_during_a_transformation_leaves_a_working_child(tmp_path):
    body = "".join("    y = np.sin(y) * %d.5 + x\n" % (i % 7) for i in range(60))
    (tmp_path / "longmod.py").write_text("import numpy as np\n\ndef long_function(x):\n    y = x\n%s"
                                         "    return np.sum(y)\n" % body)
    (tmp_path / "forker.py").write_text(FORK_SCRIPT % {"here": str(tmp_path)})  # a file: srcdiff reads `short`
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, str(tmp_path / "forker.py")], env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr


class _Unhashable:
    """A callable that cannot be a dictionary key and whose == is elementwise."""
    __hash__ = None

    def __eq__(self, other):
        return np.array([True, False])

    def __call__(self, x):
        return x


def test_unhashable_callable_in_a_closure_is_keyed_by_identity():
    held = _Unhashable()

    def f(x):
        unused = held  # noqa: F841  (a free name bound to a callable: part of the key)
        return np.sum(x ** 3)
    x = np.array([0.5, 2.0])
    np.testing.assert_allclose(srcdiff.grad(f)(x), numeric_grad(f, x), rtol=1e-6)
