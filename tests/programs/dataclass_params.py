"""Models whose parameters are dataclasses and NamedTuples."""
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from tests.programs.harness import Case


@dataclass
class LinearGaussianParams:
    W: np.ndarray
    b: np.ndarray
    log_sigma: float


def linear_gaussian_nll(params: LinearGaussianParams, X, y):
    mu = X @ params.W + params.b
    sigma2 = np.exp(2 * params.log_sigma)
    n = len(y)
    return 0.5 * np.sum((y - mu) ** 2) / sigma2 + n * params.log_sigma + 0.5 * n * np.log(2 * np.pi)


class Layer(NamedTuple):
    W: np.ndarray
    b: np.ndarray


class MLPParams(NamedTuple):
    hidden: Layer
    out: Layer


def mlp_mse(params: MLPParams, X, Y):
    h = np.tanh(X @ params.hidden.W + params.hidden.b)
    W, b = params.out
    return np.mean((h @ W + b - Y) ** 2)


@dataclass(frozen=True)
class KernelHyper:
    log_length: float
    log_scale: float


@dataclass
class GPModel:
    hyper: KernelHyper
    log_noise: float


def gp_nll(model: GPModel, x, y):
    ell, s2 = np.exp(model.hyper.log_length), np.exp(2 * model.hyper.log_scale)
    K = s2 * np.exp(-0.5 * (x[:, None] - x[None, :]) ** 2 / ell ** 2) + np.exp(model.log_noise) * np.eye(len(x))
    L = np.linalg.cholesky(K)
    a = np.linalg.solve(K, y)
    return 0.5 * y @ a + np.sum(np.log(np.diag(L)))


def _linear_args():
    rng = np.random.default_rng(29)
    X = rng.standard_normal((6, 3))
    return LinearGaussianParams(rng.standard_normal(3), np.array([0.1]), -0.2), X, rng.standard_normal(6)


def _mlp_args():
    rng = np.random.default_rng(30)
    params = MLPParams(Layer(0.5 * rng.standard_normal((2, 4)), np.zeros(4)),
                       Layer(0.5 * rng.standard_normal((4, 1)), np.zeros(1)))
    return params, rng.standard_normal((5, 2)), rng.standard_normal((5, 1))


def _gp_args():
    rng = np.random.default_rng(31)
    x = np.linspace(-1, 1, 5)
    return GPModel(KernelHyper(-0.3, 0.2), -1.5), x, np.sin(2 * x) + 0.1 * rng.standard_normal(5)


CASES = [
    Case("dataclass_linear_gaussian", linear_gaussian_nll, _linear_args, wrt=0,
         notes="@dataclass with array and float fields, read as params.W"),
    Case("namedtuple_mlp", mlp_mse, _mlp_args, wrt=0,
         notes="nested NamedTuples; attribute reads and tuple unpacking"),
    Case("nested_frozen_dataclass_gp", gp_nll, _gp_args, wrt=0,
         notes="a frozen dataclass inside a dataclass"),
]
