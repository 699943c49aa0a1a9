"""The examples run, quickly, and reach the results they claim."""
import importlib.util
import io
import os
import re
import sys

import numpy as np
import pytest

import srcdiff

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "examples")


def load(name):
    """Import examples/<name>.py as a module (the folder is not a package)."""
    module_name = "srcdiff_example_" + name
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, os.path.join(EXAMPLES, name + ".py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


def hide(monkeypatch, package):
    """Make ``import package`` fail, as on a machine without it."""
    for name in list(sys.modules):
        if name == package or name.startswith(package + "."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, package, None)


# ----------------------------------------------------------------------------- train_mlp

def test_mlp_learns_digits_from_the_bundled_data(capsys):
    mlp = load("train_mlp")
    result = mlp.main(["--small", "--data", "bundled"])
    out = capsys.readouterr().out
    assert result["data_source"].endswith("digits.npz")
    assert result["test_accuracy"] >= 0.90
    assert result["losses"][-1] < result["losses"][0] / 5
    assert out.count("epoch ") == 8 and "[####################]" in out
    assert "gradient checked against finite differences" in out
    assert "test accuracy" in out.splitlines()[-1]
    W, b = result["params"][0]
    assert W.shape == (64, 64) and b.shape == (64,)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_mlp_progress_is_one_line_updated_in_place_on_a_terminal(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    load("train_mlp").main(["--small", "--data", "bundled", "--epochs", "3"])
    out = terminal.getvalue()
    epochs = [line for line in out.split("\n") if "epoch " in line]
    assert len(epochs) == 1 and epochs[0].count("\r") == 3  # three epochs, one line rewritten
    assert epochs[0].rsplit("\r", 1)[1].startswith("\033[Kepoch   3/3 [####################]")


def test_mlp_falls_back_to_the_bundled_data_without_sklearn(capsys, monkeypatch):
    hide(monkeypatch, "sklearn")
    result = load("train_mlp").main(["--small", "--quiet", "--epochs", "3"])
    assert result["data_source"].endswith("digits.npz")
    assert result["test_accuracy"] > 0.8
    with pytest.raises(SystemExit, match="scikit-learn is not installed"):
        load("train_mlp").main(["--small", "--data", "sklearn"])


def test_mlp_with_sklearn_data_matches_the_bundled_copy(capsys):
    pytest.importorskip("sklearn")
    mlp = load("train_mlp")
    X, y, source = mlp.load_digits("sklearn")
    Xb, yb, _ = mlp.load_digits("bundled")
    assert source == "scikit-learn"
    np.testing.assert_array_equal(X, Xb)
    np.testing.assert_array_equal(y, yb)
    result = mlp.main(["--small", "--quiet", "--data", "sklearn"])
    assert result["test_accuracy"] >= 0.90


def test_mlp_sgd_and_relu(capsys):
    result = load("train_mlp").main(["--small", "--quiet", "--optimizer", "sgd", "--activation", "relu",
                                     "--hidden", "32", "32"])
    assert result["test_accuracy"] >= 0.88
    assert [W.shape for W, _ in result["params"]] == [(64, 32), (32, 32), (32, 10)]


def test_mlp_gradient_is_right(capsys):
    mlp = load("train_mlp")
    rng = np.random.default_rng(1)
    params = mlp.init_params([64, 16, 10], rng, "relu")
    X, Y = rng.random((20, 64)), np.eye(10)[rng.integers(0, 10, 20)]
    for activation in ("tanh", "relu"):
        srcdiff.check_grad(mlp.loss, params, X, Y, 1e-3, activation)


def test_mlp_show_backward(capsys):
    result = load("train_mlp").main(["--show-backward"])
    out = capsys.readouterr().out
    assert "def grad_loss(params, X, Y, weight_decay, activation=" in out
    assert "def predict_backward(" in out and "for k in reversed(range(" in out
    assert "epoch" not in out and "def predict_backward(" in result["source"]


# ----------------------------------------------------------------------------- vanishing_gradients

def test_vanishing_gradients(capsys, tmp_path):
    vg = load("vanishing_gradients")
    png = tmp_path / "plot.png"
    result = vg.main(["--small", "--output", str(png)])
    out = capsys.readouterr().out
    init = result["init_norms"]
    # Sigmoid layers: the gradient shrinks layer after layer on the way back to the input.
    sigmoid = init["sigmoid/Xavier"]
    assert sigmoid[0] < 1e-3 * sigmoid[-1]
    assert all(a < b for a, b in zip(sigmoid, sigmoid[1:]))
    # ReLU with He initialisation: every layer gets a gradient of the same order.
    he = init["ReLU/He"]
    assert 0.1 < he[0] / he[-1] < 10
    # Layer norm slows the sigmoid's decay.
    assert init["sigmoid/Xavier+LN"][0] / init["sigmoid/Xavier+LN"][-1] > 100 * sigmoid[0] / sigmoid[-1]
    losses = result["losses"]
    assert losses["ReLU/He"][-1] < 0.7 * losses["ReLU/He"][0]
    assert losses["ReLU/He"][-1] < losses["sigmoid/Xavier"][-1]
    assert "gradient norm ||dL/dW|| of each layer at initialisation" in out
    assert len(re.findall(r"^ +10 +\d", out, re.M)) == 2  # 10 layers in each of the 2 tables
    if result["plot"] is not None:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10000
    else:
        assert "matplotlib is not installed" in out


def test_vanishing_gradients_without_matplotlib(capsys, monkeypatch, tmp_path):
    hide(monkeypatch, "matplotlib")
    result = load("vanishing_gradients").main(["--small", "--steps", "2", "--depth", "3",
                                               "--output", str(tmp_path / "p.png")])
    assert result["plot"] is None and not (tmp_path / "p.png").exists()
    assert "matplotlib is not installed: no plot" in capsys.readouterr().out


def test_vanishing_gradients_layer_norm_gradient(capsys):
    vg = load("vanishing_gradients")
    rng = np.random.default_rng(3)
    layers = vg.init_layers([4, 5, 5, 1], "he", rng)
    for layer in layers:
        layer["gain"] = layer["gain"] + rng.random(layer["gain"].shape)
        layer["shift"] = rng.random(layer["shift"].shape)
    X, y = rng.standard_normal((6, 4)), rng.standard_normal(6)
    srcdiff.check_grad(vg.loss, layers[:2] + [layers[-1]], X, y, "sigmoid", True)


# ----------------------------------------------------------------------------- scipy_optimize

def test_scipy_optimize(capsys):
    pytest.importorskip("scipy")
    result = load("scipy_optimize").main(["--small"])
    out = capsys.readouterr().out
    for problem in ("rosenbrock", "poisson"):
        exact, _ = result[problem]["srcdiff.grad"]
        numeric, _ = result[problem]["finite differences"]
        assert exact.nfev * 3 < numeric.nfev, problem
    rosen, _ = result["rosenbrock"]["srcdiff.grad"]
    assert np.allclose(rosen.x, 1.0, atol=1e-5)
    hand, _ = result["rosenbrock"]["scipy.optimize.rosen_der"]
    assert np.allclose(hand.x, rosen.x, atol=1e-5)
    poisson, _ = result["poisson"]["srcdiff.grad"]
    assert np.allclose(poisson.x, result["poisson_best"].x, atol=1e-5)
    assert "f evals" in out and "Poisson regression" in out


# ----------------------------------------------------------------------------- physics_loop

def test_physics_loop_hits_the_target(capsys):
    physics = load("physics_loop")
    result = physics.main(["--small"])
    out = capsys.readouterr().out
    angle, distance, miss = result["history"][-1]
    assert abs(distance - 40.0) < 0.01
    assert result["history"][0][2] > 1e3 * miss
    assert 40 < angle < 60
    backward = result["backward_source"]
    assert backward.startswith("def landing_distance_backward(")
    assert "for _ in range(count):" in backward and "tape.pop()" in backward
    assert backward in out and result["tape_entries"] > 100


def test_physics_loop_gradient_through_the_while_loop():
    physics = load("physics_loop")
    srcdiff.check_grad(physics.landing_distance, 0.8, 20.0, 0.05, 0.01, wrt=("angle", "speed", "drag"))


# ----------------------------------------------------------------------------- second_order

def test_newton_converges_quadratically(capsys):
    result = load("second_order").main(["--small"])
    out = capsys.readouterr().out
    errors = result["errors"]
    assert result["gradient_norm"] < 1e-12
    assert len(errors) <= 12
    # Once close, each error is at most a constant times the square of the previous one ...
    close = [(a, b) for a, b in zip(errors, errors[1:]) if 1e-12 < b and a < 1.0]
    assert len(close) >= 3
    assert all(b <= 1.0 * a * a for a, b in close)
    # ... so it falls far faster than linearly: from 1e-2 to rounding level in at most 3 steps.
    first_small = next(i for i, e in enumerate(errors) if e < 1e-2)
    assert errors[min(first_small + 3, len(errors) - 1)] < 1e-10
    assert "differs from the hand-derived one by" in out
    difference = float(out.split("hand-derived one by ")[1].split()[0])
    assert difference < 1e-12


# ----------------------------------------------------------------------------- logistic_regression

def test_logistic_regression(capsys):
    first, last, accuracy = load("logistic_regression").main(["--quiet", "--steps", "100"])
    assert last < 0.5 * first and accuracy > 0.9
