"""Vanishing gradients in a deep network, measured layer by layer with srcdiff.

A stack of 20 fully connected layers is trained on a small regression problem with plain
gradient descent, in five variants: sigmoid or ReLU units, Xavier (Glorot) or He initialisation,
with or without layer normalisation (written in NumPy below). srcdiff's gradient of the loss
with respect to the whole network -- a list of dicts of arrays -- gives the gradient norm of
every layer's weights, at initialisation and after a short training.

Expect: the sigmoid's slope is at most 1/4, so its gradient shrinks by a constant factor per
layer and the first layers receive almost nothing (layer norm, LN, slows the decay but does not
stop it). ReLU passes gradients through unchanged where a unit is on: with He initialisation
(which makes up for the half of the units that are off) every layer gets a gradient of the same
size; with Xavier's smaller weights the signal shrinks on the way forward and back, so every
layer's gradient is equally tiny. Only the networks with usable gradients everywhere learn.

Run:  python examples/vanishing_gradients.py            (writes vanishing_gradients.png)
      python examples/vanishing_gradients.py --depth 30 --steps 400 --output deep.png
"""
import argparse
import time

import numpy as np

import srcdiff


# ----------------------------------------------------------------------------- the network

def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def layer_norm(z, gain, shift):
    """Normalise every row of ``z`` to mean 0 and variance 1, then scale and shift it."""
    mean = np.mean(z, axis=1, keepdims=True)
    var = np.mean((z - mean) ** 2, axis=1, keepdims=True)
    return (z - mean) / np.sqrt(var + 1e-5) * gain + shift


def forward(layers, X, activation, normalize):
    h = X
    for layer in layers[:-1]:
        z = h @ layer["W"] + layer["b"]
        if normalize:
            z = layer_norm(z, layer["gain"], layer["shift"])
        if activation == "sigmoid":
            h = sigmoid(z)
        else:
            h = np.maximum(z, 0.0)
    last = layers[-1]
    return h @ last["W"] + last["b"]


def loss(layers, X, y, activation, normalize):
    """Mean squared error of the network's single output."""
    residual = forward(layers, X, activation, normalize)[:, 0] - y
    return np.mean(residual * residual)


def init_layers(sizes, init, rng):
    """A list of dicts: weights drawn with the ``init`` scheme, zero biases, unit gains."""
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        if init == "xavier":
            std = np.sqrt(2.0 / (fan_in + fan_out))
        else:  # "he"
            std = np.sqrt(2.0 / fan_in)
        layers.append({"W": rng.standard_normal((fan_in, fan_out)) * std, "b": np.zeros(fan_out),
                       "gain": np.ones(fan_out), "shift": np.zeros(fan_out)})
    return layers


CONFIGS = [  # (label, activation, initialisation, layer norm: LN)
    ("sigmoid/Xavier", "sigmoid", "xavier", False),
    ("sigmoid/Xavier+LN", "sigmoid", "xavier", True),
    ("ReLU/Xavier", "relu", "xavier", False),
    ("ReLU/He", "relu", "he", False),
    ("ReLU/He+LN", "relu", "he", True),
]


def make_data(n, d, rng):
    """Inputs from a standard normal, targets a smooth function of one direction."""
    X = rng.standard_normal((n, d))
    direction = rng.standard_normal(d) / np.sqrt(d)
    return X, np.sin(2.0 * X @ direction)


def weight_gradient_norms(grads):
    """The Frobenius norm of the gradient of every hidden layer's weight matrix."""
    return [float(np.linalg.norm(g["W"])) for g in grads[:-1]]


def train(config, X, y, sizes, steps, lr, seed):
    """Gradient descent; returns (norms at init, norms after training, loss per step)."""
    label, activation, init, normalize = config
    layers = init_layers(sizes, init, np.random.default_rng(seed))
    loss_and_grad = srcdiff.value_and_grad(loss)  # gradient w.r.t. layers: a list of dicts
    losses = []
    first_norms = None
    with np.errstate(over="ignore", under="ignore"):
        for step in range(steps + 1):
            value, grads = loss_and_grad(layers, X, y, activation, normalize)
            losses.append(float(value))
            if first_norms is None:
                first_norms = weight_gradient_norms(grads)
            if step < steps:
                layers = [{k: layer[k] - lr * g[k] for k in layer} for layer, g in zip(layers, grads)]
    return first_norms, weight_gradient_norms(grads), losses


def print_table(title, labels, columns):
    print(title)
    width = max(10, max(len(s) for s in labels) + 2)
    print("layer " + "".join(s.rjust(width) for s in labels))
    for i in range(len(columns[0])):
        print("%5d " % (i + 1) + "".join(("%.2e" % col[i]).rjust(width) for col in columns))
    print()


def plot(path, labels, init_norms, final_norms, losses, steps):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (pip install matplotlib)")
        return None
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    for label, first, last, curve in zip(labels, init_norms, final_norms, losses):
        layers = np.arange(1, len(first) + 1)
        line, = axes[0].semilogy(layers, first, marker="o", markersize=3, label=label)
        axes[1].semilogy(layers, last, marker="o", markersize=3, color=line.get_color())
        axes[2].semilogy(curve, color=line.get_color())
    axes[0].set_title("gradient norm at initialisation")
    axes[1].set_title("gradient norm after %d steps" % steps)
    for ax in axes[:2]:
        ax.set_xlabel("layer (1 = next to the input)")
        ax.set_ylabel("||dL/dW||")
        ax.xaxis.get_major_locator().set_params(integer=True)
    axes[2].set_title("training loss")
    axes[2].set_xlabel("gradient descent step")
    axes[2].set_ylabel("mean squared error")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print("plot written to %s" % path)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--depth", type=int, default=20, help="hidden layers (default 20)")
    parser.add_argument("--width", type=int, default=32, help="units per hidden layer (default 32)")
    parser.add_argument("--samples", type=int, default=128)
    parser.add_argument("--steps", type=int, default=200, help="gradient descent steps (default 200)")
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default="vanishing_gradients.png", help="where to save the plot")
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument("--small", action="store_true", help="a quick run for tests: 10 layers, 40 steps")
    args = parser.parse_args(argv)
    if args.small:
        args.depth, args.steps = min(args.depth, 10), min(args.steps, 40)

    rng = np.random.default_rng(args.seed)
    X, y = make_data(args.samples, 16, rng)
    sizes = [X.shape[1]] + [args.width] * args.depth + [1]
    print("%d hidden layers of %d units, %d samples, %d steps of gradient descent (lr %g)\n" % (
        args.depth, args.width, args.samples, args.steps, args.lr))

    labels = [c[0] for c in CONFIGS]
    results = {}
    start = time.perf_counter()
    for config in CONFIGS:
        results[config[0]] = train(config, X, y, sizes, args.steps, args.lr, args.seed + 1)
    seconds = time.perf_counter() - start

    init_norms = [results[k][0] for k in labels]
    final_norms = [results[k][1] for k in labels]
    losses = [results[k][2] for k in labels]
    print_table("gradient norm ||dL/dW|| of each layer at initialisation:", labels, init_norms)
    print_table("after %d steps:" % args.steps, labels, final_norms)
    print("%-18s %18s %22s" % ("", "layer 1 / layer %d" % args.depth, "training loss"))
    for label, first, curve in zip(labels, init_norms, losses):
        print("%-18s %18.1e %12.3f -> %.3f" % (label, first[0] / first[-1], curve[0], curve[-1]))
    print("\n(%d gradients in %.1f s)" % (len(CONFIGS) * (args.steps + 1), seconds))

    path = None if args.no_plot else plot(args.output, labels, init_norms, final_norms, losses, args.steps)
    return {"labels": labels, "init_norms": dict(zip(labels, init_norms)),
            "final_norms": dict(zip(labels, final_norms)), "losses": dict(zip(labels, losses)), "plot": path}


if __name__ == "__main__":
    main()
