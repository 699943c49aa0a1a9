"""A two-layer net from modular layers that return (out, cache) tuples (cs231n assignment style)."""
import numpy as np

from tests.programs.harness import Case


def affine_forward(x, w, b):
    """Computes the forward pass for an affine (fully-connected) layer.

    The input x has shape (N, d_1, ..., d_k); we reshape each input into a vector of dimension
    D = d_1 * ... * d_k and then transform it to an output vector of dimension M."""
    out = None
    N = x.shape[0]
    x_row = x.reshape(N, -1)
    out = np.dot(x_row, w) + b
    cache = (x, w, b)
    return out, cache


def relu_forward(x):
    out = np.maximum(0, x)
    cache = x
    return out, cache


def affine_relu_forward(x, w, b):
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    cache = (fc_cache, relu_cache)
    return out, cache


def softmax_loss(x, y):
    shifted_logits = x - np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted_logits), axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(Z)
    N = x.shape[0]
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    return loss


class TwoLayerNet(object):
    def __init__(self, input_dim=3 * 4 * 4, hidden_dim=10, num_classes=5, weight_scale=1e-1, reg=0.1):
        self.params = {}
        self.reg = reg
        rng = np.random.RandomState(14)
        self.params['W1'] = weight_scale * rng.randn(input_dim, hidden_dim)
        self.params['b1'] = np.zeros(hidden_dim) + 0.05
        self.params['W2'] = weight_scale * rng.randn(hidden_dim, num_classes)
        self.params['b2'] = np.zeros(num_classes)


def two_layer_loss(params, X, y, reg=0.1):
    scores = None
    h1, cache_h1 = affine_relu_forward(X, params['W1'], params['b1'])
    scores, cache_scores = affine_forward(h1, params['W2'], params['b2'])
    if y is None:
        return scores
    loss = softmax_loss(scores, y)
    loss += 0.5 * reg * (np.sum(params['W1'] * params['W1']) + np.sum(params['W2'] * params['W2']))
    return loss


def _args():
    net = TwoLayerNet()
    rng = np.random.RandomState(15)
    X = rng.randn(4, 3, 4, 4)
    y = rng.randint(5, size=4)
    return net.params, X, y


CASES = [
    Case("cs231n_two_layer_caches", two_layer_loss, _args, wrt=0,
         notes="layers return (out, cache) tuples that are never used; `if y is None: return scores`"),
]
