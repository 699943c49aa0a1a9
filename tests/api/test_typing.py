"""The public API's type hints: readable at run time, shipped with the package (py.typed), and usable
by a type checker on user code (mypy)."""
import inspect
import os
import shutil
import subprocess
import sys
import textwrap
import typing
import zipfile
from pathlib import Path

import pytest

import srcdiff
from srcdiff.api import Grad, ValueAndGrad
from srcdiff.checks import GradCheckReport
from srcdiff.derivatives import ForwardGrad, Tangent
from srcdiff.hessians import HVP, Hessian
from srcdiff.pullbacks import VJP

ROOT = Path(__file__).resolve().parent.parent.parent
FUNCTIONS = [name for name in srcdiff.__all__ if not isinstance(getattr(srcdiff, name), type)]
CLASSES = [Grad, ValueAndGrad, VJP, Tangent, ForwardGrad, HVP, Hessian]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_public_functions_have_complete_hints(name):
    fun = getattr(srcdiff, name)
    hints = typing.get_type_hints(fun)  # every annotation evaluates on this Python
    params = inspect.signature(fun).parameters
    assert "return" in hints, name
    assert set(params) <= set(hints), (name, set(params) - set(hints))


def test_grad_hints_name_the_types_users_pass():
    hints = typing.get_type_hints(srcdiff.grad)
    assert "Callable" in str(hints["fun"])
    assert "int" in str(hints["wrt"]) and "str" in str(hints["wrt"])
    assert hints["has_aux"] is bool
    assert typing.get_type_hints(srcdiff.check_grad)["return"] is GradCheckReport


@pytest.mark.parametrize("cls", CLASSES, ids=[c.__name__ for c in CLASSES])
def test_returned_objects_have_hinted_public_methods(cls):
    for name in ("__call__", "source", "source_for", "sources", "stages", "tangent_params"):
        member = inspect.getattr_static(cls, name, None)
        if member is None:
            continue
        fun = member.fget if isinstance(member, property) else member
        hints = typing.get_type_hints(fun)
        assert "return" in hints, (cls.__name__, name)
    assert typing.get_type_hints(GradCheckReport)["max_rel_error"] is float


def test_the_package_ships_py_typed(tmp_path):
    """A wheel built from the project (as pip installs it) holds ``srcdiff/py.typed``."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "srcdiff", project / "srcdiff", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    for isolation in (["--no-build-isolation"], []):  # without the network if setuptools can build wheels here
        run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", *isolation, "-w",
                              str(tmp_path / "dist"), str(project)], capture_output=True, text=True)
        if run.returncode == 0:
            break
    else:
        pytest.skip("no wheel could be built here: %s" % run.stderr[-300:])
    (wheel,) = (tmp_path / "dist").glob("srcdiff-*.whl")
    assert "srcdiff/py.typed" in zipfile.ZipFile(wheel).namelist()


USER_CODE = """
    import numpy as np
    import srcdiff

    def f(x: np.ndarray) -> float:
        return float(np.sum(x ** 2))

    x = np.ones(3)
    g = srcdiff.grad(f)
    y: np.ndarray = g(x)
    text: str = g.source + srcdiff.grad(f, wrt=("x",), mode="forward").source_for(x)
    value, gradient = srcdiff.value_and_grad(f, argnums=0)(x)
    out, pullback = srcdiff.vjp(f)(x)
    out, pullback = srcdiff.vjp(f, x)
    cotangents = pullback(1.0)
    params: list[str] = srcdiff.forward(f).tangent_params
    value, tangent = srcdiff.jvp(f, (x,), x)
    H = srcdiff.hessian(f)(x) + srcdiff.hvp(f)(x, x) + srcdiff.jacobian(f, mode="forward")(x)
    error: float = srcdiff.check_grad(f, x, rtol=1e-6).max_rel_error
    srcdiff.show(g, callees=True)

    @srcdiff.grad(wrt="w")
    def loss(w: np.ndarray) -> float:
        return float(np.sum(w))

    @srcdiff.checkpoint
    def layer(h: np.ndarray) -> np.ndarray:
        return np.tanh(srcdiff.stop_gradient(h))

    z: np.ndarray = layer(x)
    stages: list[tuple[str, str]] = loss.stages(x)
"""

MISTAKES = """
    import numpy as np
    import srcdiff

    def f(x: np.ndarray) -> float:
        return float(np.sum(x ** 2))

    n: int = srcdiff.grad(f).source
    srcdiff.grad(f, wrt=1.5)
    srcdiff.check_grad(f, np.ones(2), rtol="tight")

    @srcdiff.checkpoint
    def layer(h: np.ndarray) -> np.ndarray:
        return np.tanh(h)

    layer("text")
"""


def _mypy(tmp_path, code):
    pytest.importorskip("mypy")
    (tmp_path / "user.py").write_text(textwrap.dedent(code))
    (tmp_path / "mypy.ini").write_text("[mypy]\nfollow_imports = silent\n\n[mypy-gast.*]\nignore_missing_imports = True\n")
    env = dict(os.environ, MYPYPATH=str(ROOT))
    run = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(tmp_path / "mypy.ini"), "--cache-dir",
                          str(tmp_path / "cache"), "user.py"], cwd=tmp_path, env=env, capture_output=True, text=True)
    return run.returncode, run.stdout + run.stderr


def test_user_code_type_checks(tmp_path):
    code, output = _mypy(tmp_path, USER_CODE)
    assert code == 0, output


def test_mistakes_in_user_code_are_found(tmp_path):
    """The hints say something: a wrong type for ``.source``, ``wrt``, a tolerance or a checkpointed
    function's argument is an error."""
    code, output = _mypy(tmp_path, MISTAKES)
    assert code == 1, output
    lines = {int(line.split(":")[1]) for line in output.splitlines() if line.startswith("user.py:") and ": error:" in line}
    assert lines == {8, 9, 10, 16}, output
