"""A model object with a predict method, called from a plain loss function (a Gaussian process
mean with an RBF feature map, and a Poisson regression), differentiated with respect to the model."""
import numpy as np

from tests.programs.harness import Case


class RBFRegressor:
    def __init__(self, centers, seed=0):
        rng = np.random.default_rng(seed)
        self.centers = centers
        self.log_width = np.log(0.7)
        self.weights = 0.5 * rng.standard_normal(len(centers))
        self.n_centers = len(centers)

    def features(self, x):
        width = np.exp(self.log_width)
        return np.exp(-0.5 * (x[:, None] - self.centers[None, :]) ** 2 / width ** 2)

    def predict(self, x):
        return self.features(x) @ self.weights / self.n_centers


def squared_error(model, x, y, lam=1e-2):
    r = model.predict(x) - y
    return 0.5 * np.sum(r ** 2) + lam * np.sum(model.weights ** 2)


class PoissonGLM:
    def __init__(self, n_features):
        self.coef = np.linspace(-0.2, 0.3, n_features)
        self.intercept = 0.1

    def rate(self, X):
        return np.exp(X @ self.coef + self.intercept)


def poisson_nll(glm, X, counts):
    lam = glm.rate(X)
    return np.sum(lam - counts * np.log(lam))


def _rbf_args():
    rng = np.random.default_rng(8)
    x = np.linspace(-2, 2, 7)
    return RBFRegressor(np.linspace(-2, 2, 4)), x, np.sin(x) + 0.05 * rng.standard_normal(7)


def _glm_args():
    rng = np.random.default_rng(9)
    X = 0.5 * rng.standard_normal((10, 3))
    return PoissonGLM(3), X, rng.poisson(1.5, 10).astype(float)


CASES = [
    Case("rbf_model_predict_in_loss", squared_error, _rbf_args, wrt="model",
         notes="model.predict(x) calling self.features(x) from a plain loss; an int attribute"),
    Case("poisson_glm_method", poisson_nll, _glm_args, wrt=0,
         notes="glm.rate(X) reading self.coef and self.intercept (a float)"),
]
