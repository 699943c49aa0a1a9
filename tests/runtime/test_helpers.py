"""The runtime helpers the passes emit calls to (runtime/helpers.py): the adjoint of broadcasting,
what a lowered loop iterates over, a private copy of a written argument, floating gradients."""
import numpy as np
import pytest

from srcdiff.runtime.helpers import as_sequence, floating, private_copy, unbroadcast

RNG = np.random.default_rng(3)


@pytest.mark.parametrize("gshape, xshape, axes", [
    ((4, 3), (3,), (0,)),              # a bias added to every row
    ((4, 3), (4, 1), (1,)),            # a column broadcast along a row
    ((2, 4, 3), (1, 3), (0, 1)),
    ((4, 3), (), (0, 1)),              # a scalar
])
def test_unbroadcast_sums_the_broadcast_axes(gshape, xshape, axes):
    g, x = RNG.standard_normal(gshape), np.zeros(xshape)
    expected = np.sum(g, axis=axes).reshape(xshape)
    got = unbroadcast(g, x)
    assert np.shape(got) == xshape
    np.testing.assert_allclose(got, expected, rtol=1e-15)


def test_unbroadcast_leaves_a_gradient_of_the_right_shape_alone():
    g = RNG.standard_normal((4, 3))
    assert unbroadcast(g, np.zeros((4, 3))) is g


def test_unbroadcast_spreads_a_smaller_gradient_up_and_keeps_nan():
    got = unbroadcast(np.array([1.0, np.nan]), np.zeros((3, 2)))
    assert got.shape == (3, 2) and np.isnan(got[:, 1]).all() and (got[:, 0] == 1.0).all()


def test_as_sequence_keeps_indexable_values_and_lists_the_rest():
    for value in ([1.0], (1.0,), np.arange(2.0), range(3)):
        assert as_sequence(value) is value
    assert as_sequence(v for v in (1, 2)) == [1, 2]
    assert as_sequence({"a": 1}) == ["a"]


def test_private_copy_copies_what_can_be_written_into():
    for value in (np.arange(3.0), [1.0, 2.0], {"a": 1.0}):
        copy = private_copy(value)
        assert copy is not value and type(copy) is type(value)
    assert private_copy(2.0) == 2.0


def test_floating_makes_masks_and_integers_floats_and_leaves_floats_alone():
    mask = np.array([True, False])
    assert floating(mask).dtype == np.float64 and floating(mask).tolist() == [1.0, 0.0]
    assert type(floating(True)) is float and type(floating(np.int64(3))) is float
    g = np.ones(2, dtype=np.float32)
    assert floating(g) is g
