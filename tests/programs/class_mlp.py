"""Class-based models: an MLP whose layers are a list of (W, b) on the object, and a logistic
regression inheriting its prediction from a base class."""
import numpy as np

from tests.programs.harness import Case


class MLP:
    def __init__(self, sizes, l2=1e-3, seed=0):
        rng = np.random.default_rng(seed)
        self.layers = [(rng.standard_normal((m, n)) / np.sqrt(m), np.zeros(n)) for m, n in zip(sizes[:-1], sizes[1:])]
        self.l2 = l2
        self.activation = np.tanh
        self.name = "mlp"

    def forward(self, X):
        h = X
        for W, b in self.layers[:-1]:
            h = self.activation(h @ W + b)
        W, b = self.layers[-1]
        return h @ W + b

    def log_softmax(self, z):
        z = z - np.max(z, axis=1, keepdims=True)
        return z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))

    def prior(self):
        return self.l2 * sum(np.sum(W ** 2) for W, _ in self.layers)

    def loss(self, X, Y):
        return -np.mean(np.sum(Y * self.log_softmax(self.forward(X)), axis=1)) + self.prior()


class LinearModel:
    def __init__(self, n_features, seed=1):
        rng = np.random.default_rng(seed)
        self.w = 0.3 * rng.standard_normal(n_features)
        self.b = 0.1

    def decision(self, X):
        return X @ self.w + self.b


class LogisticRegression(LinearModel):
    def __init__(self, n_features, C=10.0):
        super().__init__(n_features)
        self.C = C

    def predict_proba(self, X):
        return 1.0 / (1.0 + np.exp(-self.decision(X)))

    def loss(self, X, y):
        p = self.predict_proba(X)
        nll = -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))
        return nll + 0.5 / self.C * np.sum(self.w ** 2)


def _mlp_args():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((6, 3))
    Y = np.eye(2)[rng.integers(0, 2, 6)]
    return MLP([3, 4, 2]), X, Y


def _logreg_args():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((8, 3))
    return LogisticRegression(3), X, (rng.random(8) < 0.5).astype(float)


CASES = [
    Case("mlp_class_self_layers", MLP.loss, _mlp_args, wrt="self",
         notes="self.layers a list of (W, b); self.activation a function; methods calling methods"),
    Case("logreg_inherited_decision", LogisticRegression.loss, _logreg_args, wrt="self",
         notes="self.decision inherited from a base class; float attributes C and b"),
]
