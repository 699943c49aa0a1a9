"""The ``srcdiff`` command line: ``python -m srcdiff show|check|coverage``."""
import os
import re
import subprocess
import sys
import textwrap

import pytest

import srcdiff
from srcdiff import cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(srcdiff.__file__)))

MODEL = '''
import numpy as np
import srcdiff


def loss(w, x, scale=1.0):
    h = np.tanh(x @ w)
    return scale * np.sum(h ** 2)


def frozen(x):
    """Its gradient is x, but finite differences see 2 x: check must fail."""
    return np.sum(srcdiff.stop_gradient(x) * x)


def uses_helper(x):
    return helper_module.double(x).sum()


not_a_function = 3
'''


@pytest.fixture(autouse=True)
def restore_imports(monkeypatch, tmp_path_factory):
    """The command imports files and puts their folders on sys.path: undo that after each test."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    base = str(tmp_path_factory.getbasetemp())
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if (getattr(sys.modules[name], "__file__", None) or "").startswith(base):
            del sys.modules[name]


@pytest.fixture()
def model(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL.replace("helper_module.double(x)", "np.sin(x)"))
    return str(path)


def run_main(capsys, *argv):
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def run_module(*argv, cwd):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "srcdiff", *argv], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=120)


# ----------------------------------------------------------------------------- show

def test_show_prints_generic_reverse_source(capsys, model):
    status, out, err = run_main(capsys, "show", model + ":loss")
    assert status == 0, err
    assert out.startswith("def grad_loss(w, x, scale=1.0):")
    assert "d(loss)/d(w)" in out
    assert "\033[" not in out  # not a terminal: no colours


def test_show_wrt_by_name_and_index(capsys, model):
    status, out, _ = run_main(capsys, "show", model + ":loss", "--wrt", "x")
    assert status == 0 and "d(loss)/d(x)" in out
    status, out, _ = run_main(capsys, "show", model + ":loss", "--wrt", "1", "0")
    assert status == 0 and "d(loss)/d(x, w)" in out
    status, out, _ = run_main(capsys, "show", model + ":loss", "--wrt", "-2")
    assert status == 0 and "d(loss)/d(x)" in out


def test_show_forward_mode(capsys, model):
    status, out, _ = run_main(capsys, "show", model + ":loss", "--mode", "forward")
    assert status == 0
    assert "def loss_tangent(w, x, scale=1.0, *, t_w):" in out


def test_show_args_specializes(capsys, model):
    _, generic, _ = run_main(capsys, "show", model + ":loss", "--wrt", "scale")
    status, special, err = run_main(capsys, "show", model + ":loss", "--wrt", "scale",
                                    "--args", "np.ones(3), np.ones((2, 3)), 2.0")
    assert status == 0, err
    assert "d(loss)/d(scale)" in special
    assert special != generic  # a Python float scale gets scalar code


def test_show_stages_reverse(capsys, model):
    status, out, _ = run_main(capsys, "show", model + ":loss", "--stages")
    assert status == 0
    headings = re.findall(r"^# ---- stage (\d+): (.+?) -+$", out, re.M)
    assert [int(n) for n, _ in headings] == list(range(1, len(headings) + 1))
    names = [name for _, name in headings]
    assert names[0] == "source" and names[-1] == "generated" and "normalize" in names
    assert "def grad_loss(" in out.split("# ---- stage")[-1] and "d_w = " in out


def test_show_stages_forward_are_forward_mode(capsys, model):
    status, out, _ = run_main(capsys, "show", model + ":loss", "--stages", "--mode", "forward",
                              "--args", "np.ones(3), np.ones((2, 3))")
    assert status == 0
    last = out.split("# ---- stage")[-1]
    assert "generated" in last.splitlines()[0]
    assert "def loss_tangent(" in last and "grad_loss" not in out


def test_show_callees_prints_the_generated_helpers(capsys, tmp_path):
    path = tmp_path / "layered.py"
    path.write_text("import numpy as np\n\n\ndef layer(h, W):\n    return np.tanh(h @ W)\n\n\n"
                    "def loss(W, x):\n    return np.sum(layer(x, W) ** 2)\n")
    status, out, _ = run_main(capsys, "show", str(path) + ":loss", "--callees")
    assert status == 0
    assert re.findall(r"^def (\w+)\(", out, re.M) == ["grad_loss", "layer_forward", "layer_backward"]
    status, out, _ = run_main(capsys, "show", str(path) + ":loss")
    assert re.findall(r"^def (\w+)\(", out, re.M) == ["grad_loss"]


def test_show_colour_always(capsys, model):
    status, out, _ = run_main(capsys, "show", model + ":loss", "--color", "always")
    assert status == 0 and "\033[" in out


# ----------------------------------------------------------------------------- check

def test_check_passes(capsys, model):
    status, out, err = run_main(capsys, "check", model + ":loss", "--args",
                                "np.linspace(-1, 1, 3), np.arange(6.0).reshape(2, 3) / 6", "--wrt", "w", "x")
    assert status == 0, err
    assert out.startswith("check_grad: 9 comparisons")
    assert "OK" in out


def test_check_single_argument_and_module_names(capsys, model):
    status, out, err = run_main(capsys, "check", model + ":uses_helper", "--args", "np.array([0.5, 1.5])")
    assert status == 0, err
    status, out, err = run_main(capsys, "check", model + ":loss", "--args",
                                "np.ones(2), np.ones((1, 2)), float(not_a_function)", "--wrt", "scale")
    assert status == 0, err


def test_check_mismatch_exits_1(capsys, model):
    status, out, err = run_main(capsys, "check", model + ":frozen", "--args", "np.array([1.0, 2.0])")
    assert status == 1
    assert "gradient mismatch" in err


# ----------------------------------------------------------------------------- errors

@pytest.mark.parametrize("argv, message", [
    (["show", "{dir}/nowhere.py:loss"], "no such file"),
    (["show", "{model}:nothing"], "has no function `nothing` (functions defined there: frozen, loss, uses_helper)"),
    (["show", "{model}:not_a_function"], "is int, not a function"),
    (["show", "{model}"], "expected FILE.py:FUNCTION"),
    (["show", "{model}:loss", "--wrt", "v"], "bad --wrt: wrt='v' is not a parameter of loss(w, x, scale)"),
    (["show", "{model}:loss", "--wrt", "3"], "bad --wrt: wrt=3 is out of range"),
    (["show", "{model}:loss", "--wrt", "w", "nope"], "bad --wrt: wrt='nope'"),
    (["check", "{model}:loss", "--wrt", "-4", "--args", "1.0"], "bad --wrt: wrt=-4 is out of range"),
    (["check", "{model}:loss", "--args", "np.ones(3), np.ones((2, 3)"], "cannot parse --args"),
    (["check", "{model}:loss", "--args", "np.ones(3), undefined_name"], "NameError"),
    (["show", "{model}:loss", "--args", "1 +"], "cannot parse --args"),
    (["coverage", "--namespace", "pandas"], "unknown --namespace pandas"),
    # --args the function cannot take, or that are not floats where a gradient is asked
    (["check", "{model}:loss", "--args", "np.ones(3)"], "bad --args or --wrt: loss(w, x, scale) cannot take"),
    (["check", "{model}:loss", "--args", "(1, np.ones((2, 3)))"], "bad --args or --wrt: cannot differentiate loss"),
    (["show", "{model}:loss", "--args", "np.ones(3), np.ones((2, 3)), 1.0, 7"], "bad --args or --wrt"),
    # tolerances are finite numbers >= 0
    (["check", "{model}:loss", "--args", "np.ones(3), np.ones((2, 3))", "--rtol", "-1"], "--rtol: must be"),
    (["check", "{model}:loss", "--args", "np.ones(3), np.ones((2, 3))", "--atol", "nan"], "--atol: must be"),
    (["check", "{model}:loss", "--args", "np.ones(3), np.ones((2, 3))", "--rtol", "tiny"], "--rtol: expected a"),
])
def test_usage_errors_exit_2_with_a_message(capsys, model, tmp_path, argv, message):
    argv = [a.format(model=model, dir=tmp_path) for a in argv]
    status, out, err = run_main(capsys, *argv)
    assert status == 2
    assert message in err
    assert "Traceback" not in err and out == ""


def test_import_error_in_the_file(capsys, tmp_path):
    bad = tmp_path / "broken.py"
    bad.write_text("import numpy as np\nraise RuntimeError('boom')\n")
    status, _, err = run_main(capsys, "show", str(bad) + ":f")
    assert status == 2 and "RuntimeError: boom" in err
    bad.write_text("def f(x:\n    return x\n")
    status, _, err = run_main(capsys, "show", str(bad) + ":f")
    assert status == 2 and "cannot import" in err


def test_refused_function_exits_1(capsys, tmp_path):
    path = tmp_path / "refused.py"
    path.write_text("import numpy as np\n\n\ndef f(x):\n    try:\n        return np.sum(x)\n    except ValueError:\n"
                    "        return 0.0\n")
    status, _, err = run_main(capsys, "show", str(path) + ":f")
    assert status == 1
    assert "refused.py:5" in err and "try" in err and "Traceback" not in err


def test_files_named_like_modules_and_sibling_imports(capsys, tmp_path):
    (tmp_path / "helper_module.py").write_text("def double(x):\n    return 2.0 * x\n")
    (tmp_path / "json.py").write_text(MODEL.replace("import numpy as np", "import numpy as np\nimport helper_module"))
    status, out, err = run_main(capsys, "check", str(tmp_path / "json.py") + ":uses_helper", "--args", "np.ones(2)")
    assert status == 0, err
    import json
    assert hasattr(json, "dumps")  # the standard library's json is untouched


# ----------------------------------------------------------------------------- coverage

def test_coverage(capsys):
    status, out, _ = run_main(capsys, "coverage")
    assert status == 0
    lines = out.rstrip("\n").splitlines()
    assert re.fullmatch(r"rules: \d+ reverse, \d+ forward", lines[-1])
    for namespace in ("numpy", "numpy.linalg", "numpy.fft", "math", "builtins", "ndarray"):
        assert any(line.startswith(namespace + ": ") for line in lines), namespace
    numpy_section = out.split("\nnumpy.linalg:")[0]
    assert re.search(r"reverse and forward \(\d+\):.* tanh\b", numpy_section.replace("\n", " "))
    assert re.search(r"non-differentiable \(accepted as constants\) \(\d+\):.* argmax\b",
                     numpy_section.replace("\n", " "))
    assert "no rule" in numpy_section


def test_coverage_one_namespace(capsys):
    status, out, _ = run_main(capsys, "coverage", "--namespace", "math")
    assert status == 0
    assert out.startswith("math: ") and "\nnumpy:" not in out
    assert "sqrt" in out and out.rstrip().splitlines()[-1].startswith("rules: ")


# ----------------------------------------------------------------------------- python -m srcdiff

def test_python_m_srcdiff(model, tmp_path):
    result = run_module("show", model + ":loss", cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "def grad_loss(" in result.stdout
    result = run_module("check", model + ":frozen", "--args", "np.ones(2)", cwd=str(tmp_path))
    assert result.returncode == 1 and "gradient mismatch" in result.stderr
    result = run_module("--help", cwd=str(tmp_path))
    assert result.returncode == 0 and "show" in result.stdout and "coverage" in result.stdout


@pytest.mark.parametrize("argv, message", [
    (["show", "missing.py:f"], "no such file: missing.py"),
    (["show", "{model}:nothing"], "has no function `nothing`"),
    (["show", "{model}:loss", "--wrt", "zz"], "bad --wrt"),
    (["check", "{model}:loss", "--args", "(("], "cannot parse --args"),
])
def test_python_m_srcdiff_errors(model, tmp_path, argv, message):
    result = run_module(*[a.format(model=model) for a in argv], cwd=str(tmp_path))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_main_module_is_tiny():
    with open(os.path.join(ROOT, "srcdiff", "__main__.py")) as f:
        text = f.read()
    assert "from .cli import main" in text and len(text.splitlines()) < 15


def test_usage_without_a_command(capsys):
    assert cli.main([]) == 2
    assert "usage: srcdiff" in capsys.readouterr().err


def test_help_mentions_exit_statuses(capsys):
    assert cli.main(["--help"]) == 0
    assert "Exit status" in textwrap.dedent(capsys.readouterr().out)


def test_a_closed_pipe_ends_quietly(model, tmp_path):
    """``srcdiff show ... | head -1``: the reader goes away; no traceback, no second error at exit."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "srcdiff", "show", model + ":loss", "--stages"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(tmp_path))
    proc.stdout.readline()
    proc.stdout.close()  # like head after its first line
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert proc.returncode in (0, cli.BROKEN_PIPE)


@pytest.mark.parametrize("command", ["show", "check"])
def test_help_says_the_file_is_imported(capsys, command):
    assert cli.main([command, "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "The file is imported, so its top-level code runs" in text


def test_coverage_scipy_namespaces(capsys):
    """--namespace scipy.stats lists each distribution's methods; scipy.special shows the rules of
    issue 18 in both modes, gammasgn as non-differentiable; other scipy.* modules can be named."""
    pytest.importorskip("scipy.stats")
    status, out, _ = run_main(capsys, "coverage", "--namespace", "scipy.stats")
    assert status == 0 and out.startswith("scipy.stats: ")
    flat = out.replace("\n", " ")
    both = re.search(r"reverse and forward \(\d+\):(.*?)(?:\n  \S|\Z)", out, re.S).group(1).split()
    for name in ("norm.logpdf", "norm.cdf", "poisson.logpmf", "multivariate_normal.logpdf", "dirichlet.logpdf",
                 "t.cdf", "beta.logsf"):
        assert name in both, name  # covered in both modes, not only listed
    assert "norm.ppf" not in both
    status, out, _ = run_main(capsys, "coverage", "--namespace", "scipy.special")
    both = re.search(r"reverse and forward \(\d+\):(.*?)(?:\n  \S|\Z)", out, re.S).group(1).split()
    for name in "iv ive gammainc gammaincc jn yn j0 j1 y0 y1 rgamma erfcinv beta betainc".split():
        assert name in both, name
    assert re.search(r"non-differentiable \(accepted as constants\) \(\d+\):.*\bgammasgn\b", out.replace("\n", " "))
    status, out, _ = run_main(capsys, "coverage", "--namespace", "scipy.ndimage")
    assert status == 0 and out.startswith("scipy.ndimage: ")
