"""A small convolutional layer with zero padding, max pooling and an im2col variant (NumPy-ML style)."""
import numpy as np

from tests.programs.harness import Case


def pad2D(X, pad, constant=0):
    """Zero-pad a 4D input volume `X` (n_ex, in_rows, in_cols, in_ch) along its spatial dims."""
    p = pad
    if isinstance(p, int):
        p = (p, p, p, p)
    X_pad = np.pad(X, pad_width=((0, 0), (p[0], p[1]), (p[2], p[3]), (0, 0)), mode="constant",
                   constant_values=constant)
    return X_pad, p


def conv2D_naive(X, W, stride, pad):
    """A direct loop implementation of 2D 'convolution' (cross-correlation)."""
    X_pad, p = pad2D(X, pad)
    n_ex, in_rows, in_cols, in_ch = X.shape
    fr, fc, in_ch, out_ch = W.shape
    out_rows = int((in_rows + p[0] + p[1] - fr) / stride + 1)
    out_cols = int((in_cols + p[2] + p[3] - fc) / stride + 1)
    Z = np.zeros((n_ex, out_rows, out_cols, out_ch))
    for m in range(n_ex):
        for c in range(out_ch):
            for i in range(out_rows):
                for j in range(out_cols):
                    i0, i1 = i * stride, (i * stride) + fr
                    j0, j1 = j * stride, (j * stride) + fc
                    window = X_pad[m, i0:i1, j0:j1, :]
                    Z[m, i, j, c] = np.sum(window * W[:, :, :, c])
    return Z


def maxpool2x2(Z):
    n, h, w, c = Z.shape
    return Z.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def conv_net_loss(W, b, X, target):
    Z = conv2D_naive(X, W, stride=1, pad=1) + b
    A = np.maximum(Z, 0.1 * Z)  # leaky relu
    P = maxpool2x2(A)
    return 0.5 * np.sum((P - target) ** 2)


def conv2D_einsum(X, W, pad):
    """Sliding windows by stacking shifted slices, contracted with einsum."""
    X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    fr, fc = W.shape[:2]
    H, Wd = X_pad.shape[1] - fr + 1, X_pad.shape[2] - fc + 1
    cols = np.stack([X_pad[:, i:i + H, j:j + Wd, :] for i in range(fr) for j in range(fc)], axis=3)
    cols = cols.reshape(X.shape[0], H, Wd, fr, fc, X.shape[3])
    return np.einsum('nhwrsc,rsco->nhwo', cols, W)


def conv_einsum_loss(W, X):
    Y = conv2D_einsum(X, W, pad=1)
    return np.mean(np.tanh(Y) ** 2)


def _args():
    rng = np.random.default_rng(18)
    X = rng.standard_normal((1, 4, 4, 2))
    W = 0.5 * rng.standard_normal((3, 3, 2, 2))
    return W, 0.1 * rng.standard_normal(2), X, rng.standard_normal((1, 2, 2, 2))


def _einsum_args():
    rng = np.random.default_rng(19)
    return 0.5 * rng.standard_normal((3, 3, 2, 3)), rng.standard_normal((2, 4, 4, 2))


CASES = [
    Case("conv_naive_loops_pad_constant_values", conv_net_loss, _args, wrt=(0, 1, 2),
         notes="np.pad(mode='constant', constant_values=...), 4 nested loops writing Z[m, i, j, c]"),
    Case("conv_im2col_einsum", conv_einsum_loss, _einsum_args, wrt=(0, 1),
         notes="np.pad default mode, stack of slices from a comprehension, 6-index einsum"),
]
