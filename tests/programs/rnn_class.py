"""A class-based Elman RNN regression model (hyperparameters and weights kept on the object)."""
import numpy as np

from tests.programs.harness import Case


class RNN:
    def __init__(self, n_in, n_hidden, n_out, seed=0):
        rng = np.random.default_rng(seed)
        self.n_hidden = n_hidden
        self.Wx = 0.4 * rng.standard_normal((n_in, n_hidden))
        self.Wh = 0.4 * rng.standard_normal((n_hidden, n_hidden))
        self.Wy = 0.4 * rng.standard_normal((n_hidden, n_out))
        self.bh = np.zeros(n_hidden)
        self.l2 = 1e-3

    def step(self, h, x):
        return np.tanh(x @ self.Wx + h @ self.Wh + self.bh)

    def predict(self, xs):
        h = np.zeros((xs.shape[1], self.n_hidden))
        for x in xs:
            h = self.step(h, x)
        return h @ self.Wy

    def penalty(self):
        return self.l2 * (np.sum(self.Wx ** 2) + np.sum(self.Wh ** 2) + np.sum(self.Wy ** 2))

    def loss(self, xs, ys):
        err = self.predict(xs) - ys
        return 0.5 * np.mean(err ** 2) + self.penalty()


class FunctionalRNN:
    """Same model, parameters passed explicitly; the object only holds sizes."""

    def __init__(self, n_hidden, act=np.tanh):
        self.n_hidden = n_hidden
        self.act = act

    def predict(self, params, xs):
        Wx, Wh, Wy = params["Wx"], params["Wh"], params["Wy"]
        h = np.zeros((xs.shape[1], self.n_hidden))
        for t in range(xs.shape[0]):
            h = self.act(xs[t] @ Wx + h @ Wh)
        return h @ Wy

    def loss(self, params, xs, ys):
        return np.mean((self.predict(params, xs) - ys) ** 2)


def _data():
    rng = np.random.default_rng(5)
    return rng.standard_normal((4, 3, 2)), rng.standard_normal((3, 1))


def _model_args():
    xs, ys = _data()
    return RNN(2, 3, 1), xs, ys


functional = FunctionalRNN(3)


def _functional_args():
    xs, ys = _data()
    m = RNN(2, 3, 1, seed=1)
    return {"Wx": m.Wx, "Wh": m.Wh, "Wy": m.Wy}, xs, ys


CASES = [
    Case("rnn_unbound_method_wrt_self", RNN.loss, _model_args, wrt="self",
         notes="grad(RNN.loss, wrt='self'): methods reading self attributes and calling self.predict"),
    Case("rnn_bound_method_params", functional.loss, _functional_args, wrt=0,
         notes="grad(model.loss) on a bound method; the activation is a self attribute"),
]
