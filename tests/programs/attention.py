"""Multi-head self-attention with a causal mask, written with einsum and reshapes."""
import numpy as np

from tests.programs.harness import Case


def softmax(x, axis=-1):
    x = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(x)
    return e / np.sum(e, axis=axis, keepdims=True)


def layer_norm(x, g, b, eps=1e-5):
    mu = np.mean(x, axis=-1, keepdims=True)
    var = np.var(x, axis=-1, keepdims=True)
    return g * (x - mu) / np.sqrt(var + eps) + b


def split_heads(x, n_head):
    T, C = x.shape
    return x.reshape(T, n_head, C // n_head).transpose(1, 0, 2)


def causal_self_attention(x, w_qkv, w_out, n_head=2):
    T, C = x.shape
    q, k, v = np.split(x @ w_qkv, 3, axis=-1)
    q, k, v = (split_heads(a, n_head) for a in (q, k, v))
    att = np.einsum('htd,hsd->hts', q, k) / np.sqrt(q.shape[-1])
    mask = np.tril(np.ones((T, T), dtype=bool))
    att = np.where(mask, att, -1e10)
    att = softmax(att, axis=-1)
    y = np.einsum('hts,hsd->htd', att, v)
    y = y.transpose(1, 0, 2).reshape(T, C)
    return y @ w_out


def transformer_block_loss(params, x, target):
    h = x + causal_self_attention(layer_norm(x, params["ln_g"], params["ln_b"]), params["w_qkv"],
                                  params["w_out"])
    return np.mean((h - target) ** 2)


def _args():
    rng = np.random.default_rng(36)
    C = 4
    params = {"ln_g": np.ones(C) + 0.1 * rng.standard_normal(C), "ln_b": 0.1 * rng.standard_normal(C),
              "w_qkv": 0.4 * rng.standard_normal((C, 3 * C)), "w_out": 0.4 * rng.standard_normal((C, C))}
    return params, rng.standard_normal((3, C)), rng.standard_normal((3, C))


CASES = [
    Case("causal_attention_einsum", transformer_block_loss, _args, wrt=(0, 1),
         notes="np.split into q, k, v; a generator expression unpacked into three names; masks"),
]
