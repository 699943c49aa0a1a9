"""cache=True with backend="numba": generated code and Numba's machine code kept in the user's cache directory."""
import collections
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import srcdiff
from srcdiff.backend import cache, disk_cache
from srcdiff.errors import ArgumentError

pytest.importorskip("numba")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PROGRAM = textwrap.dedent('''
    import json, sys, time
    import numpy as np
    import srcdiff

    K = {k}

    def euler(k, c, x0, v0, n):
        x = x0
        v = v0
        for i in range(n):
            a = -k * x - c * v * {c}
            v = v + 0.01 * a
            x = x + 0.01 * v
        return x * x + v * K

    g = srcdiff.grad(euler, wrt=(0, 1), backend="numba", cache=True)
    t0 = time.perf_counter()
    out = g(1.0, 0.1, 1.0, 0.0, 50)
    seconds = time.perf_counter() - t0
    want = srcdiff.grad(euler, wrt=(0, 1))(1.0, 0.1, 1.0, 0.0, 50)
    json.dump({{"out": list(out), "want": list(want), "seconds": seconds}}, sys.stdout)
''')


@pytest.fixture
def own_rules_only(monkeypatch):
    """As in a fresh process: rules other tests registered would keep the code in memory (not part of any key)."""
    monkeypatch.setattr(cache, "rules_generation", lambda: 0)


def _run(tmp_path, k=1.0, c=1.0, env_extra=None):
    script = tmp_path / "program.py"
    script.write_text(PROGRAM.format(k=k, c=c))
    env = dict(os.environ, PYTHONPATH=ROOT, SRCDIFF_CACHE_DIR=str(tmp_path / "cache"), **(env_extra or {}))
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _entries(tmp_path):
    folder = tmp_path / "cache"
    return sorted(p.name for p in folder.glob("srcdiff_*.py")) if folder.exists() else []


def test_a_new_process_reads_the_entry_the_first_wrote(tmp_path):
    first = _run(tmp_path)
    assert len(_entries(tmp_path)) == 1
    assert list((tmp_path / "cache" / "__pycache__").glob("srcdiff_*.nbi"))  # Numba's cache, beside the source
    second = _run(tmp_path)
    assert second["out"] == first["out"]
    np.testing.assert_allclose(second["out"], second["want"], rtol=1e-12)
    assert len(_entries(tmp_path)) == 1  # read, not written again


def test_a_changed_global_or_source_is_another_entry(tmp_path):
    base = _run(tmp_path)
    changed_global = _run(tmp_path, k=2.0)  # K is bound as a constant: its value is in the key
    assert len(_entries(tmp_path)) == 2
    assert changed_global["out"] != base["out"]
    np.testing.assert_allclose(changed_global["out"], changed_global["want"], rtol=1e-12)
    changed_source = _run(tmp_path, c=0.5)
    assert len(_entries(tmp_path)) == 3
    np.testing.assert_allclose(changed_source["out"], changed_source["want"], rtol=1e-12)


def test_without_cache_nothing_is_written(tmp_path, monkeypatch):
    for var in ("HOME", "XDG_CACHE_HOME", "SRCDIFF_CACHE_DIR"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))

    def f(x, n):
        for i in range(n):
            x = x * 0.9 + 0.1
        return x * x

    g = srcdiff.grad(f, backend="numba")
    assert g(1.5, 3) == pytest.approx(srcdiff.grad(f)(1.5, 3), rel=1e-12)
    srcdiff.forward(f, backend="numba")(1.5, 3, t_x=1.0)
    assert not any(p.exists() for p in tmp_path.iterdir())


def test_the_directory_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("SRCDIFF_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert disk_cache.directory() == str(tmp_path / "xdg" / "srcdiff")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert disk_cache.directory() == str(tmp_path / "home" / ".cache" / "srcdiff")
    monkeypatch.setenv("SRCDIFF_CACHE_DIR", str(tmp_path / "mine"))
    assert disk_cache.directory() == str(tmp_path / "mine")


def test_cache_needs_the_numba_backend():
    def f(x):
        return x * x
    with pytest.raises(ArgumentError, match="cache=True .* needs backend='numba'"):
        srcdiff.grad(f, cache=True)


def test_an_unkeyable_global_is_compiled_in_memory_with_a_warning(monkeypatch, tmp_path, own_rules_only):
    monkeypatch.setenv("SRCDIFF_CACHE_DIR", str(tmp_path / "cache"))

    Params = collections.namedtuple("Params", "a b")
    params = Params(3.0, 1.0)

    def f(x):
        return x * x * params.a  # a closure over a value the fingerprint does not describe (a namedtuple)

    with pytest.warns(disk_cache.CacheWarning, match="closure variable params"):
        assert srcdiff.grad(f, backend="numba", cache=True)(2.0) == pytest.approx(12.0)
    assert _entries(tmp_path) == []


def test_forward_and_grad_use_the_cache_in_process(monkeypatch, tmp_path, own_rules_only):
    monkeypatch.setenv("SRCDIFF_CACHE_DIR", str(tmp_path / "cache"))

    def f(x, n):
        y = x
        for i in range(n):
            y = np.sin(y) * 1.1
        return y

    value, tangent = srcdiff.forward(f, backend="numba", cache=True)(0.3, 4, t_x=1.0)
    want_value, want_tangent = srcdiff.forward(f)(0.3, 4, t_x=1.0)
    assert (value, tangent) == pytest.approx((want_value, want_tangent), rel=1e-12)
    g = srcdiff.grad(f, backend="numba", cache=True)(0.3, 4)
    assert g == pytest.approx(want_tangent, rel=1e-12)
    names = _entries(tmp_path)
    assert len(names) >= 2  # forward, grad (and any twin grad asks for)
    sources = {json.loads((tmp_path / "cache" / n.replace(".py", ".json")).read_text())["source"] for n in names}
    assert srcdiff.grad(f, backend="numba", cache=True).source_for(0.3, 4) in sources


def test_registered_rules_keep_the_code_in_memory(monkeypatch, tmp_path):
    monkeypatch.setenv("SRCDIFF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "rules_generation", lambda: 1)

    def f(x):
        return x * x * 3.0

    with pytest.warns(disk_cache.CacheWarning, match="rules were registered"):
        assert srcdiff.grad(f, backend="numba", cache=True)(2.0) == pytest.approx(12.0)
    assert _entries(tmp_path) == []
