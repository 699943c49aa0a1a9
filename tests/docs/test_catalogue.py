"""The bad-input catalogue (docs/bad_input.md) is true: every row names tests that exist.

The first part reads the catalogue's tables and checks that each row cites at least one pytest
node id and that every cited id is collected by pytest (one ``--collect-only`` subprocess for all
cited files). The second part tests the rows no other test file covered: each test asserts what
the catalogue says srcdiff does. Where srcdiff falls short, the test asserts the behaviour users
should get and is a strict xfail whose reason says what srcdiff does instead (as in
test_errors.py): when it is fixed, the xfail turns into a failure and the catalogue row must be
updated.
"""
import collections
import importlib.util
import inspect
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import srcdiff
from srcdiff import ArgumentError, NonDifferentiableError, SrcdiffError, UnsupportedSyntaxError

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CATALOGUE = os.path.join(ROOT, "docs", "bad_input.md")

X = np.array([1.0, -2.0, 0.5])

NO_ERROR = pytest.fail.Exception  # what pytest.raises raises when nothing was raised


def xfail(raises, reason):
    """A known srcdiff shortcoming: the test must fail, and exactly with ``raises``."""
    return pytest.mark.xfail(strict=True, raises=raises, reason=reason)


# ============================================================ 1. the catalogue itself

_CODE_SPAN = re.compile(r"``\s?(.+?)\s?``|`([^`]+)`")


def split_row(line):
    """The cells of a Markdown table row (an escaped ``\\|`` does not split)."""
    cells, current, i = [], [], 0
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body) and body[i + 1] == "|":
            current.append("|")
            i += 2
            continue
        if body[i] == "|":
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(body[i])
        i += 1
    cells.append("".join(current).strip())
    return cells


def _is_separator(cells):
    return all(cell and set(cell) <= set("-: ") for cell in cells)


HEADER = ["misuse", "example", "what srcdiff does", "test"]


def catalogue_rows():
    """(line number, cells) of every data row of the catalogue's tables (those with HEADER)."""
    with open(CATALOGUE, encoding="utf-8") as f:
        lines = f.read().splitlines()
    rows, in_catalogue_table = [], False
    for i, line in enumerate(lines):
        if not line.lstrip().startswith("|"):
            in_catalogue_table = False
            continue
        cells = split_row(line)
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if following.lstrip().startswith("|") and _is_separator(split_row(following)):
            in_catalogue_table = cells == HEADER  # the header row of a new table
            continue
        if in_catalogue_table and not _is_separator(cells):
            rows.append((i + 1, cells))
    return rows


def node_ids(cell):
    """The pytest node ids quoted as code in a table cell."""
    ids = []
    for match in _CODE_SPAN.finditer(cell):
        text = (match.group(1) or match.group(2)).strip()
        if text.startswith("tests/") and "::" in text:
            ids.append(text)
    return ids


def cited_ids():
    return [(line, node) for line, cells in catalogue_rows() for node in node_ids(cells[-1])]


@pytest.fixture(scope="module")
def collected(request):
    """Node ids pytest collects: those of this session, plus (in one ``--collect-only``
    subprocess) those of the cited files this session did not collect or deselected."""
    ids = {item.nodeid for item in request.session.items}
    files = sorted({node.split("::")[0] for _, node in cited_ids() if node not in ids})
    missing = [f for f in files if not os.path.exists(os.path.join(ROOT, f))]
    assert not missing, "the catalogue cites test files that do not exist: %s" % missing
    if not files:
        return ids, ""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([ROOT] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-o", "addopts=",
                          "-p", "no:cacheprovider", "-p", "no:hypothesispytest", *files],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    ids |= {line.strip() for line in run.stdout.splitlines() if "::" in line}
    return ids, run.stdout[-3000:] + run.stderr[-3000:]


def test_catalogue_has_tables_of_four_columns():
    rows = catalogue_rows()
    assert len(rows) >= 40, "the catalogue lost rows: %d" % len(rows)
    bad = [(line, len(cells)) for line, cells in rows if len(cells) != 4]
    assert not bad, "rows without the four columns misuse | example | what srcdiff does | test: %s" % bad


def test_every_row_names_a_test():
    bare = [(line, cells[0]) for line, cells in catalogue_rows() if not node_ids(cells[-1])]
    assert not bare, "catalogue rows (line, misuse) that cite no pytest node id: %s" % bare


def test_every_cited_test_exists(collected):
    ids, output = collected
    unknown = [(line, node) for line, node in cited_ids() if node not in ids]
    if not all(importlib.util.find_spec(m) for m in ("scipy", "numba", "dask")):
        # without an optional extra, the tests that need it are not collected (a whole file skipped, a
        # parameter left out): only citations of tests that cannot depend on it are checked (CI
        # installs every extra and checks them all)
        files = {i.split("::")[0] for i in ids}
        functions = {i.split("[")[0] for i in ids}
        unknown = [(line, node) for line, node in unknown
                   if node.split("::")[0] in files and node.split("[")[0] not in functions]
    assert not unknown, "docs/bad_input.md cites tests pytest does not collect (line, node id): %s\n%s" % (
        unknown, output)


def test_every_test_here_is_cited():
    """The tests below exist for the catalogue: each one must back a row."""
    cited = {node.split("::")[1].split("[")[0] for _, node in cited_ids()
             if node.startswith("tests/docs/test_catalogue.py::")}
    here = {name for name, obj in globals().items() if name.startswith("test_") and callable(obj)}
    meta = {"test_catalogue_has_tables_of_four_columns", "test_every_row_names_a_test",
            "test_every_cited_test_exists", "test_every_test_here_is_cited"}
    assert sorted(here - meta - cited) == []


# ============================================================ 2. rows tested here


def line_of(fn, needle):
    lines, first = inspect.getsourcelines(fn)
    hits = [first + i for i, text in enumerate(lines) if needle in text]
    assert hits, "test bug: %r is not in the source of %s" % (needle, fn.__name__)
    return hits[0]


def assert_located(message, fn, needle, text=None):
    """The message names ``file.py:LINE`` of ``needle`` in ``fn`` and shows the source text."""
    where = "%s:%d" % (os.path.basename(inspect.getsourcefile(fn)), line_of(fn, needle))
    assert where in message, "the message does not name %s:\n%s" % (where, message)
    assert (needle if text is None else text) in message, message


# ---------------------------------------------------------------- unsupported syntax


def f_yield_from(x):
    yield from [np.sum(x)]


def f_import_from(x):
    from math import pi
    return np.sum(x) * pi


def f_starred_target(x):
    first, *rest = x
    return first * np.sum(rest)


class Box:
    total = 0.0


BOX = Box()


def f_attribute_augassign(x):
    BOX.total += np.sum(x)
    return np.sum(x ** 2)


@pytest.mark.parametrize("fn, needle, text, fix", [
    pytest.param(f_yield_from, "def f_yield_from", None, "consumes it", id="yield-from"),
    pytest.param(f_import_from, "from math import pi", None, "module level", id="import-from"),
    pytest.param(f_starred_target, "first, *rest = x", None, "explicit indices", id="starred-target"),
    pytest.param(f_attribute_augassign, "BOX.total += np.sum(x)", None, "name op= value", id="attribute-augassign"),
])
def test_more_unsupported_syntax(fn, needle, text, fix):
    with pytest.raises(UnsupportedSyntaxError) as info:
        srcdiff.grad(fn)(X.copy())
    msg = str(info.value)
    assert_located(msg, fn, needle, text)
    assert fix in msg, msg


@pytest.mark.skipif(sys.version_info < (3, 12), reason="`type` statements need Python 3.12")
def test_type_statement_is_refused(tmp_path):
    path = tmp_path / "type_statement_user.py"
    path.write_text("import numpy as np\n\n\ndef f(x):\n    type Vector = list[float]\n    return np.sum(x)\n")
    namespace = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    with pytest.raises(UnsupportedSyntaxError) as info:
        srcdiff.grad(namespace["f"])(X)
    msg = str(info.value)
    assert "type_statement_user.py:5" in msg and "type Vector = list[float]" in msg and "module level" in msg


# ---------------------------------------------------------------- calls


def _double(v):
    return v * 2.0


def f_call_with_star_args(x):
    args = (x,) if x.ndim == 1 else (x, x)  # a length srcdiff does not know (a tuple display bound once works)
    y = _double(*args)
    return np.sum(y)


def f_call_with_wrong_keyword(x):
    y = _double(v=x, scale=2.0)
    return np.sum(y)


@pytest.mark.parametrize("fn, needle, words", [
    pytest.param(f_call_with_star_args, "y = _double(*args)", ["*args", "one by one"], id="star-args-call"),
    pytest.param(f_call_with_wrong_keyword, "y = _double(v=x, scale=2.0)", ["signature", "scale"],
                 id="wrong-keyword"),
])
def test_call_srcdiff_cannot_bind(fn, needle, words):
    with pytest.raises(NonDifferentiableError) as info:
        srcdiff.grad(fn)(X)
    msg = str(info.value)
    assert_located(msg, fn, needle)
    for word in words:
        assert word in msg, msg


class Quadratic:
    def __init__(self):
        self.w = np.array([1.0, 2.0, 3.0])

    def loss(self, x):
        return np.sum(self.w * x ** 2)


def test_bound_method_is_differentiated_or_refused_clearly():
    model = Quadratic()  # issue 17: a bound method is differentiated with respect to its object
    g = srcdiff.grad(model.loss)(X)
    assert type(g) is Quadratic
    np.testing.assert_allclose(g.w, X ** 2)
    np.testing.assert_allclose(srcdiff.grad(model.loss, wrt=0)(X), 2.0 * model.w * X)
    np.testing.assert_allclose(srcdiff.grad(Quadratic.loss, wrt=1)(model, X), 2.0 * model.w * X)


def activated_sum(x, act=np.tanh):
    return np.sum(act(x))


SQUARE = lambda z: z ** 2  # noqa: E731


def test_lambda_passed_as_function_argument():
    np.testing.assert_allclose(srcdiff.grad(activated_sum)(X, SQUARE), 2.0 * X)


def cube(x):
    return x ** 3


def test_gradient_of_a_gradient():
    assert srcdiff.grad(srcdiff.grad(cube))(2.0) == pytest.approx(12.0)


# ---------------------------------------------------------------- arguments and outputs


def sum_of_squares(x):
    return np.sum(x ** 2)


def scaled_sum(x, label):
    return np.sum(x) * len(label)


def no_return(x):
    y = x * 2.0  # noqa: F841


def test_non_function_is_refused():
    with pytest.raises(ArgumentError) as info:
        srcdiff.grad(3)
    assert "functions" in str(info.value) and "3" in str(info.value)


@pytest.mark.parametrize("value, kind", [("ab", "str"), (None, "NoneType")], ids=["str", "None"])
def test_wrt_argument_that_is_not_a_number(value, kind):
    with pytest.raises(ArgumentError) as info:
        srcdiff.grad(scaled_sum, wrt=1)(X, value)
    msg = str(info.value)
    assert "scaled_sum" in msg and "`label`" in msg and kind in msg, msg


def test_missing_wrt_argument():
    with pytest.raises(ArgumentError) as info:
        srcdiff.grad(sum_of_squares)()
    assert "missing argument `x`" in str(info.value)


def test_wrong_number_of_arguments_is_a_python_type_error():
    """Like calling the function itself with too many arguments; the message names the user's function."""
    with pytest.raises(TypeError) as info:
        srcdiff.grad(sum_of_squares)(X, X)
    msg = str(info.value)
    assert "sum_of_squares(x)" in msg and "too many positional arguments" in msg, msg
    assert isinstance(info.value, ArgumentError)


def test_list_where_the_function_needs_an_array():
    with pytest.raises(NonDifferentiableError) as info:
        srcdiff.grad(sum_of_squares)([1.0, 2.0])  # the function itself raises TypeError for x ** 2
    assert "np.asarray(x)" in str(info.value)


@pytest.mark.parametrize("fn", [no_return], ids=["no-return"])
def test_function_returning_none(fn):
    with pytest.raises(NonDifferentiableError) as info:
        srcdiff.grad(fn)(X)
    msg = str(info.value)
    assert fn.__name__ in msg and "NoneType" in msg and "scalar" in msg, msg


def test_has_aux_without_a_tuple():
    with pytest.raises(NonDifferentiableError) as info:
        srcdiff.grad(sum_of_squares, has_aux=True)(X)
    assert "has_aux" in str(info.value) and "sum_of_squares" in str(info.value)


def test_jvp_primals_not_a_tuple():
    with pytest.raises(ArgumentError) as info:
        srcdiff.jvp(sum_of_squares, X, np.ones(3))
    assert "tuple" in str(info.value), str(info.value)


def test_has_aux_in_forward_mode():
    with pytest.raises(ArgumentError) as info:
        srcdiff.grad(sum_of_squares, has_aux=True, mode="forward")
    assert "has_aux" in str(info.value) and "reverse" in str(info.value)


# ---------------------------------------------------------------- in-place writes


def writes_view_of_argument(x):
    head = x[:2]
    head[0] = 5.0
    return np.sum(x ** 2)


def test_writing_into_a_view_of_an_argument():
    before = X.copy()
    with pytest.raises(NonDifferentiableError) as info:
        srcdiff.grad(writes_view_of_argument)(X)
    msg = str(info.value)
    assert_located(msg, writes_view_of_argument, "head[0] = 5.0")
    assert "`head`" in msg and "`x`" in msg and ".copy()" in msg, msg
    np.testing.assert_array_equal(X, before)


def scales_first_in_place(x):
    x[0] = x[0] * 3.0
    return np.sum(x ** 2)


@pytest.mark.parametrize("call", [
    lambda x, t: srcdiff.grad(scales_first_in_place)(x),
    lambda x, t: srcdiff.vjp(scales_first_in_place)(x)[1](1.0),
    lambda x, t: srcdiff.jvp(scales_first_in_place, (x,), t),
    lambda x, t: srcdiff.forward(scales_first_in_place)(x, t_x=t),
    lambda x, t: srcdiff.grad(scales_first_in_place, mode="forward")(x),
    lambda x, t: srcdiff.jacobian(scales_first_in_place, mode="forward")(x),
    lambda x, t: srcdiff.hvp(scales_first_in_place)(x, t),
], ids=["grad", "vjp", "jvp", "forward", "grad-forward", "jacobian-forward", "hvp"])
def test_written_argument_and_tangent_are_left_unchanged(call):
    x, t = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.5, 0.0])
    call(x, t)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(t, [1.0, 0.5, 0.0])
    np.testing.assert_allclose(srcdiff.grad(scales_first_in_place)(x), [18.0, 4.0, 6.0])
    np.testing.assert_allclose(srcdiff.grad(scales_first_in_place, mode="forward")(x), [18.0, 4.0, 6.0])


def collects_states(x0):
    x = x0 * 1.0
    states = []
    for i in range(3):
        x = x * 2.0
        states.append(x)
    return np.sum(np.stack(states))


def test_appending_a_live_name_to_a_list():
    np.testing.assert_allclose(srcdiff.grad(collects_states)(np.ones(2)), [14.0, 14.0])


# ---------------------------------------------------------------- code that changes under srcdiff

RATE = 0.5
WEIGHTS = np.array([1.0, 2.0, 3.0])


def uses_rate(w):
    return np.sum(RATE * w ** 2)


def uses_weights(x):
    return np.sum(WEIGHTS * x)


def test_global_float_that_becomes_an_array():
    """The output stays a scalar: the code is regenerated for an array global, with broadcasting."""
    global RATE
    w = np.array([1.0, 2.0])
    g = srcdiff.grad(uses_rate)
    try:
        np.testing.assert_allclose(g(w), 2 * 0.5 * w)
        RATE = np.array([1.0, 3.0])
        np.testing.assert_allclose(g(w), 2 * RATE * w)
        RATE = np.array([[1.0], [3.0]])  # broadcasts to (2, 2): the gradient sums over the new axis
        np.testing.assert_allclose(g(w), (2 * RATE * w).sum(axis=0))
    finally:
        RATE = 0.5


def test_global_array_changed_in_place():
    g = srcdiff.grad(uses_weights)
    np.testing.assert_allclose(g(X), WEIGHTS)
    old = WEIGHTS.copy()
    try:
        WEIGHTS[0] = 10.0
        np.testing.assert_allclose(g(X), [10.0, 2.0, 3.0])
    finally:
        WEIGHTS[:] = old


# ---------------------------------------------------------------- user-defined rules


def shifted_square(x):
    return (x - 1.0) ** 2


def uses_shifted_square(x):
    return np.sum(shifted_square(x))


def test_rule_template_with_an_unknown_name(scratch_registry):
    """A name the template reads must exist when the rule is registered."""
    with pytest.raises(srcdiff.rules.registry.RuleError) as info:
        @srcdiff.adjoint(shifted_square)
        def shifted_square_adjoint(y, x):
            d[x] = d[y] * 2.0 * numpy_typo.subtract(x, 1.0)  # noqa: F821
    msg = str(info.value)
    assert "shifted_square_adjoint" in msg and "numpy_typo" in msg, msg


# ------------------------------------------------------------------ calls that write in place

def multiplies_into_out(x):
    a = x * 1.0
    np.multiply(a, x, out=a)
    return np.sum(a)


def assigns_exp_with_out(x):
    a = x * 1.0
    b = np.exp(a, out=a)
    return np.sum(a + b)


def keeps_result_of_fill(x):
    a = x * 1.0
    r = a.fill(0.5)
    return np.sum(a * x)


def copies_into(x):
    a = x * 1.0
    np.copyto(a, x * 2.0)
    return np.sum(a)


def sorts_in_place(x):
    a = x * 1.0
    a.sort()
    return np.sum(a * np.arange(3.0))


def adds_at(x):
    a = x * 1.0
    np.add.at(a, [0, 0], x[1])
    return np.sum(a)


def exp_into_positional_out(x):
    a = x * 2.0
    r = np.exp(x, a)
    return np.sum(a ** 2)


def floors_into_itself(x):
    a = x * 2.0
    np.floor(a, a)
    return np.sum(a * x)


def exp_into_a_fresh_buffer(x):
    b = np.zeros(3)
    y = np.exp(x, out=b)
    return np.sum(b * x)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fn, line, words", [
    (multiplies_into_out, "np.multiply(a, x, out=a)", "`out=`"),
    (assigns_exp_with_out, "b = np.exp(a, out=a)", "`out=`"),
    (keeps_result_of_fill, "r = a.fill(0.5)", "`.fill()`"),
    (copies_into, "np.copyto(a, x * 2.0)", "not used"),
    (sorts_in_place, "a.sort()", "`.sort()`"),
    (adds_at, "np.add.at(a, [0, 0], x[1])", "not used"),
    (exp_into_positional_out, "r = np.exp(x, a)", "output argument"),
    (floors_into_itself, "np.floor(a, a)", "output argument"),
    (exp_into_a_fresh_buffer, "y = np.exp(x, out=b)", "`out=`"),
], ids=["out-statement", "out-assigned", "fill-assigned", "copyto", "sort", "ufunc-at", "out-positional",
        "floor-into-itself", "out-fresh-buffer"])
def test_numpy_calls_that_write_in_place_are_refused(fn, line, words, mode):
    with pytest.raises(SrcdiffError) as info:
        srcdiff.grad(fn, mode=mode)(X.copy())
    msg = str(info.value)
    assert_located(msg, fn, line)
    assert words in msg, msg


def _sets_first(z):
    z[0] = 5.0
    return z


def calls_a_helper_that_writes_its_argument(x):
    a = x * 1.0
    b = _sets_first(a)
    return np.sum(a * x)


BUFFER = np.zeros(3)


def _stores_in_global(v):
    BUFFER[1] = v
    return v


def calls_a_helper_that_writes_a_global(x):
    BUFFER[...] = 0.0
    s = _stores_in_global(x[0] * x[1])
    return np.sum(BUFFER * x) + s


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_helper_writing_into_a_global_is_refused(mode):
    with pytest.raises(NonDifferentiableError) as info:
        srcdiff.grad(calls_a_helper_that_writes_a_global, mode=mode)(X.copy())
    msg = str(info.value)
    assert_located(msg, calls_a_helper_that_writes_a_global, "s = _stores_in_global(x[0] * x[1])")
    assert "`BUFFER`" in msg and "argument" in msg, msg


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_helper_writing_into_its_argument_is_refused(mode):
    with pytest.raises(NonDifferentiableError) as info:
        srcdiff.grad(calls_a_helper_that_writes_its_argument, mode=mode)(X.copy())
    msg = str(info.value)
    assert_located(msg, calls_a_helper_that_writes_its_argument, "b = _sets_first(a)")
    assert "_sets_first writes into its parameter `z`" in msg and "z = z.copy()" in msg, msg


def _passes_on(z):
    return _sets_first(z)


def calls_a_helper_whose_helper_writes(x):
    a = x * 1.0
    b = _passes_on(a)
    return np.sum(a * x) + np.sum(b)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_helper_writing_through_another_helper_is_refused(mode):
    with pytest.raises(NonDifferentiableError) as info:
        srcdiff.grad(calls_a_helper_whose_helper_writes, mode=mode)(X.copy())
    msg = str(info.value)
    assert_located(msg, calls_a_helper_whose_helper_writes, "b = _passes_on(a)")
    assert "_passes_on writes into its parameter `z`" in msg, msg


def writes_through_flip(x):
    a = x * 1.0
    v = np.flip(a)
    v[0] = 5.0
    return np.sum(a * x)


def writes_through_split(x):
    a = x * 1.0
    p, q, r = np.split(a, 3)
    p[0] = 5.0
    return np.sum(a * x)


def writes_through_conj(x):
    a = x * 1.0
    v = a.conj()
    v[0] = 5.0
    return np.sum(a * x)


def writes_through_keyword_squeeze(x):
    a = x * 1.0
    v = np.squeeze(a=a)
    v[0] = 5.0
    return np.sum(a * x)


def writes_base_of_einsum_view(x):
    a = x * 1.0
    v = np.einsum("i->i", a)
    a[2] = 5.0
    return np.sum(v * x)


def writes_base_of_einsum_sublist_view(x):
    a = x * 1.0
    v = np.einsum(a, [0], [0])
    a[2] = 5.0
    return np.sum(v * x)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fn", [writes_through_flip, writes_through_split, writes_through_conj,
                                writes_through_keyword_squeeze, writes_base_of_einsum_view,
                                writes_base_of_einsum_sublist_view],
                         ids=["flip", "split", "conj", "keyword", "einsum", "einsum-sublist"])
def test_views_made_by_numpy_functions_are_tracked(fn, mode):
    with pytest.raises(NonDifferentiableError) as info:
        srcdiff.grad(fn, mode=mode)(X.copy())
    assert "may share memory" in str(info.value) or "may share its memory" in str(info.value), str(info.value)


def returns_an_array_written_in_place(x):
    a = x * 1.0
    b = np.sum(a * a)
    a[2] = b
    return a


def returns_aux_written_in_place(x):
    a = x * 1.0
    b = np.sum(a * a)
    a[2] = b
    return np.sum(a * x), a


PAIR = collections.namedtuple("PAIR", "whole tail")


def returns_namedtuple_aux_written_in_place(x):
    a = x * 2.0
    a[0] = a[1] ** 2
    return np.sum(a ** 2), PAIR(a, a[1:])


def test_values_returned_survive_the_reverse_sweep():
    x0 = np.array([0.3, -0.7, 1.1])
    (_, aux), _ = srcdiff.value_and_grad(returns_namedtuple_aux_written_in_place, has_aux=True)(x0)
    assert type(aux) is PAIR
    np.testing.assert_array_equal(aux.whole, returns_namedtuple_aux_written_in_place(x0)[1].whole)
    x = np.array([0.7, 1.3, 2.1])
    value, pullback = srcdiff.vjp(returns_an_array_written_in_place)(x)
    expected = returns_an_array_written_in_place(x)
    np.testing.assert_allclose(pullback(np.ones(3)), [2 * 0.7 * 1, 2 * 1.3, 2 * 2.1] + np.array([1.0, 1.0, 0.0]))
    np.testing.assert_array_equal(value, expected)
    g, aux = srcdiff.grad(returns_aux_written_in_place, has_aux=True)(x)
    np.testing.assert_array_equal(aux, expected)
    np.testing.assert_allclose(g, [2 * 0.7 + 2 * 0.7 * 2.1, 2 * 1.3 + 2 * 1.3 * 2.1, 0.7 ** 2 + 1.3 ** 2 + 3 * 2.1 ** 2])
