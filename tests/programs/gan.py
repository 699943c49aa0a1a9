"""A generative adversarial net objective (autograd-examples style, with a leaky relu and logsigmoid)."""
import numpy as np
import numpy.random as npr

from tests.programs.harness import Case


def relu(x):
    return np.maximum(0, x)


def sigmoid(x):
    return 0.5 * (np.tanh(x) + 1.0)


def logsigmoid(x):
    return x - np.logaddexp(0, x)


def init_random_params(scale, layer_sizes, rs=npr.RandomState(0)):
    """Build a list of (weights, biases) tuples, one for each layer."""
    return [(rs.randn(insize, outsize) * scale,  # weight matrix
             rs.randn(outsize) * scale)  # bias vector
            for insize, outsize in zip(layer_sizes[:-1], layer_sizes[1:])]


def batch_normalize(activations):
    mbmean = np.mean(activations, axis=0, keepdims=True)
    return (activations - mbmean) / (np.std(activations, axis=0, keepdims=True) + 1)


def neural_net_predict(params, inputs):
    """Params is a list of (weights, bias) tuples.
       inputs is an (N x D) matrix."""
    inpW, inpb = params[0]
    inputs = relu(np.dot(inputs, inpW) + inpb)
    for W, b in params[1:-1]:
        outputs = batch_normalize(np.dot(inputs, W) + b)
        inputs = relu(outputs)
    outW, outb = params[-1]
    outputs = np.dot(inputs, outW) + outb
    return outputs


def generate_from_noise(gen_params, num_samples, noise_dim, rs):
    noise = rs.rand(num_samples, noise_dim)
    samples = neural_net_predict(gen_params, noise)
    return sigmoid(samples)


def gan_objective(gen_params, dsc_params, real_data, num_samples, noise_dim, rs):
    fake_data = generate_from_noise(gen_params, num_samples, noise_dim, rs)
    logprobs_fake = logsigmoid(neural_net_predict(dsc_params, fake_data))
    logprobs_real = logsigmoid(neural_net_predict(dsc_params, real_data))
    return np.mean(logprobs_real) - np.mean(logprobs_fake)


def generator_loss(gen_params, dsc_params, real_data, seed):
    return -gan_objective(gen_params, dsc_params, real_data, 5, 3, npr.RandomState(seed))


def _args():
    gen_params = init_random_params(0.5, [3, 6, 6, 4], npr.RandomState(1))
    dsc_params = init_random_params(0.5, [4, 6, 6, 1], npr.RandomState(2))
    real_data = npr.RandomState(3).rand(5, 4)
    return gen_params, dsc_params, real_data, 11


CASES = [
    Case("gan_generator_and_discriminator", generator_loss, _args, wrt=(0, 1),
         notes="a RandomState object passed down as an argument; params[1:-1] slices of a list"),
]
