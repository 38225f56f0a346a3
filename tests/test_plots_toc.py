"""Figure properties of the Budgeted TOC page's plot builders (semcom_ui.plots_toc), fed by the view model
on small made-up cost tables and results computed by the real budget code (tests/test_views_toc.py)."""
import math

import numpy as np
import pytest

from semcom_ui import plots_toc as P
from semcom_ui.views import toc as V

from .test_views_toc import COSTS, toy_results


def traces(fig, **match):
    return [t for t in fig.data if all(getattr(t, k) == v for k, v in match.items())]


@pytest.fixture(scope="module")
def measured():
    return toy_results([12e6, 20e6, 30e6, 40e6])


def test_accuracy_vs_budget_log_axis_curves_steps_reference_and_marker(measured):
    v = V.toc_view(COSTS, 27e6, "awgn", 0.0, "both", measured)
    fig = v.figures["accuracy_vs_budget"]
    assert fig.layout.xaxis.type == "log" and "MACs per image" in fig.layout.xaxis.title.text
    assert tuple(fig.layout.yaxis.range) == (0, 100)
    lo, hi = fig.layout.xaxis.range  # log10 units: the cheapest exit and the paper's 380 M are in view
    assert 10 ** lo < 10e6 and 10 ** hi > 380e6
    dyn = [t for t in fig.data if t.name == "dynamic TOC" and t.legendgroup == "ours"]
    assert len(dyn) == 1
    rows = measured[measured.model == "dynamic"]
    assert list(dyn[0].x) == list(rows.budget)
    np.testing.assert_allclose(dyn[0].y, 100 * rows.accuracy)
    np.testing.assert_allclose(np.array(dyn[0].y) + np.array(dyn[0].error_y.array), 100 * rows.ci95_high)
    for m in ("static-resnet20", "static-resnet32"):
        (st,) = [t for t in fig.data if t.name == V.model_label(m) and t.legendgroup == "ours"]
        assert st.line.shape == "hv" and st.x[0] == COSTS[m][0]  # a step starting at its cost
        assert len(set(st.y)) == 1
    paper = [t for t in fig.data if t.legendgroup == "paper"]
    assert len(paper) == 6 and {t.name for t in paper} == {V.model_label(m) for m in V.PAPER_001_TABLE_IV}
    title = paper[0].legendgrouptitle.text  # the group says whose numbers these are
    assert all(t.legendgrouptitle.text == title for t in paper) and all(w in title for w in ("paper 001", "CIFAR-100",
                                                                                               "reference"))
    assert "ours" in dyn[0].legendgrouptitle.text
    assert all(t.line.dash == "dot" and t.line.color == P.PAPER_COLOR for t in paper)
    (pdyn,) = [t for t in paper if t.name.startswith("dynamic")]
    assert max(pdyn.y) == pytest.approx(62.26) and len(pdyn.x) == 10
    (shade,) = [t for t in fig.data if t.fill == "toself"]
    assert max(shade.x) == 10e6  # "no model fits" ends at the cheapest exit
    (marker,) = [t for t in fig.data if t.hoverinfo == "skip" and t.mode == "lines+text"]
    assert list(marker.x) == [27e6, 27e6] and "B = 27 M" in marker.text[-1]
    assert not fig.layout.annotations  # measured: no "not measured" note


def test_accuracy_vs_budget_without_results_shows_the_reference_and_says_not_measured():
    v = V.toc_view(COSTS, 25e6, "awgn", 0.0, "both", None)
    fig = v.figures["accuracy_vs_budget"]
    assert not [t for t in fig.data if t.legendgroup == "ours"]
    assert any("not measured" in a.text for a in fig.layout.annotations)
    costs = [t for t in fig.data if t.legendgroup == "costs"]
    assert sorted(t.x[0] for t in costs) == [25e6, 60e6]  # where the static models would start
    assert sorted(t.text[0] for t in costs) == ["20", "32"] and [t.showlegend for t in costs].count(True) == 1
    inv = V.toc_view(COSTS, "abc", "awgn", 0.0, "both", None).figures["accuracy_vs_budget"]
    assert not [t for t in inv.data if t.hoverinfo == "skip" and t.mode == "lines+text"]  # no B: no marker


def test_exit_histogram_planned_and_measured(measured):
    v = V.toc_view(COSTS, 20e6, "awgn", 0.0, "both", measured)
    fig = v.figures["exit_histogram"]
    planned, meas = fig.data
    assert planned.type == meas.type == "bar" and fig.layout.barmode == "group"
    assert planned.name == "planned Pr_k" and meas.name.startswith("measured")
    assert sum(planned.y) == pytest.approx(1) and sum(meas.y) == pytest.approx(1)
    assert list(planned.x) == ["exit 1<br>10.0 M", "exit 2<br>20.0 M", "exit 3<br>40.0 M"]
    row = measured[(measured.model == "dynamic") & (measured.budget == 20e6)].iloc[0]
    assert list(meas.y) == [row[f"exit_fraction_{k}"] for k in (1, 2, 3)]
    assert "B = 20 M" in fig.layout.title.text and tuple(fig.layout.yaxis.range) == (0, 1.05)
    # no trained model: the plan alone; below the cheapest exit: nothing, and it says so
    only_plan = V.toc_view(COSTS, 20e6, "awgn", 0.0).figures["exit_histogram"]
    assert [t.name for t in only_plan.data] == ["planned Pr_k"]
    below = V.toc_view(COSTS, 1e6, "awgn", 0.0).figures["exit_histogram"]
    assert not below.data and "no exit fits" in below.layout.annotations[0].text


def test_accuracy_per_exit(measured):
    v = V.toc_view(COSTS, 30e6, "awgn", 0.0, "both", measured)
    fig = v.figures["accuracy_per_exit"]
    bars, line = fig.data
    row = measured[(measured.model == "dynamic") & (measured.budget == 30e6)].iloc[0]
    expect = [None if math.isnan(row[f"exit_accuracy_{k}"]) else 100 * row[f"exit_accuracy_{k}"] for k in (1, 2, 3)]
    assert list(bars.y) == pytest.approx(expect) if None not in expect else list(bars.y) == expect
    np.testing.assert_allclose(line.y, [100 * row[f"all_exit_accuracy_{k}"] for k in (1, 2, 3)])
    assert line.y[2] > line.y[0]  # the toy model's later exits are more accurate
    assert tuple(fig.layout.yaxis.range) == (0, 100)
    empty = V.toc_view(COSTS, 30e6, "awgn", 0.0).figures["accuracy_per_exit"]
    assert not empty.data and "not measured" in empty.layout.annotations[0].text
