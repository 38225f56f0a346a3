"""The pages' view models (semcom_ui/views): what a page shows for a state of its controls, without Streamlit."""
import math

import pytest

from semcom_core.costs import compute as C
from semcom_ui.state import QueryState
from semcom_ui.views import costs as V


@pytest.fixture(scope="module")
def table():
    return C.cost_table("resnet18", 10, 64, 2)


def test_costs_view_readings_follow_the_cost_model(table):
    lat_args = (C.DEVICE_PRESETS[next(iter(C.DEVICE_PRESETS))], 1e12, 1e8, 32)
    v = V.costs_view(table, "SP-3", -3.0, "true", *lat_args)
    row = table[(table.split == "SP-3") & (table.convention == "true")].iloc[0]
    assert [m.label for m in v.metrics][:2] == ["Transmitter MACs", "Receiver MACs"]
    assert v.metrics[0].value == f"{row.tx_macs / 1e6:,.2f} M"
    nc = C.normalized_computation(row.tx_macs, row.rx_macs, row.unsplit_macs, 1e-3)
    assert v.metrics[2].value == f"{nc:.3f}"
    # the latency table is eqs. 1-4 for every split, and the note names its fastest split
    assert list(v.latency.split) == [f"SP-{i}" for i in range(7)]
    one = C.latency(row.tx_macs, row.rx_macs, row.z_elements, *lat_args)
    got = v.latency[v.latency.split == "SP-3"].iloc[0]
    assert math.isclose(got.total_s, one.total_s, rel_tol=1e-12)
    fastest = v.latency.loc[v.latency.total_s.idxmin()].split
    assert f"**{fastest}**" in v.latency_note


def test_costs_view_never_names_a_fastest_split_without_its_accuracy(table):
    lat_args = (1e9, 1e12, 1e6, 32)  # slow device, fast server, slow link
    acc = {f"SP-{i}": 0.1 * (i + 1) for i in range(7)}
    v = V.costs_view(table, "SP-2", -3.0, "true", *lat_args, split_accuracy=acc)
    fastest = v.latency.loc[v.latency.total_s.idxmin()].split
    assert f"{100 * acc[fastest]:.1f} %" in v.latency_note
    assert list(v.latency.accuracy) == [acc[s] for s in v.latency.split]
    bare = V.costs_view(table, "SP-2", -3.0, "true", *lat_args)
    assert "not measured" in bare.latency_note


def test_costs_view_rejects_a_non_finite_gamma(table):
    with pytest.raises(ValueError):
        V.costs_view(table, "SP-2", math.nan, "true", 1e9, 1e12, 1e6, 32)


@pytest.mark.parametrize("raw", ["nan", "inf", "-inf", "NaN"])
def test_query_state_ignores_non_finite_numbers(raw):
    q = QueryState({"lg": raw})
    assert q.get("lg", -3.0, cast=float, lo=-5.0, hi=0.0) == -3.0
    assert len(q.notices) == 1 and "lg" in q.notices[0]


def test_iot_view_reads_the_nearest_measured_row():
    from semcom_core.data.registry import DatasetError
    from semcom_ui.views import iot as IV
    table = IV.load_iot_table()
    v = IV.iot_table_view(table, "mnist", "complex_awgn", 1.1)
    grid = sorted(table[(table.dataset == "mnist") & (table.channel == "complex_awgn")].snr_db)
    nearest = min(grid, key=lambda s: abs(s - 1.1))
    assert v.snr_db == nearest and len(v.rows) == len(grid)
    row = v.rows[v.rows.snr_db == nearest].iloc[0]
    assert v.metrics[0].value == f"{row.learned_accuracy:.3f}" and v.metrics[1].value == f"{row.separation_accuracy:.3f}"
    assert f"{nearest:g} dB" in v.note
    with pytest.raises(DatasetError, match="no rows"):
        IV.iot_table_view(table, "mnist", "awgn", 0.0)  # "awgn" is real AWGN: paper 003's table has none
    with pytest.raises(ValueError):
        IV.iot_table_view(table, "mnist", "complex_awgn", math.nan)


@pytest.mark.parametrize("page,heading", [("home.py", "semcom-explorer"), ("explorer.py", "Split-inference"),
                                          ("costs.py", "Split costs"), ("iot.py", "Learned IoT"),
                                          ("toc.py", "Budgeted"), ("planner.py", "Planner")])
def test_every_page_file_runs_on_its_own(page, heading):
    """`streamlit run pages/<page>` works as `streamlit run app.py` does, and opens that page."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from semcom_ui.nav import PAGES_DIR
    at = AppTest.from_file(str(Path(PAGES_DIR) / page), default_timeout=300).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title][:1] and at.title[0].value.startswith(heading), [t.value for t in at.title]


def test_explorer_k_clamping_and_shannon_curve():
    from semcom_core.digital.link import label_channel_uses
    from semcom_ui.views import explorer as X
    assert X.k_for_model(64, None, 1024) == (64, None)
    k, warn = X.k_for_model(1024, None, 256)
    assert k == 256 and "256" in warn
    assert X.k_for_model(1024, 3072, 256) == (3072, None)  # SP-0 sends the image whatever k says
    curve = X.shannon_curve(10, 3072, [0.0, 10.0])
    assert curve.normalized_communication.tolist() == [2 * math.log2(10) / math.log2(1 + 10 ** (s / 10)) / 3072
                                                       for s in (0, 10)]
    assert curve.normalized_communication.iloc[0] > curve.normalized_communication.iloc[1]  # more SNR, fewer uses
    fading = X.shannon_curve(10, 3072, [0.0, 10.0], "rayleigh")  # the bound on the table's own channel
    assert fading.normalized_communication.tolist() == [2 * label_channel_uses(10, s, "rayleigh") / 3072 for s in (0, 10)]
    assert (fading.normalized_communication > curve.normalized_communication).all()  # fading carries less per use
    assert "ergodic" in X.shannon_caption("rayleigh") and "log2(1 + SNR)" in X.shannon_caption("awgn")


def test_explorer_headline_reads_table_and_cost_model(table):
    from semcom_core.eval.readings import AccuracyReading
    from semcom_ui.views import explorer as X
    cur = table[(table.split == "SP-4") & (table.convention == "true")].iloc[0]
    exact = AccuracyReading(0.9, 2000, "measured at 5 dB", True)
    h = X.headline(cur, exact, 5.0, "awgn", 64, 3072, 1e-3, "cifar10")
    assert [m.label for m in h.metrics] == ["Accuracy", "Normalized computation", "Normalized communication",
                                            "Transmitter MACs"]
    assert h.metrics[0].value == "90.00 %" and "95 % interval" in h.accuracy_note and h.latency_note is None
    assert h.metrics[2].value == f"{64 / 3072:.4g}"
    between = AccuracyReading(0.8, 2000, "interpolated between 3 and 5 dB", False)
    assert "Measure now" in X.headline(cur, between, 4.0, "awgn", 64, 3072, 1e-3, "cifar10").accuracy_note
    missing = X.headline(cur, None, 5.0, "awgn", 64, 3072, 1e-3, "cifar10", table_error="no table")
    assert missing.metrics[0].value == "—" and missing.metrics[0].help == "no table"
    timed = X.headline(cur, exact, 5.0, "awgn", 64, 3072, 1e-3, "cifar10", latency_presets=(1e9, 1e12, 1e6, 32))
    lat = C.latency(cur.tx_macs, cur.rx_macs, 64, 1e9, 1e12, 1e6, 32)
    assert timed.metrics[-1].value == f"{lat.total_s * 1e3:,.2f} ms" and "64 × 32 bits" in timed.latency_note
    with pytest.raises(ValueError):
        X.headline(cur, exact, math.nan, "awgn", 64, 3072, 1e-3, "cifar10")


def test_explorer_offers_the_backbones_something_is_shipped_for(tmp_path, monkeypatch):
    from semcom_ui.views import explorer as X
    monkeypatch.setenv("SEMCOM_PRETRAINED", str(tmp_path))
    assert X.offered_backbones("cifar10") == X.PAPER_BACKBONES  # nothing shipped: the cost views still work
    (tmp_path / "split").mkdir()
    (tmp_path / "split" / "resnet20_cifar10.json").write_text("{}")
    assert X.offered_backbones("cifar10") == ("resnet20",)
    (tmp_path / "split" / "sweep_resnet34_cifar10.csv").write_text("split\n")
    assert X.offered_backbones("cifar10") == ("resnet34", "resnet20")
    assert X.default_backbone(X.offered_backbones("cifar10"), "cifar10") == "resnet34"  # the one with a table


def test_a_reading_says_how_many_images_its_own_row_rests_on():
    import pandas as pd

    from semcom_core.eval.readings import accuracy_at
    t = pd.DataFrame([{"split": "SP-4", "k": 64, "channel": "awgn", "snr_db": s, "accuracy": a, "n": n}
                      for s, a, n in ((0.0, 0.80, 2000), (5.0, 0.87, 10000), (10.0, 0.88, 2000))])
    assert accuracy_at(t, "SP-4", 64, 5.0, "awgn").n == 10000  # the 10,000-image row, not the table's minimum
    assert accuracy_at(t, "SP-4", 64, 3.0, "awgn").n == 2000  # interpolated: the smaller of the two rows
    assert accuracy_at(t, "SP-4", 64, 30.0, "awgn").n == 2000


def test_budget_view_marks_split_points_by_their_transmitter_cost_at_the_k_in_use():
    from semcom_ui.views import explorer as X
    from semcom_core.costs.compute import cost_table
    splits = [f"SP-{i}" for i in range(7)]
    assert X.budget_view(cost_table("resnet18", 10, 64, 2), splits, "SP-4", None) is None  # no budget, no marks
    small, large = cost_table("resnet18", 10, 64, 2), cost_table("resnet18", 10, 1024, 2)
    tx = lambda t, s: float(t[(t.split == s) & (t.convention == "true")].tx_macs.item())  # noqa: E731
    b = (tx(small, "SP-1") + tx(large, "SP-1")) / 2  # SP-1's compressor grows with k: it fits at k = 64 only
    assert tx(small, "SP-1") < b < tx(large, "SP-1")
    v64, v1024 = X.budget_view(small, splits, "SP-1", b), X.budget_view(large, splits, "SP-1", b)
    assert v64.over["SP-1"] is None and v64.warning is None and "SP-2" in v64.caption
    assert v1024.over["SP-1"] and "SP-1 is over the transmitter budget" in v1024.warning and "SP-0" in v1024.warning
    assert [s for s in splits if not v64.over[s]] == ["SP-0", "SP-1"]  # cumulative transmitter cost
    assert X.budget_label("SP-1", v1024) == "SP-1 (over B)" and X.budget_label("SP-1", v64) == "SP-1"
    tiny = X.budget_view(small, splits, "SP-1", 5.0)  # 5 MACs: said with its own digits, not as 0 M
    assert "5e-06 M" in tiny.warning
