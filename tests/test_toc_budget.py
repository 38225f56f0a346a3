"""Paper 001's budget maths (semcom_core.toc.budget): closed form vs brute force, bisection, thresholds
fitted on a validation draw of a toy multi-exit model, infeasible and unreadable budgets."""
import math

import numpy as np
import pytest

from semcom_core.toc import budget as B


def brute_force_even(r, phi, K):
    """sum_k k phi r^k / sum_j r^j, term by term (eqs. 17-18 as written, with the eq. 17 normaliser)."""
    w = [r ** k for k in range(1, K + 1)]
    return sum(k * phi * wk for k, wk in zip(range(1, K + 1), w)) / sum(w)


@pytest.mark.parametrize("K", [1, 2, 3, 5, 8])
def test_closed_form_matches_brute_force(K):
    for r in [1e-3, 0.1, 0.5, 0.9, 0.99, 0.99999, 1.0, 1.00001, 1.01, 1.5, 3.0, 20.0]:
        assert B.expected_cost_even(r, 7.0, K) == pytest.approx(brute_force_even(r, 7.0, K), rel=1e-7), (K, r)


def test_closed_form_limits_and_monotone():
    K, phi = 5, 3.0
    assert B.expected_cost_even(1.0, phi, K) == pytest.approx(phi * (K + 1) / 2)
    assert B.expected_cost_even(1e-9, phi, K) == pytest.approx(phi, rel=1e-6)  # Lemma 2: -> phi
    assert B.expected_cost_even(1e9, phi, K) == pytest.approx(K * phi, rel=1e-6)  # -> K phi
    rs = np.exp(np.linspace(-8, 8, 400))
    vals = [B.expected_cost_even(r, phi, K) for r in rs]
    assert np.all(np.diff(vals) > 0)  # Lemma 1
    # the real-exit form agrees with the closed form on evenly spaced exits
    for r in [0.2, 1.0, 4.0]:
        assert B.expected_cost(r, [phi * k for k in range(1, K + 1)]) == pytest.approx(
            B.expected_cost_even(r, phi, K), rel=1e-9)


def test_exit_probabilities():
    p = B.exit_probabilities(2.0, 4)
    assert p == pytest.approx(np.array([2, 4, 8, 16]) / 30)
    assert B.exit_probabilities(1.0, 5) == pytest.approx(np.full(5, 0.2))
    assert B.exit_probabilities(0.0, 3).tolist() == [1, 0, 0]
    assert B.exit_probabilities(math.inf, 3).tolist() == [0, 0, 1]
    assert B.exit_probabilities(1e300, 5).sum() == pytest.approx(1.0)  # no overflow


UNEVEN = [9.0e6, 21.0e6, 40.0e6, 52.0e6, 80.0e6]


@pytest.mark.parametrize("budget", [9.5e6, 2e7, 3e7, 4.1e7, 6e7, 7.9e7])
def test_bisection_finds_the_largest_feasible_r(budget):
    r = B.solve_r(budget, UNEVEN)
    cost = B.expected_cost(r, UNEVEN)
    assert cost <= budget  # never above the budget
    assert cost == pytest.approx(budget, rel=1e-9)  # and tight: the largest r
    assert B.expected_cost(r * (1 + 1e-6), UNEVEN) > budget


def test_bisection_on_even_exits_inverts_the_closed_form():
    phi, K = 1.0, 5
    for r_true in [0.05, 0.7, 1.0, 2.5, 30.0]:
        b = B.expected_cost_even(r_true, phi, K)
        assert B.solve_r(b, [phi * k for k in range(1, K + 1)]) == pytest.approx(r_true, rel=1e-6)


def test_budget_edges():
    with pytest.raises(B.BudgetError, match="below the cost of the first exit"):
        B.solve_r(8.9e6, UNEVEN)
    assert B.solve_r(UNEVEN[0], UNEVEN) == 0.0
    plan = B.plan_budget(UNEVEN[-1], UNEVEN)
    assert plan.status == "unconstrained" and "everything may run to the end" in plan.message
    assert math.isinf(plan.r) and plan.probabilities[-1] == 1.0
    plan = B.plan_budget(1e12, UNEVEN)
    assert plan.expected_cost == UNEVEN[-1] and plan.to_dict()["r"] is None
    plan = B.plan_budget("30M", UNEVEN)
    assert plan.status == "feasible" and plan.expected_cost <= 3e7 and plan.budget == 3e7


@pytest.mark.parametrize("bad", ["abc", "", "1e7x", "nan", "-3e7", 0, -1.0, float("inf"), None, True, [1e7]])
def test_unreadable_budgets_are_one_clear_error(bad):
    with pytest.raises(B.BudgetError, match="budget"):
        B.parse_budget(bad)


def test_parse_budget_forms():
    assert B.parse_budget("3e7") == 3e7
    assert B.parse_budget(" 40.81 M ") == pytest.approx(40.81e6)
    assert B.parse_budget("1.2g") == pytest.approx(1.2e9)
    assert B.parse_budget(np.float32(2.0)) == 2.0


def test_exit_counts_sum_and_round():
    c = B.exit_counts([0.1, 0.2, 0.3, 0.4], 7)
    assert c.sum() == 7 and np.all(np.abs(c - np.array([0.7, 1.4, 2.1, 2.8])) < 1)


def toy_confidences(n, K, rng):
    """A toy multi-exit classifier: each image has a difficulty d; exit k is more confident on easy
    images and at later exits, with exit-specific noise. Confidences in (1/10, 1) like a 10-class softmax."""
    d = rng.normal(size=(n, 1))
    logit = 0.6 * np.arange(K)[None, :] - 1.5 * d + 0.7 * rng.normal(size=(n, K))
    return 0.1 + 0.9 / (1 + np.exp(-logit))


@pytest.mark.parametrize("budget", [1.5e7, 3e7, 5e7])
def test_thresholds_on_validation_give_pr_k_on_fresh_test_draws(budget):
    rng = np.random.default_rng(0)
    K = len(UNEVEN)
    plan = B.plan_budget(budget, UNEVEN)
    val = toy_confidences(20_000, K, rng)
    theta = B.fit_thresholds(val, plan.probabilities)
    # on the validation split itself the counts are exact
    val_frac = B.exit_fractions(B.assign_exits(val, theta), K)
    assert val_frac == pytest.approx(B.exit_counts(plan.probabilities, 20_000) / 20_000, abs=1e-12)
    # on an independent test draw: within sampling error of Pr_k (validation and test both vary)
    n_test = 20_000
    test = toy_confidences(n_test, K, rng)
    exits = B.assign_exits(test, theta)
    frac = B.exit_fractions(exits, K)
    p = np.array(plan.probabilities)
    se = np.sqrt(p * (1 - p) * (1 / n_test + 1 / 20_000))
    assert np.all(np.abs(frac - p) <= 4.5 * se + 1e-12), (frac, p)
    cost = B.measured_cost(exits, UNEVEN)
    cost_se = np.sqrt(np.var(np.array(UNEVEN)[exits]) * (1 / n_test + 1 / 20_000))
    assert cost <= budget + 4.5 * cost_se


def test_thresholds_send_the_confident_out_early():
    rng = np.random.default_rng(1)
    conf = toy_confidences(5000, 5, rng)
    theta = B.fit_thresholds(conf, B.exit_probabilities(1.0, 5))
    exits = B.assign_exits(conf, theta)
    # samples leaving at exit 1 are more confident at exit 1 than those that go on
    assert conf[exits == 0, 0].min() >= conf[exits > 0, 0].max()
    assert theta[-1] == -np.inf
    # Pr_k = 0 at some exit: nobody leaves there
    theta0 = B.fit_thresholds(conf, [0.0, 0.5, 0.0, 0.25, 0.25])
    frac = B.exit_fractions(B.assign_exits(conf, theta0), 5)
    assert frac[0] == 0 and frac[2] == 0 and frac[1] == pytest.approx(0.5)
    # r = 0: everyone leaves at exit 1, also test samples less confident than any validation sample
    theta1 = B.fit_thresholds(conf, B.exit_probabilities(0.0, 5))
    assert theta1[0] == -np.inf and np.all(B.assign_exits(toy_confidences(1000, 5, rng) - 0.5, theta1) == 0)


def test_bad_shapes_are_errors():
    with pytest.raises(ValueError):
        B.fit_thresholds(np.zeros((10, 3)), [0.5, 0.5])
    with pytest.raises(ValueError, match="increase"):
        B.solve_r(1e7, [5e6, 4e6])
