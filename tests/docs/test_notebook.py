"""The tutorial notebook (docs/tutorial.ipynb) runs in a real Jupyter kernel and shows what it says.

Functions defined in notebook cells get their source from IPython's cell cache, so this is also
the test that srcdiff can read and transform them (callees in other cells included), that a
transformed function displays its generated source as HTML, and that ``srcdiff.show`` writes no
terminal colour codes into a notebook.
"""
import os
import re

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTEBOOK = os.path.join(ROOT, "docs", "tutorial.ipynb")


@pytest.fixture(scope="module")
def executed():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # One more cell: which srcdiff the kernel imported, and whether its stdout claims a terminal.
    nb.cells.append(nbformat.v4.new_code_cell("import sys\nprint(srcdiff.__file__, sys.stdout.isatty())"))
    # The kernel starts in the repository's root, so it imports this checkout's srcdiff.
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": ROOT}}).execute()
    return nb


def outputs(nb, snippet):
    """The outputs of the one code cell whose source contains ``snippet``."""
    cells = [c for c in nb.cells if c.cell_type == "code" and snippet in c.source]
    assert len(cells) == 1, snippet
    return cells[0].outputs


def text(nb, snippet):
    return "".join(o.get("text", "") for o in outputs(nb, snippet) if o.output_type == "stream")


def test_the_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


def test_the_kernel_runs_this_checkout_and_is_no_terminal(executed):
    srcdiff_file, isatty = text(executed, "print(srcdiff.__file__, sys.stdout.isatty())").split()
    assert os.path.dirname(os.path.dirname(srcdiff_file)) == ROOT
    assert isatty == "False"


def test_no_output_holds_terminal_colour_codes(executed):
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            assert "\x1b[" not in str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))


def test_the_chain_rule_by_hand_matches_the_generated_gradient(executed):
    generated = [float(v) for v in text(executed, "print(dw, db)").split()]
    by_hand = [float(v) for v in text(executed, "print(d_z * x, d_z)").split()]
    assert generated == pytest.approx(by_hand, rel=1e-12)
    forward = text(executed, "srcdiff.jvp(neuron_loss").split("==")
    assert float(forward[0]) == pytest.approx(generated[0], rel=1e-12)


def test_a_transformed_function_displays_its_highlighted_source(executed):
    (cell,) = [c for c in executed.cells if c.cell_type == "code" and c.source.strip() == "grad_neuron"]
    (display,) = [o for o in cell.outputs if o.output_type == "execute_result"]
    html = display.data["text/html"]
    assert "<pre" in html and "grad_neuron_loss" in html and "<span style=" in html
    assert "d_z = d_t2 * (1.0 - a * a)" in html.replace("<span style=\"color:#0184bc\">", "").replace("</span>", "")
    assert display.data["text/plain"] == "<srcdiff grad of neuron_loss wrt w, b>"


def test_sweeps_and_tape(executed):
    stages = text(executed, "grad_neuron.stages(")
    assert "# ---- forward sweep" in stages and "d_z = d_t2 * (1.0 - a * a)" in stages
    sweeps = text(executed, "neuron_vjp.sources(")
    assert "def neuron_loss_forward(w, b, x, y):" in sweeps and "return (t3, (t2, a, x))" in sweeps
    loop = text(executed, "grad_decay = srcdiff.grad(decay)")
    assert "tape entries: 200" in loop and "def grad_decay(k, x0, steps):" in loop and "tape.pop()" in loop


def test_mini_batch_gradient_descent_learns(executed):
    assert text(executed, "print(srcdiff.check_grad(bce_loss").startswith("check_grad: 65 comparisons")
    log = text(executed, "for epoch in range(1, 31):")
    losses = [float(v) for v in re.findall(r"training loss ([\d.]+)", log)]
    accuracy = [float(v) for v in re.findall(r"test accuracy ([\d.]+)%", log)]
    assert len(losses) == 6 and losses[-1] < 0.5 * losses[0] and accuracy[-1] >= 90.0
    assert "def predict_backward(residuals" in text(executed, "value_and_grad.sources(")


def test_vanishing_and_exploding_gradients(executed):
    table = text(executed, "deep_grad = srcdiff.grad(deep_loss)")
    ratio = {label.strip(): float(v) for label, v in re.findall(r"^(.+?) layer 1 / layer 20 = (\S+)$", table, re.M)}
    assert ratio["sigmoid"] < 1e-8  # vanishing
    assert 0.1 < ratio["ReLU/He"] < 10  # every layer gets a gradient of the same size
    assert ratio["tanh, large weights"] > 10  # exploding
    assert len(re.findall(r"^ +\d+ +\S+ +\S+ +\S+$", table, re.M)) == 20
    plot = outputs(executed, "ax.semilogy(")
    assert any("image/png" in o.get("data", {}) for o in plot) or "matplotlib is not installed" in \
        text(executed, "ax.semilogy(")
    trained = re.findall(r"loss ([\d.]+) -> ([\d.]+)", text(executed, "def clip(grads, max_norm):"))
    assert len(trained) == 3 and all(float(after) < float(before) for before, after in trained)
