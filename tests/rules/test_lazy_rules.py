"""The rule table is filled on first need: ``import srcdiff`` parses no rule template and imports
no SciPy; SciPy's rules arrive once the user's code has imported ``scipy.special``."""
import os
import subprocess
import sys
import textwrap

import pytest

import srcdiff

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(srcdiff.__file__)))


@pytest.fixture()
def run(tmp_path):
    """Run ``code`` as a script in a new interpreter (a file: srcdiff reads the source of functions)."""
    def run(code):
        script = tmp_path / "script.py"
        script.write_text(textwrap.dedent(code))
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env,
                                timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout
    return run



def test_import_loads_no_rule_module_and_no_scipy(run):
    out = run("""
        import sys
        import srcdiff
        rule_modules = [m for m in sys.modules if m.startswith("srcdiff.rules.") and
                        m.rsplit(".", 1)[1].startswith(("numpy_", "math_", "linalg_", "fft_", "scipy_"))]
        print(sorted(rule_modules), "scipy" in sys.modules)
    """)
    assert out.strip() == "[] False"


def test_import_leaves_the_pipeline_for_the_first_transformation(run):
    out = run("""
        import sys
        import numpy as np
        import srcdiff
        print("srcdiff.pipeline" in sys.modules, "srcdiff.modes.reverse" in sys.modules)
        def f(x):
            return np.sum(x ** 3)
        assert np.allclose(srcdiff.grad(f)(np.array([1.0, 2.0])), [3.0, 12.0])
        assert np.allclose(srcdiff.jvp(f, (np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))[1], 3.0)
        print("srcdiff.pipeline" in sys.modules)
    """)
    assert out.split() == ["False", "False", "True"]


def test_first_gradient_loads_the_rules(run):
    out = run("""
        import numpy as np
        import srcdiff
        def f(x):
            return np.sum(np.sin(x) ** 2)
        x = np.array([0.3, 1.2])
        print(np.allclose(srcdiff.grad(f)(x), 2 * np.sin(x) * np.cos(x)))
    """)
    assert out.strip() == "True"


def test_scipy_rules_arrive_when_scipy_special_is_imported_later(run):
    pytest.importorskip("scipy.special")
    out = run("""
        import sys
        import numpy as np
        import srcdiff
        srcdiff.grad(lambda x: np.sum(x ** 2))(np.ones(2))  # the built-in rules are loaded now
        assert "scipy" not in sys.modules
        import scipy.special
        def f(x):
            return np.sum(scipy.special.erf(x))
        x = np.array([0.1, -0.7])
        print(np.allclose(srcdiff.grad(f)(x), 2 / np.sqrt(np.pi) * np.exp(-x ** 2)))
    """)
    assert out.strip() == "True"


def test_a_user_rule_for_a_numpy_function_registered_first_is_kept(run):
    out = run("""
        import numpy as np
        import srcdiff
        @srcdiff.adjoint(np.cbrt)  # before any rule was looked up: the built-in must not replace it
        def cbrt_adjoint(y, x):
            d[x] = d[y] * 7.0
        def f(x):
            return np.sum(np.cbrt(x))
        print(srcdiff.grad(f)(np.array([8.0]))[0])
    """)
    assert float(out) == 7.0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.parametrize("delay", [0.0, 0.02, 0.08])
def test_a_fork_while_another_thread_loads_the_rules_gives_the_child_all_of_them(run, delay):
    out = run("""
        import os, threading, time
        import numpy as np
        import srcdiff
        def f(x):
            return np.sum(np.cos(x) * x)
        x = np.linspace(0.1, 1.0, 4)
        loader = threading.Thread(target=srcdiff.rules.ensure_loaded)
        loader.start()
        time.sleep(%r)
        pid = os.fork()
        if pid == 0:
            try:
                ok = np.allclose(srcdiff.grad(f)(x), np.cos(x) - x * np.sin(x))
            except BaseException:
                os._exit(4)
            os._exit(0 if ok else 3)
        _, status = os.waitpid(pid, 0)
        loader.join()
        print(os.waitstatus_to_exitcode(status))
    """ % delay)
    assert out.strip() == "0"
