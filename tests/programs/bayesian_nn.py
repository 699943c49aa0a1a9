"""A Bayesian neural net: a generator over layers of a flat weight vector, batched with einsum."""
import numpy as np
import numpy.random as npr

from tests.programs.harness import Case


def make_nn_funs(layer_sizes, L2_reg, noise_variance, nonlinearity=np.tanh):
    """These functions implement a standard multi-layer perceptron,
    vectorized over both training examples and weight samples."""
    shapes = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    num_weights = sum((m + 1) * n for m, n in shapes)

    def unpack_layers(weights):
        num_weight_sets = len(weights)
        for m, n in shapes:
            yield weights[:, :m * n].reshape((num_weight_sets, m, n)), \
                weights[:, m * n:m * n + n].reshape((num_weight_sets, 1, n))
            weights = weights[:, (m + 1) * n:]

    def predictions(weights, inputs):
        """weights is shape (num_weight_samples x num_weights)
           inputs  is shape (num_datapoints  x D)"""
        inputs = np.expand_dims(inputs, 0)
        for W, b in unpack_layers(weights):
            outputs = np.einsum('mnd,mdo->mno', inputs, W) + b
            inputs = nonlinearity(outputs)
        return outputs

    def logprob(weights, inputs, targets):
        log_prior = -L2_reg * np.sum(weights ** 2, axis=1)
        preds = predictions(weights, inputs)
        log_lik = -np.sum((preds - targets) ** 2, axis=1)[:, 0] / noise_variance
        return log_prior + log_lik

    return num_weights, predictions, logprob


def build_toy_dataset(n_data=8, noise_std=0.1):
    D = 1
    rs = npr.RandomState(0)
    inputs = np.concatenate([np.linspace(0, 2, num=n_data // 2), np.linspace(6, 8, num=n_data // 2)])
    targets = np.cos(inputs) + rs.randn(n_data) * noise_std
    inputs = (inputs - 4.0) / 4.0
    inputs = inputs.reshape((len(inputs), D))
    targets = targets.reshape((len(targets), D))
    return inputs, targets


num_weights, predictions, logprob = make_nn_funs(layer_sizes=[1, 4, 4, 1], L2_reg=0.1, noise_variance=0.01,
                                                 nonlinearity=lambda x: np.maximum(x, 0.0) * 0.5 + np.tanh(x))
inputs, targets = build_toy_dataset()


def log_posterior(weights, t):
    return logprob(weights, inputs, targets)


def gaussian_entropy(log_std):
    return 0.5 * len(log_std) * (1.0 + np.log(2 * np.pi)) + np.sum(log_std)


def variational_objective(params, t, num_samples=3):
    mean, log_std = params[:num_weights], params[num_weights:]
    rs = npr.RandomState(t)
    samples = rs.randn(num_samples, num_weights) * np.exp(log_std) + mean
    lower_bound = gaussian_entropy(log_std) + np.mean(log_posterior(samples, t))
    return -lower_bound


def _weights():
    return (0.5 * npr.RandomState(12).randn(2, num_weights), 0)


def _vi_args():
    rs = npr.RandomState(13)
    return np.concatenate([0.5 * rs.randn(num_weights), -2 + 0.1 * rs.randn(num_weights)]), 1


def mean_logprob(weights, t):
    return np.mean(log_posterior(weights, t))


CASES = [
    Case("bnn_generator_layers_logprob", mean_logprob, _weights, wrt=0,
         notes="generator over layers, einsum 'mnd,mdo->mno', lambda nonlinearity from the factory"),
    Case("bnn_bbvi_objective", variational_objective, _vi_args, wrt=0,
         notes="BBVI over the BNN weights; module-level closures"),
]
