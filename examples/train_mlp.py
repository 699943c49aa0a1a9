"""Train a multilayer perceptron on handwritten digits, backpropagating with srcdiff.

The network is plain NumPy: a list of (W, b) layers, tanh (or ReLU) hidden units and a softmax
cross-entropy loss. ``srcdiff.value_and_grad(loss)`` turns ``loss`` into a function returning the
loss and its gradient with respect to every weight, shaped like the parameters (a list of
(dW, db) tuples). That gradient drives mini-batch SGD with momentum or Adam.

The data are the 8x8 handwritten digits (1797 images, 10 classes) that ship with scikit-learn;
without scikit-learn the same images are read from ``examples/data/digits.npz``.

Run:  python examples/train_mlp.py                     (64 -> 64 -> 10, tanh, Adam)
      python examples/train_mlp.py --optimizer sgd --activation relu --hidden 128 64
      python examples/train_mlp.py --show-backward      (print the generated backward pass)
"""
import argparse
import os
import sys
import time

import numpy as np

import srcdiff

DATA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "digits.npz")


# ----------------------------------------------------------------------------- the model

def predict(params, X, activation="tanh"):
    """Class scores (logits) of the batch ``X`` under the network ``params``."""
    h = X
    for W, b in params[:-1]:
        z = h @ W + b
        if activation == "relu":
            h = np.maximum(z, 0.0)
        else:
            h = np.tanh(z)
    W, b = params[-1]
    return h @ W + b


def loss(params, X, Y, weight_decay, activation="tanh"):
    """Mean softmax cross-entropy of one-hot labels ``Y``, plus an L2 penalty on the weights."""
    logits = predict(params, X, activation)
    z = logits - np.max(logits, axis=1, keepdims=True)  # for numerical stability
    log_probs = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    penalty = 0.0
    for W, b in params:
        penalty = penalty + np.sum(W * W)
    return -np.mean(np.sum(Y * log_probs, axis=1)) + 0.5 * weight_decay * penalty


def init_params(sizes, rng, activation):
    """Glorot (tanh) or He (ReLU) initialisation: a list of (W, b) tuples."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        scale = np.sqrt(2.0 / fan_in) if activation == "relu" else np.sqrt(1.0 / fan_in)
        params.append((rng.standard_normal((fan_in, fan_out)) * scale, np.zeros(fan_out)))
    return params


# ----------------------------------------------------------------------------- optimizers
# Parameters and gradients are lists of (W, b) tuples; the optimizers update them leaf by leaf.

class SGD:
    """Stochastic gradient descent with (heavy-ball) momentum."""

    def __init__(self, params, lr, momentum=0.9):
        self.lr, self.momentum = lr, momentum
        self.velocity = [tuple(np.zeros_like(p) for p in layer) for layer in params]

    def step(self, params, grads):
        new_params, new_velocity = [], []
        for layer, dlayer, vlayer in zip(params, grads, self.velocity):
            v = tuple(self.momentum * v - self.lr * g for v, g in zip(vlayer, dlayer))
            new_params.append(tuple(p + dv for p, dv in zip(layer, v)))
            new_velocity.append(v)
        self.velocity = new_velocity
        return new_params


class Adam:
    """Adam (Kingma and Ba, 2015)."""

    def __init__(self, params, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = [tuple(np.zeros_like(p) for p in layer) for layer in params]
        self.v = [tuple(np.zeros_like(p) for p in layer) for layer in params]
        self.t = 0

    def step(self, params, grads):
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        correction = np.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t)
        new_params, new_m, new_v = [], [], []
        for layer, dlayer, mlayer, vlayer in zip(params, grads, self.m, self.v):
            m = tuple(b1 * m + (1 - b1) * g for m, g in zip(mlayer, dlayer))
            v = tuple(b2 * v + (1 - b2) * g * g for v, g in zip(vlayer, dlayer))
            new_params.append(tuple(p - self.lr * correction * mi / (np.sqrt(vi) + self.eps)
                                    for p, mi, vi in zip(layer, m, v)))
            new_m.append(m)
            new_v.append(v)
        self.m, self.v = new_m, new_v
        return new_params


# ----------------------------------------------------------------------------- data

def load_digits(source="auto"):
    """(images scaled to [0, 1] as float64 of shape (1797, 64), integer labels, where from)."""
    if source in ("auto", "sklearn"):
        try:
            from sklearn.datasets import load_digits as sklearn_digits
        except ImportError:
            if source == "sklearn":
                raise SystemExit("--data sklearn: scikit-learn is not installed (pip install scikit-learn)")
        else:
            digits = sklearn_digits()
            return digits.data / 16.0, digits.target.astype(int), "scikit-learn"
    with np.load(DATA_FILE) as data:
        return data["images"] / 16.0, data["target"].astype(int), os.path.relpath(DATA_FILE)


def split(X, y, test_fraction, rng):
    """A random train/test split that keeps the share of every class."""
    train, test = [], []
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        n_test = int(round(test_fraction * len(idx)))
        test.extend(idx[:n_test])
        train.extend(idx[n_test:])
    train, test = rng.permutation(train), rng.permutation(test)
    return X[train], y[train], X[test], y[test]


def accuracy(params, X, y, activation):
    return float(np.mean(np.argmax(predict(params, X, activation), axis=1) == y))


def progress_bar(done, total, width=20):
    filled = int(round(width * done / total))
    return "[" + "#" * filled + "." * (width - filled) + "]"


def progress_printer(stream):
    """print(line, last): on a terminal, one line rewritten in place (ended when last); else a line each."""
    if not stream.isatty():
        return lambda line, last: print(line, file=stream, flush=True)

    def rewrite(line, last):
        print("\r\033[K" + line, end="\n" if last else "", file=stream, flush=True)
    return rewrite


# ----------------------------------------------------------------------------- training

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden", type=int, nargs="+", default=[64], metavar="N",
                        help="hidden layer sizes (default: 64)")
    parser.add_argument("--activation", choices=["tanh", "relu"], default="tanh")
    parser.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    parser.add_argument("--lr", type=float, default=None,
                        help="learning rate (default: 0.002 for Adam, 0.05 for SGD with momentum 0.9)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", choices=["auto", "sklearn", "bundled"], default="auto",
                        help="where the digits come from: scikit-learn, the copy in examples/data, or "
                             "auto (scikit-learn when installed; default)")
    parser.add_argument("--small", action="store_true", help="a quick run for tests: 8 epochs")
    parser.add_argument("--show-backward", action="store_true",
                        help="print the backward pass srcdiff generated for the loss, then exit")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    args = parser.parse_args(argv)
    if args.small:
        args.epochs = min(args.epochs, 8)
    lr = args.lr if args.lr is not None else (0.002 if args.optimizer == "adam" else 0.05)
    activation = args.activation
    say = (lambda *a: None) if args.quiet else print
    report_epoch = (lambda line, last: None) if args.quiet else progress_printer(sys.stdout)

    rng = np.random.default_rng(args.seed)
    X, y, source = load_digits(args.data)
    X_train, y_train, X_test, y_test = split(X, y, args.test_fraction, rng)
    Y_train = np.eye(10)[y_train]  # one-hot labels
    sizes = [X.shape[1]] + list(args.hidden) + [10]
    params = init_params(sizes, rng, args.activation)

    # The gradient with respect to argument 0 (params): a list of (dW, db) tuples.
    loss_and_grad = srcdiff.value_and_grad(loss)

    if args.show_backward:
        batch = (params, X_train[:args.batch_size], Y_train[:args.batch_size], args.weight_decay, activation)
        source = loss_and_grad.source_for(*batch)  # generate the code for these argument types
        print("# srcdiff.value_and_grad(loss): the loss, then the chain rule backwards\n")
        srcdiff.show(loss_and_grad)
        predict_vjp = srcdiff.vjp(predict)
        source += predict_vjp.source_for(params, X_train[:args.batch_size], activation)
        print("\n# predict_forward and predict_backward, which the code above calls\n")
        srcdiff.show(predict_vjp)
        return {"source": source}

    optimizer = (Adam if args.optimizer == "adam" else SGD)(params, lr)
    say("digits from %s: %d training and %d test images of 8x8 pixels" % (source, len(y_train), len(y_test)))
    say("network %s, %s, %s (lr %g), batch %d, %d epochs" % (
        " -> ".join(map(str, sizes)), args.activation, args.optimizer, lr, args.batch_size, args.epochs))
    # Before trusting the gradient, compare it with finite differences on one batch.
    report = srcdiff.check_grad(loss, params, X_train[:64], Y_train[:64], args.weight_decay, activation)
    say("gradient checked against finite differences: worst relative error %.1e\n" % report.max_rel_error)

    start = time.perf_counter()
    history = []
    n = len(y_train)
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(n)
        total = 0.0
        for first in range(0, n, args.batch_size):
            idx = order[first:first + args.batch_size]
            value, grads = loss_and_grad(params, X_train[idx], Y_train[idx], args.weight_decay, activation)
            params = optimizer.step(params, grads)
            total += value * len(idx)
        train_loss = total / n
        train_acc = accuracy(params, X_train, y_train, activation)
        history.append((train_loss, train_acc))
        report_epoch("epoch %3d/%d %s loss %.4f  train accuracy %5.1f%%  (%.1f s)" % (
            epoch, args.epochs, progress_bar(epoch, args.epochs), train_loss, 100 * train_acc,
            time.perf_counter() - start), epoch == args.epochs)
    seconds = time.perf_counter() - start
    test_acc = accuracy(params, X_test, y_test, activation)
    print("test accuracy %.2f%% on %d held-out images (training took %.1f s)" % (
        100 * test_acc, len(y_test), seconds))
    return {"test_accuracy": test_acc, "train_accuracy": history[-1][1], "losses": [h[0] for h in history],
            "seconds": seconds, "params": params, "data_source": source}


if __name__ == "__main__":
    main()
