"""Concurrency, determinism, and code that changes under srcdiff (globals, redefined helpers)."""
import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from tests.data import robust_functions as rf
import srcdiff
from srcdiff.backend import cache

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def test_sixteen_threads_get_correct_gradients_and_transform_once():
    cache.clear()
    rng = np.random.default_rng(0)
    W1, b1, W2, x = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((4, 2)), \
        rng.standard_normal((5, 3))
    xs = rng.standard_normal(6)
    expected_mlp = srcdiff.grad(rf.mlp, wrt=(0, 1, 2))(W1, b1, W2, x)
    expected_loop = srcdiff.grad(rf.looped, wrt=(0, 1))(xs, 0.5)
    expected_rosen = srcdiff.grad(rf.rosen)(xs)
    cache.clear()
    barrier = threading.Barrier(16)
    errors = []

    def work(k):
        try:
            barrier.wait()
            for _ in range(10):
                if k % 3 == 0:
                    got = srcdiff.grad(rf.mlp, wrt=(0, 1, 2))(W1, b1, W2, x)
                    for a, b in zip(got, expected_mlp):
                        np.testing.assert_allclose(a, b)
                elif k % 3 == 1:
                    got = srcdiff.grad(rf.looped, wrt=(0, 1))(xs, 0.5)
                    np.testing.assert_allclose(got[0], expected_loop[0])
                else:
                    np.testing.assert_allclose(srcdiff.grad(rf.rosen)(xs), expected_rosen)
        except Exception as exc:
            errors.append(exc)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    for fn in (rf.mlp, rf.looped, rf.rosen):
        assert cache.transformations_of(fn.__code__) == 1, fn.__name__


SCRIPT = textwrap.dedent("""
    import numpy as np, srcdiff
    from tests.data import robust_functions as rf
    parts = [
        srcdiff.grad(rf.mlp, wrt=(0, 1, 2)).source_for(np.ones((3, 4)), np.ones(4), np.ones((4, 2)), np.ones((5, 3))),
        srcdiff.grad(rf.looped, wrt=(0, 1)).source_for(np.ones(3), 0.5),
        srcdiff.vjp(rf.rosen).source_for(np.ones(4)),
        srcdiff.forward(rf.mlp, wrt=0).source_for(np.ones((3, 4)), np.ones(4), np.ones((4, 2)), np.ones((5, 3))),
        srcdiff.hvp(rf.rosen).source_for(np.ones(4)),
    ]
    print("\\n=====\\n".join(parts))
""")


def generate(seed):
    env = dict(os.environ, PYTHONHASHSEED=str(seed), PYTHONPATH=os.pathsep.join([ROOT, HERE]))
    return subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                          check=True).stdout


def test_generated_source_is_identical_across_processes_and_hash_seeds():
    first, second = generate(1), generate(4242)
    assert first == second
    assert "def grad_mlp" in first and "def rosen_backward" in first


def test_changed_global_is_seen_without_retransforming():
    x = np.array([1.0, 2.0])
    g = srcdiff.grad(rf.uses_global)
    np.testing.assert_allclose(g(x), 4.0 * x)
    old = rf.SCALE
    try:
        rf.SCALE = 5.0
        np.testing.assert_allclose(g(x), 10.0 * x)
    finally:
        rf.SCALE = old


def test_redefined_helper_is_retransformed(tmp_path):
    x = np.array([1.0, 2.0])
    g = srcdiff.grad(rf.uses_helper)
    np.testing.assert_allclose(g(x), 2 * x)
    original = rf.helper
    path = tmp_path / "redefined.py"
    path.write_text("def helper(x):\n    return x ** 3\n")  # as a notebook cell redefining it would
    namespace = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    try:
        rf.helper = namespace["helper"]
        np.testing.assert_allclose(g(x), 3 * x ** 2)
    finally:
        rf.helper = original
    np.testing.assert_allclose(g(x), 2 * x)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_redefined_helper_of_a_helper_is_retransformed(tmp_path, mode):
    x = np.array([1.0, 2.0])
    g = srcdiff.grad(rf.uses_helper_of_helper, mode=mode)
    np.testing.assert_allclose(g(x), 2 * x)
    original = rf.inner_square
    path = tmp_path / "redefined_inner.py"
    path.write_text("def inner_square(x):\n    return x ** 3\n")
    namespace = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    try:
        rf.inner_square = namespace["inner_square"]
        np.testing.assert_allclose(g(x), 3 * x ** 2)  # the transformed object already in use
        np.testing.assert_allclose(srcdiff.grad(rf.uses_helper_of_helper, mode=mode)(x), 3 * x ** 2)
    finally:
        rf.inner_square = original
    np.testing.assert_allclose(g(x), 2 * x)


def test_redefined_function_under_the_same_name_is_not_stale(tmp_path):
    x = np.array([1.0, 2.0])
    first = tmp_path / "cell1.py"
    first.write_text("import numpy as np\ndef f(x):\n    return np.sum(x ** 2)\n")
    second = tmp_path / "cell2.py"
    second.write_text("import numpy as np\ndef f(x):\n    return np.sum(np.sin(x))\n")
    ns = {}
    exec(compile(first.read_text(), str(first), "exec"), ns)
    np.testing.assert_allclose(srcdiff.grad(ns["f"])(x), 2 * x)
    exec(compile(second.read_text(), str(second), "exec"), ns)
    np.testing.assert_allclose(srcdiff.grad(ns["f"])(x), np.cos(x))
