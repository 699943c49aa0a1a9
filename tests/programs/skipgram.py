"""Skip-gram with negative sampling: embedding lookups by integer index and scatter updates."""
import numpy as np

from tests.programs.harness import Case, both, refused


def log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def sgns_loss(W_in, W_out, centers, contexts, negatives):
    v = W_in[centers]  # (B, d)
    u_pos = W_out[contexts]  # (B, d)
    u_neg = W_out[negatives]  # (B, k, d)
    pos = log_sigmoid(np.sum(v * u_pos, axis=1))
    neg = np.sum(log_sigmoid(-np.einsum('bkd,bd->bk', u_neg, v)), axis=1)
    return -np.mean(pos + neg)


def bag_of_words_logits(E, W, docs, labels):
    """Mean of word embeddings per document accumulated with np.add.at, then softmax regression."""
    n_docs = len(docs)
    sums = np.zeros((n_docs, E.shape[1]))
    for i, doc in enumerate(docs):
        np.add.at(sums, i, E[doc].sum(axis=0))
        sums[i] /= len(doc)
    logits = sums @ W
    logits = logits - logits.max(axis=1, keepdims=True)
    return -np.mean(logits[np.arange(n_docs), labels] - np.log(np.exp(logits).sum(axis=1)))


def _args():
    rng = np.random.default_rng(41)
    V, d, B, k = 7, 3, 4, 2
    return 0.5 * rng.standard_normal((V, d)), 0.5 * rng.standard_normal((V, d)), rng.integers(0, V, B), \
        rng.integers(0, V, B), rng.integers(0, V, (B, k))


def _bow_args():
    rng = np.random.default_rng(42)
    docs = [np.array([0, 2, 2]), np.array([1, 3]), np.array([4, 0, 1, 3])]
    return 0.5 * rng.standard_normal((5, 3)), 0.5 * rng.standard_normal((3, 2)), docs, np.array([0, 1, 1])


CASES = [
    Case("skipgram_negative_sampling", sgns_loss, _args, wrt=(0, 1),
         notes="fancy-index gathers with repeated indices; einsum"),
    Case("bag_of_words_add_at", bag_of_words_logits, _bow_args, wrt=(0, 1),
         notes="np.add.at into a zeros buffer; enumerate over a list of index arrays",
         known=both(refused("issue 17/18: np.add.at into a local buffer refused as an unused result"))),
]
