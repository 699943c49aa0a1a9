"""Fitting a Gaussian mixture by maximum likelihood (autograd-examples gmm style, flattened params)."""
import numpy as np
import numpy.random as npr
from scipy.special import logsumexp
from scipy.stats import multivariate_normal as mvn

from tests.programs.harness import Case, both, refused


class WeightsParser(object):
    """A helper class to index into a parameter vector."""

    def __init__(self):
        self.idxs_and_shapes = {}
        self.num_weights = 0

    def add_shape(self, name, shape):
        start = self.num_weights
        self.num_weights += int(np.prod(shape))
        self.idxs_and_shapes[name] = (slice(start, self.num_weights), shape)

    def get(self, vect, name):
        idxs, shape = self.idxs_and_shapes[name]
        return np.reshape(vect[idxs], shape)


num_components, D = 3, 2
parser = WeightsParser()
parser.add_shape('log proportions', (num_components,))
parser.add_shape('means', (num_components, D))
parser.add_shape('lower triangles', (num_components, D, D))


def unpack_gmm_params(params):
    normalized_log_proportions = parser.get(params, 'log proportions') \
        - logsumexp(parser.get(params, 'log proportions'))
    return normalized_log_proportions, parser.get(params, 'means'), parser.get(params, 'lower triangles')


def gmm_log_likelihood(params, data):
    cluster_lls = []
    for log_proportion, mean, chol in zip(*unpack_gmm_params(params)):
        cov = np.dot(chol.T, chol) + 0.000001 * np.eye(D)
        cluster_lls.append(log_proportion + mvn.logpdf(data, mean, cov))
    return np.sum(logsumexp(np.vstack(cluster_lls), axis=0))


def objective(params, data):
    return -gmm_log_likelihood(params, data)


def gaussian_logpdf_chol(X, mean, L):
    """log N(X | mean, L L^T) for rows of X, by a triangular solve written with np.linalg.solve."""
    d = X.shape[1]
    diff = X - mean
    z = np.linalg.solve(L, diff.T)
    return -0.5 * np.sum(z ** 2, axis=0) - np.sum(np.log(np.abs(np.diag(L)))) - 0.5 * d * np.log(2 * np.pi)


def gmm_nll_by_hand(log_weights, means, chols, X):
    log_w = log_weights - logsumexp(log_weights)
    comps = np.stack([log_w[k] + gaussian_logpdf_chol(X, means[k], np.tril(chols[k]) + 2.0 * np.eye(X.shape[1]))
                      for k in range(len(means))])
    return -np.sum(logsumexp(comps, axis=0))


def _data():
    rs = npr.RandomState(9)
    return np.concatenate([rs.randn(6, D) - 2, rs.randn(6, D) + 1.5])


def _args():
    params = 0.3 * npr.RandomState(10).randn(parser.num_weights)
    params[parser.idxs_and_shapes['lower triangles'][0]] += np.tile(np.eye(D).ravel(), num_components)
    return params, _data()


def _hand_args():
    rs = npr.RandomState(11)
    return rs.randn(3), rs.randn(3, D), 0.3 * rs.randn(3, D, D), _data()


CASES = [
    Case("gmm_mvn_logpdf", objective, _args, wrt=0,
         notes="WeightsParser object; zip(*...) over components; scipy.stats.multivariate_normal.logpdf",
         known=both(refused("issue 17: a method of a user object (parser.get); multivariate_normal.logpdf itself is supported"))),
    Case("gmm_by_hand_list_comprehension", gmm_nll_by_hand, _hand_args, wrt=(0, 1, 2),
         notes="np.stack of a list comprehension; np.tril; np.linalg.solve"),
]
