"""A source file edited after import is refused: srcdiff reads the text, Python runs the code."""
import importlib
import linecache
import os
import sys
import textwrap
import time

import numpy as np
import pytest

import srcdiff
from srcdiff.front import reader
from srcdiff.errors import SourceChangedError, SourceUnavailableError

MODULE = textwrap.dedent("""
    import numpy as np


    def helper(x):
        return x ** 2


    def f(x):
        return np.sum(x ** 2)


    def g(x):
        # calls helper
        return np.sum(helper(x))
""")


def write(path, text):
    path.write_text(text)
    later = time.time() + 10  # a new mtime even within the file system's clock resolution
    os.utime(path, (later, later))


@pytest.fixture
def edited(tmp_path, monkeypatch):
    """A module imported, then its file changed: ``x ** 2`` runs, ``x ** 3`` is on disk."""
    name = "edited_%d" % time.monotonic_ns()
    path = tmp_path / (name + ".py")
    write(path, MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(name)
    yield module, path
    sys.modules.pop(name, None)


def test_function_edited_after_import_is_refused_in_both_modes(edited):
    module, path = edited
    write(path, MODULE.replace("return np.sum(x ** 2)", "return np.sum(x ** 3)"))
    x = np.array([1.0, 2.0])
    with pytest.raises(SourceChangedError) as info:
        srcdiff.grad(module.f)(x)
    message = str(info.value)
    assert "%s:9" % path in message and "def f(x):" in message
    assert "changed after it was imported" in message and "Re-import the module" in message
    with pytest.raises(SourceChangedError):
        srcdiff.jvp(module.f, (x,), np.ones(2))
    assert isinstance(info.value, SourceUnavailableError)


def test_callee_edited_after_import_is_refused(edited):
    module, path = edited
    write(path, MODULE.replace("return x ** 2", "return x ** 3"))
    with pytest.raises(SourceChangedError, match="the source of helper changed") as info:
        srcdiff.grad(module.g)(np.array([1.0, 2.0]))
    assert "%s:5" % path in str(info.value)


def test_lines_moved_by_an_edit_above_are_refused(edited):
    module, path = edited
    write(path, MODULE.replace("import numpy as np\n", "import numpy as np\nimport math\n"))
    with pytest.raises(SourceChangedError):
        srcdiff.grad(module.f)(np.array([1.0, 2.0]))


def test_comment_edits_and_reload_are_accepted(edited):
    module, path = edited
    write(path, MODULE.replace("# calls helper", "# calls the helper, squared"))
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(srcdiff.grad(module.g)(x), 2 * x)
    write(path, MODULE.replace("return np.sum(x ** 2)", "return np.sum(x ** 3)"))
    module = importlib.reload(module)
    np.testing.assert_allclose(srcdiff.grad(module.f)(x), 3 * x ** 2)


CASES = textwrap.dedent('''
    from __future__ import annotations

    import functools
    import numpy as np
    import numpy
    xp = np  # a module bound by assignment, not imported: Python calls its functions differently


    def decorate(fn):
        return fn


    class Base:
        def loss(self, x):
            return np.sum(x)


    class Model(Base):
        scale = 2.0

        def __init__(self):
            self.__w = 3.0

        @decorate
        def loss(self, x, k=2.0, *, p=1.5):
            """Docstring
                with indented lines."""
            return super().loss(x) * self.__w + np.sum(x ** k) * p

        @staticmethod
        def static(x):
            return np.sum(numpy.cos(x)) + xp.sum(x)

        square = lambda self, x: x ** 2  # noqa: E731


    def factory(a, b):
        c = a + b

        def closure(x: np.ndarray) -> float:
            def inner(y: float):
                return y * c
            return np.sum(inner(x) * a + xp.sin(x))
        return closure


    def scaled(a):
        def closure(x):
            return np.sum(x * a + xp.sin(x))
        return closure


    def nested_lambda(x):
        f = lambda y: y * 2.0  # noqa: E731
        return np.sum(f(x)) + float("nan") * 0.0 + -0.0


    if True:
        def in_a_block(x):
            return np.sum(np.tanh(x))

    lambdas = [lambda x, i=i: x * i for i in range(2)]
''')


def test_no_false_alarm_on_methods_closures_lambdas_decorators(tmp_path, monkeypatch):
    name = "cases_%d" % time.monotonic_ns()
    (tmp_path / (name + ".py")).write_text(CASES)
    monkeypatch.syspath_prepend(str(tmp_path))
    m = importlib.import_module(name)
    try:
        functions = [m.Model.loss, m.Model.__init__, m.Model.static, m.Model.square, m.Base.loss, m.decorate,
                     m.factory, m.factory(1.0, 2.0), m.scaled(3.0), m.nested_lambda, m.in_a_block, m.lambdas[1]]
        for fn in functions:
            reader.load(fn)
        x = np.array([0.3, 0.7])
        closure = m.scaled(3.0)
        fd = [(closure(x + e) - closure(x - e)) / 2e-6 for e in np.eye(2) * 1e-6]
        np.testing.assert_allclose(srcdiff.grad(closure)(x), fd, rtol=1e-6)
        np.testing.assert_allclose(srcdiff.grad(m.in_a_block)(x), 1 - np.tanh(x) ** 2)
    finally:
        sys.modules.pop(name, None)


def test_no_false_alarm_on_functions_from_exec_with_linecache_text():
    text = "def h(x):\n    return np.sum(np.exp(x))\n"
    filename = "<cell-%d>" % time.monotonic_ns()
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"np": np}
    exec(compile(text, filename, "exec"), namespace)
    x = np.array([0.1, 0.2])
    np.testing.assert_allclose(srcdiff.grad(namespace["h"])(x), np.exp(x))
    edited = text.replace("np.exp", "np.sin")  # a notebook cell edited but not run again
    linecache.cache[filename] = (len(edited), None, edited.splitlines(True), filename)
    with pytest.raises(SourceChangedError):
        srcdiff.grad(namespace["h"], wrt=0)(np.array([0.1, 0.2, 0.3]))
