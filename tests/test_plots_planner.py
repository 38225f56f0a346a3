"""Figure properties of the Planner page's Pareto charts (semcom_ui.plots_planner), fed by the view model on the
toy world of tests/test_plan.py (figures known by hand)."""
import math

import pytest

from semcom_ui import plots_planner as P
from semcom_ui.views import planner as V

from .test_plan import TOY_LATENCY_MS, toy_plan


def by_name(fig, name):
    hits = [t for t in fig.data if t.name == name]
    assert len(hits) == 1, [t.name for t in fig.data]
    return hits[0]


@pytest.fixture(scope="module")
def view():
    return V.planner_view(toy_plan(min_accuracy=0.85))  # chosen SP-1 k=16; feasible SP-1 k16, SP-2 k4/k16, SP-3


def test_latency_chart_all_candidates_faint_front_highlighted(view):
    fig = view.figures["latency"]
    assert fig.layout.xaxis.type == "log" and "latency (ms" in fig.layout.xaxis.title.text
    assert tuple(fig.layout.yaxis.range) == (0, 100) and fig.layout.yaxis.title.text == "accuracy (%)"
    ok = by_name(fig, "candidates meeting every constraint")
    bad = by_name(fig, "candidates failing a constraint")
    assert len(ok.x) + len(bad.x) == 6 and len(bad.x) == 2  # every candidate drawn
    assert ok.marker.color == P.FAINT == bad.marker.color and bad.marker.symbol == "circle-open"
    front = by_name(fig, "Pareto front (feasible)")
    assert front.line.color == P.FRONT_COLOR and front.mode == "lines+markers"
    assert list(front.x) == sorted(front.x)  # drawn in order of latency
    assert list(front.text) == ["SP-1, k = 16", "SP-2, k = 4", "SP-2, k = 16", "SP-3, k = 10"]
    assert list(front.x) == pytest.approx([TOY_LATENCY_MS[k] for k in (("SP-1", 16), ("SP-2", 4), ("SP-2", 16),
                                                                       ("SP-3", 10))])
    assert list(front.y) == pytest.approx([86.0, 88.0, 90.0, 91.0])
    lo = [y - m for y, m in zip(front.y, front.error_y.arrayminus)]  # 95 % intervals as error bars
    hi = [y + p for y, p in zip(front.y, front.error_y.array)]
    assert all(a < y < b for a, y, b in zip(lo, front.y, hi))


def test_chosen_point_and_both_baselines_are_marked(view):
    fig = view.figures["latency"]
    chosen = by_name(fig, "chosen: SP-1, k = 16")
    assert chosen.marker.symbol == "star" and chosen.marker.color == P.CHOSEN_COLOR
    assert (chosen.x[0], chosen.y[0]) == pytest.approx((1.1609, 86.0))
    dev = by_name(fig, "all on the device")
    assert dev.marker.symbol == "diamond" and (dev.x[0], dev.y[0]) == pytest.approx((6.016, 92.0))  # the label: a 16-use codeword
    edge = by_name(fig, "all on the edge (SP-0)")  # fails the 85 % minimum: an open symbol
    assert edge.marker.symbol == "square-open" and edge.y[0] == pytest.approx(40.0)
    energy = view.figures["energy"]
    assert energy.layout.xaxis.type == "log" and "device energy per image (mJ" in energy.layout.xaxis.title.text
    assert by_name(energy, "chosen: SP-1, k = 16").x[0] == pytest.approx(1.016)
    assert by_name(energy, "all on the device").x[0] == pytest.approx(6.0016)


def test_the_limits_are_drawn_and_in_view():
    v = V.planner_view(toy_plan(min_accuracy=0.85, max_latency_s=1.1e-3, max_energy_j=2e-3))  # infeasible
    fig = v.figures["latency"]
    (acc_line,) = [t for t in fig.data if t.name == "minimum accuracy"]
    assert set(acc_line.y) == {85.0}
    (lat_line,) = [t for t in fig.data if t.name == "max 1.1 ms"]
    assert list(lat_line.x) == pytest.approx([1.1, 1.1])
    lo, hi = fig.layout.xaxis.range  # log10 units: every candidate, both baselines and the limit in view
    xs = [x for t in fig.data if t is not acc_line for x in (t.x or ()) if x is not None]
    assert 10 ** lo < min(xs) and 10 ** hi > max(xs)
    assert not [t for t in fig.data if t.name == "Pareto front (feasible)"]  # nothing feasible: no front
    assert not [t for t in fig.data if (t.name or "").startswith("chosen")]
    (e_line,) = [t for t in v.figures["energy"].data if t.name == "max 2 mJ"]
    assert list(e_line.x) == pytest.approx([2.0, 2.0])


def test_energy_chart_without_energy_figures_says_why():
    v = V.planner_view(toy_plan(energy=False, min_accuracy=0.85))
    fig = v.figures["energy"]
    assert not fig.data and "not computed" in fig.layout.annotations[0].text
    assert v.figures["latency"].data  # the latency chart is unaffected


def test_unknown_axis_is_refused(view):
    with pytest.raises(ValueError, match="axis"):
        P.pareto_figure(view.points, view.marks, "bits")
    assert math.isfinite(view.figures["latency"].layout.xaxis.range[0])


def test_toc_candidates_are_drawn_apart():
    from .test_plan_toc import toc_plan
    fig = V.planner_view(toc_plan(3.0, min_accuracy=0.89)).figures["latency"]
    ok = by_name(fig, "TOC models (paper 001) meeting every constraint")
    bad = by_name(fig, "TOC models (paper 001) failing a constraint")
    assert ok.marker.symbol == "triangle-up" and bad.marker.symbol == "triangle-up-open"
    assert ok.marker.color == P.TOC_FAINT != P.FAINT
    assert list(ok.text) == ["TOC dynamic (B = 20 M MACs), k = 16"] and len(bad.x) == 2
    assert len(by_name(fig, "candidates failing a constraint").x) == 6  # the toy split candidates: all below 89 %
    assert by_name(fig, "chosen: TOC dynamic (B = 20 M MACs), k = 16").marker.symbol == "star"


def test_a_dynamic_model_is_drawn_at_its_mean_with_a_whisker_to_its_worst_image():
    from .test_plan_toc import toc_plan
    v = V.planner_view(toc_plan(3.0))  # no limit: every TOC candidate meets every constraint
    for axis, mean, worst, unit in (("latency", 20.660005, 30.160006, "ms"), ("energy", 20.516, 30.016, "mJ")):
        fig = v.figures[axis]
        toc = by_name(fig, "TOC models (paper 001) meeting every constraint")
        i = list(toc.text).index("TOC dynamic (B = 20 M MACs), k = 16")
        assert toc.x[i] == pytest.approx(mean)  # the point: the mean per image
        assert toc.error_x.array[i] == pytest.approx(worst - mean) and toc.error_x.arrayminus[i] == 0  # to the worst
        assert f"worst image {worst:.4g} {unit}" in toc.customdata[i] and "mean per image" in toc.customdata[i]
        j = list(toc.text).index("TOC ResNet-20, k = 16")  # a static model: the same cost for every image
        assert toc.error_x.array[j] == 0 and toc.customdata[j] == ""
        assert 10 ** fig.layout.xaxis.range[1] > worst  # the whisker's end is in view
        split = by_name(fig, "candidates meeting every constraint")  # no candidate varies: no whisker at all
        assert split.error_x.array is None and set(split.customdata) == {""}
    assert "whisker" in V.CHART_WORST_CAPTION and "mean" in V.CHART_WORST_CAPTION
