"""Minimal programs the differential fuzzer found wrong or crashing, kept as regression cases.

Each is named after the bug class in the fuzzing report: R = reverse mode, F = forward mode,
S = stores, E = edge cases of rules, W = loops, A = false alias refusals.
"""
import math

import numpy as np

X3 = np.array([0.3, -1.2, 0.7])
X23 = np.array([[0.3, -1.2, 0.7], [0.1, 0.5, -0.4]])
C3 = np.array([1.0, 2.0, 3.0])


def r1_number_into_a_strided_slice(x):
    y = np.zeros(5)
    y[::2] = np.sum(x)
    return np.sum(y)


def r1_number_into_everything(x):
    y = x * 1.0
    y[...] = np.sum(x)
    return np.sum(y)


def r1_number_into_a_row(x):
    y = np.zeros((2, 3))
    y[1] = np.sum(x)
    return np.sum(y)


def r1_float_into_a_row(s):
    y = np.zeros((2, 3))
    y[1] = s
    return np.sum(y * np.arange(6.0).reshape(2, 3))


def r1_math_result_into_a_row(x):
    y = np.zeros((2, 2))
    y[0] = math.sinh(x)
    return np.sum(y)


def r1_number_through_a_mask(x):
    y = np.zeros((2, 3))
    y[np.array([False, True])] = np.max(x)
    return np.sum(y)


def r1_float_through_an_index_list(s):
    y = np.zeros(3)
    y[[0, 2]] = s
    return np.sum(y * C3)


def r2_repeated_index_on_a_later_axis(x):
    y = x * 1.0
    y[:, [1, 1]] += np.array([1.0, 2.0])
    return np.sum(y * y)


def r3_adjoint_read_after_update_in_a_branch(x, s):
    v = x
    if s > 0.0:
        v = v - (v + (x + x))
        v = v * 0.5 + x
    return np.sum(np.sin(v) * np.arange(3.0))


def r4_negated_sum_then_index(x):
    v0 = np.mean(np.exp(x[[2]]), axis=-1)
    return v0 + -1.0 * np.sum(x)


def r4_index_minus_sum(x):
    return np.sum(x[[2]] ** 2) - np.sum(x)


def r4_math_of_an_element_minus_sum(x):
    return math.exp(x[0]) - np.sum(x)


def s1_array_stored_into_itself(x):
    y = x * 1.0
    y[:2] = y[:2] * 2.0
    y[1:] = y[:2]
    return np.sum(y ** 2)


def e1_contiguous_copy_of_a_number(s):
    return np.sum(np.ascontiguousarray(s) ** 2)


def f1_write_into_a_copy(x):
    y = np.copy(x)
    y[0] = np.sum(x)
    return np.sum(x + y)


def f1_write_into_a_sum_with_a_constant(x):
    y = x + C3
    y[0] = 0.0
    return np.sum(y * x)


def f2_write_into_a_broadcast_tangent(s, x):
    v = s + x[0] * C3
    v[0] = 1.0
    return np.sum(v * v)


def w1_two_while_loops(x):
    k = 0
    while k < 2:
        x = x * 1.5 + np.sin(x)
        k += 1
    j = 0
    acc = 0.0
    while j < 3:
        acc = acc + np.sum(x) * j
        j += 1
    return acc + np.sum(x ** 2)


def a1_append_items_of_an_argument(x):
    ys = []
    for i in range(2):
        ys.append(x[i])
    return np.sum(np.stack(ys) ** 2)


def a2_stack_an_argument_with_its_written_copy(x):
    y = np.copy(x)
    y[0] = 1.0
    return np.sum(np.stack([x, y]) ** 2)


def r5_branch_reassigns_its_condition(x):
    done = x[0] > 0.0
    y = x * 1.0
    if done:
        y = y * 3.0
        done = x[1] > 10.0  # the reverse sweep must test the decision taken, not this value
    return np.sum(y)


def r6_accumulate_a_name_into_itself(s):
    acc3 = 0.0
    for i in range(3):
        acc3 += s + np.maximum(s, 0.0)
    acc5 = 0.0
    for i in range(1, 2):
        acc5 += acc5 + acc3
    return acc5


def r7_sum_of_a_product_with_a_carried_number(z):
    acc = 1.0
    for i in range(1, 5):
        acc += np.multiply(acc, z).sum()
    return acc


def r8_write_into_a_helper_result(x):
    v0 = _exp_helper(x * 2.0)  # the helper's backward reads its result: the write must be undone
    v0[-1] += np.sum(x)
    return np.sum(v0 ** 2)


def _exp_helper(a):
    return np.exp(a * 1.0)


def r9_slice_plus_a_row_maximum(x):
    v5 = x + np.maximum(-0.7, x[..., 2])  # the count seeding the adjoint of x was an integer
    return v5.sum()


def r10_write_into_a_reshaped_result(y, s):
    v0 = np.sqrt(y ** 2 + 1.0).reshape(-1)  # a view of the sqrt, whose adjoint reads it
    v0[1] -= np.exp(s)
    return np.linalg.norm(v0)


def f3_write_into_a_transposed_copy(p):
    v1 = (+p).T  # a view of a new array: writing into it must not write into p's tangent
    v2 = np.sinh(p[0])
    v1[np.array([False, True])] *= 2.0
    return np.sum(v2 ** 2) + np.sum(v1 * v1)


def f4_write_into_a_broadcast_from_a_tuple(x, s):
    v2, v3 = np.minimum(x[..., 0], s), np.fmod(s, x)
    v3[-1] = s
    return np.sum(v3 * v3) + v2


def r11_clip_of_a_difference(x):
    v = np.copy(x - x).clip(-1.0, 1.0)  # 1.0 * (mask) must stay a number, not a boolean array
    return np.sum(v) + np.sum(x * 2.0)


def p1_negative_constant_as_a_base(x):
    a = (-2.0) ** 2  # printed as -2.0 ** 2 the generated code computed -4
    return np.sum(a * x ** 2 + (-1.5) ** 2 * x)


def p2_sum_over_an_axis_tuple(z):
    # seed 1141: code specialized to shapes read the sum's axis tuple, held in a temporary
    return np.arcsin(np.linalg.inv(3.0 * np.eye(2) + np.tanh(z))).sum(axis=(1, 0))


def f8_double_negation_then_written(x):
    # seed 4098: merging the constant factors of -(-t_x) left t_v5 = t_x, and writing v5[2:]
    # then wrote into the caller's tangent
    v5 = 1.5 - (0.5 - x)
    v5[2:] = 0.25
    return 2.0 * np.max(v5) + np.sum(v5 ** 2)


def f5_result_of_an_array_later_written(y):
    v7 = np.tanh(y)
    v8 = np.add(0.5, v7)  # t_v8 = t_v7 must not see the write into v7 below
    v7[:, [1, 2]] = 1.2
    return np.sum(v8 * v8) + 0.3 * np.sum(v7)


def r12_adjoint_is_an_array_restored_later(x):
    a = x * 1.0
    b = a - 1.0  # d_b = a must not change when the reverse sweep restores a[0]
    a[0] += 5.0 * a[1]
    return np.sum(b * a)


def f6_difference_with_a_constant_then_written(x):
    a = x * 1.0
    b = a - np.floor(a)  # t_b = t_a: the write into a must not reach t_b
    a[0] = 0.0
    return np.sum(b * b) + np.sum(a)


def a3_index_list_copies(x):
    a = x * 1.0
    b = a[[0, 1]]  # advanced indexing copies: writing into a afterwards is fine
    a[0] = 5.0 * x[2]
    return np.sum(a * x) + np.sum(b * b)


def a3_mask_copies(x):
    a = x * 1.0
    b = a[x > 0.0]
    a[2] = 5.0 * x[0]
    return np.sum(a * x) + np.sum(b * b)


def a3_columns_by_list_copy(x):
    a = x * 1.0
    b = a[:, [0, 2]]
    a[0, 0] = 5.0 * x[1, 1]
    return np.sum(a * x) + np.sum(b * b)


def f7_view_of_an_array_written_later(x):
    a = np.exp(x)
    b = a[1:] + 1.0  # t_b = t_a[1:] + ...: a view of t_a, which the write below changes
    a[1:] = 0.0
    return np.sum(b * b) + np.sum(a)


def a4_shape_names_are_not_memory(x):
    n = 3
    y = np.reshape(x * 2.0, (1, n))  # n is a shape, not an array y could share memory with
    y[0, 0] = 5.0
    return np.sum(y ** 2) * n


def _adds_bias(h, b):
    h += b
    return h


def _accumulates(total, v):
    total += np.sum(v * v)
    return total


def a5_helpers_updating_their_parameters(x):
    h = _adds_bias(x * 2.0, x)  # the caller never reads the array the helper updates
    loss = 0.0
    for i in range(2):
        loss = _accumulates(loss, h * i)  # a float: += rebinds it
    return loss + np.sum(h)


# (function, arguments, wrt)
def r13_number_summed_with_an_array_in_a_loop(x):
    # fuzz seed 61152: the loop-carried number's adjoint was multiplied by the count (6) before
    # the array's contribution read it, so x got six times its gradient
    acc = 1.0
    for _ in range(2):
        acc = np.sum(acc + x)
    return acc ** 2


def r14_loop_writes_at_a_changing_index(x):
    # fuzz seed 70696: the reverse sweep restored v[i] with the last iteration's i (i was not taped)
    v = np.sum(x + x, axis=0)
    y = v.prod()
    k = 0
    while k < 2:
        v[k % 2] = 1.0
        k += 1
    return y


def f9_number_becomes_an_array_in_a_loop(x, s):
    # fuzz seed 82547: ``acc + np.ascontiguousarray(s)`` turns the number into an array; its tangent
    # stayed the number 0.0 (the shape was looked up after the statement) and could not be written into
    acc = 1.0
    k = 0
    while k < 1:
        acc += np.ascontiguousarray(s)
        for _ in range(2):
            acc[:2] = x[0]
            acc = 1.0 / (1.5 + np.sin(acc))
        k += 1
    return np.sum(acc)


def f10_call_as_a_statement(x):
    # found while shrinking a fuzz program: forward mode crashed on a rule called as an expression
    # statement (its value dropped: no tangent to define)
    np.sin(x)
    for r in x:
        np.linalg.det(4.0 * np.eye(3) + np.tanh(r - x))
    return np.sum(x ** 2)


def s616_number_whose_gradient_is_a_complex_0d_array(s, zc):
    # fuzz seed 616: the adjoint of the Python float ``s`` came back as a 0-d complex array
    v = np.max(np.ravel(s), axis=0, keepdims=True) * np.ones((2,))
    return np.mean(v) + np.sum(np.abs(zc * np.tanh(v) + 2.0) ** 2)


CASES = [
    (r1_number_into_a_strided_slice, (X3,), 0),
    (r1_number_into_everything, (X23,), 0),
    (r1_number_into_a_row, (X3,), 0),
    (r1_float_into_a_row, (0.7,), 0),
    (r1_math_result_into_a_row, (0.8,), 0),
    (r1_number_through_a_mask, (X3,), 0),
    (r1_float_through_an_index_list, (0.7,), 0),
    (r2_repeated_index_on_a_later_axis, (X23,), 0),
    (r3_adjoint_read_after_update_in_a_branch, (X3, 0.5), 0),
    (r4_negated_sum_then_index, (X3,), 0),
    (r4_index_minus_sum, (X3,), 0),
    (r4_math_of_an_element_minus_sum, (X3,), 0),
    (s1_array_stored_into_itself, (X3,), 0),
    (e1_contiguous_copy_of_a_number, (0.7,), 0),
    (e1_contiguous_copy_of_a_number, (np.array(0.7),), 0),
    (f1_write_into_a_copy, (X3,), 0),
    (f1_write_into_a_sum_with_a_constant, (X3,), 0),
    (f2_write_into_a_broadcast_tangent, (np.array([0.5]), X3), 0),
    (w1_two_while_loops, (X3,), 0),
    (a1_append_items_of_an_argument, (X3,), 0),
    (a2_stack_an_argument_with_its_written_copy, (X3,), 0),
    (r5_branch_reassigns_its_condition, (np.array([0.5, 1.0]),), 0),
    (r6_accumulate_a_name_into_itself, (1.08,), 0),
    (r7_sum_of_a_product_with_a_carried_number, (np.array([[0.5, 0.7]]),), 0),
    (r8_write_into_a_helper_result, (X3,), 0),
    (r10_write_into_a_reshaped_result, (np.array([[-0.03, 0.29], [-1.43, 0.37]]), 0.77), 0),
    (r10_write_into_a_reshaped_result, (np.array([[-0.03, 0.29], [-1.43, 0.37]]), 0.77), 1),
    (f3_write_into_a_transposed_copy, (np.array([[1.25, 0.34], [0.63, 0.47]]),), 0),
    (f4_write_into_a_broadcast_from_a_tuple, (np.array([-0.79, -0.2, 0.71]), -0.245), 1),
    (r11_clip_of_a_difference, (np.array([0.3, 0.5]),), 0),
    (p1_negative_constant_as_a_base, (X3,), 0),
    (p2_sum_over_an_axis_tuple, (np.array([[-0.64, 0.38], [0.35, 0.64]]),), 0),
    (f8_double_negation_then_written, (np.array([0.3, -1.2, 0.7, 0.1]),), 0),
    (f5_result_of_an_array_later_written, (X23,), 0),
    (r12_adjoint_is_an_array_restored_later, (X3,), 0),
    (f6_difference_with_a_constant_then_written, (X3,), 0),
    (a3_index_list_copies, (X3,), 0),
    (a3_mask_copies, (X3,), 0),
    (a3_columns_by_list_copy, (X23,), 0),
    (f7_view_of_an_array_written_later, (X3,), 0),
    (a4_shape_names_are_not_memory, (X3,), 0),
    (a5_helpers_updating_their_parameters, (X3,), 0),
    (r9_slice_plus_a_row_maximum, (np.array([[-0.8, -1.5, 0.9], [0.4, -0.7, -0.9], [-1.4, 0.6, -0.4]]),), 0),
    (r13_number_summed_with_an_array_in_a_loop, (np.array([[0.83, 1.11, 1.01], [-0.65, -0.64, -0.63]]),), 0),
    (r14_loop_writes_at_a_changing_index, (np.array([[-0.07, -0.41], [0.52, -0.29], [0.41, -0.95]]),), 0),
    (f9_number_becomes_an_array_in_a_loop, (np.array([0.5, 1.5]), 0.4), 0),
    (f10_call_as_a_statement, (np.array([[0.3, -1.2, 0.7], [0.1, 0.5, -0.4], [0.2, 0.9, -0.6]]),), 0),
    (s616_number_whose_gradient_is_a_complex_0d_array, (-0.416, np.array([0.12 - 0.39j, 0.45 - 0.65j])), 0),
]
