"""The autograd MNIST network: a list of (W, b) layers, 784-200-100-10, log-softmax by logsumexp."""
import numpy as np
import numpy.random as npr
from scipy.special import logsumexp

from tests.programs.harness import Case


def init_random_params(scale, layer_sizes, rs=npr.RandomState(0)):
    """Build a list of (weights, biases) tuples,
       one for each layer in the net."""
    return [(scale * rs.randn(m, n),  # weight matrix
             scale * rs.randn(n))  # bias vector
            for m, n in zip(layer_sizes[:-1], layer_sizes[1:])]


def neural_net_predict(params, inputs):
    """Implements a deep neural network for classification.
       params is a list of (weights, bias) tuples.
       inputs is an (N x D) matrix.
       returns normalized class log-probabilities."""
    for W, b in params:
        outputs = np.dot(inputs, W) + b
        inputs = np.tanh(outputs)
    return outputs - logsumexp(outputs, axis=1, keepdims=True)


def l2_norm(params):
    """Computes l2 norm of params by flattening them into a vector."""
    flattened = np.concatenate([np.ravel(W) for W, b in params] + [np.ravel(b) for W, b in params])
    return np.dot(flattened, flattened)


def log_posterior(params, inputs, targets, L2_reg):
    log_prior = -L2_reg * l2_norm(params)
    log_lik = np.sum(neural_net_predict(params, inputs) * targets)
    return log_prior + log_lik


def objective(params, inputs, targets, L2_reg=1.0):
    return -log_posterior(params, inputs, targets, L2_reg) / inputs.shape[0]


def objective_generator_prior(params, inputs, targets, L2_reg=1.0):
    prior = sum(np.sum(W ** 2) + np.sum(b ** 2) for W, b in params)
    return L2_reg * prior - np.sum(neural_net_predict(params, inputs) * targets) / inputs.shape[0]


layer_sizes = [784, 200, 100, 10]


def _args():
    rs = npr.RandomState(25)
    params = init_random_params(0.1, layer_sizes, rs)
    inputs = rs.rand(4, 784)
    targets = np.eye(10)[rs.randint(0, 10, size=4)]
    return params, inputs, targets


CASES = [
    Case("mlp_784_200_100_10", objective, _args, wrt=0,
         notes="list of (W, b) tuples; l2 norm via concatenate of two comprehensions (list + list)"),
    Case("mlp_generator_expression_prior", objective_generator_prior, _args, wrt=0,
         notes="sum(... for W, b in params): a generator expression over layers"),
]
