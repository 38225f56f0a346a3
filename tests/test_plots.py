import numpy as np
import pandas as pd

from semcom_core import costs as C
from semcom_core import plots


def table():
    return C.cost_table("resnet18", 10, 64, 2, ("true",))


def test_normalized_computation_figure_values():
    t = table()
    g = np.array([1e-5, 1e-2, 1.0])
    fig = plots.normalized_computation_figure(t, 0.01, "SP-3", gammas=g)
    lines = [tr for tr in fig.data if tr.type == "scatter"]
    assert [tr.name for tr in lines] == list(t.split)
    for tr, r in zip(lines, t.itertuples()):
        expect = (r.tx_macs + g * r.rx_macs) / r.unsplit_macs
        np.testing.assert_allclose(tr.y, expect)
    widths = {tr.name: tr.line.width for tr in lines}
    assert widths["SP-3"] > widths["SP-2"]  # the current split is highlighted
    shapes = fig.layout.shapes
    assert any(s.type == "rect" and s.y0 == 1.0 for s in shapes)  # "splitting costs more" region
    # current gamma marked; shapes on a log axis are in log10 units (plotly.js), so log10(0.01) = -2
    assert fig.layout.xaxis.type == "log" and any(s.x0 == -2 and s.x1 == -2 for s in shapes)
    assert fig.layout.xaxis.type == "log"


def test_macs_and_latency_figures():
    t = table()
    fig = plots.macs_split_figure(t, "SP-2")
    tx, rx = fig.data
    np.testing.assert_allclose(np.array(tx.y) + np.array(rx.y), (t.tx_macs + t.rx_macs) / 1e6)
    parts = pd.DataFrame({"split": t.split, "tx_compute_s": 0.001, "air_s": 0.002, "rx_compute_s": 0.003})
    lat = plots.latency_figure(parts, "SP-4")
    assert [tr.name for tr in lat.data] == ["transmitter compute", "air time", "receiver compute"]
    np.testing.assert_allclose(lat.data[1].y, 2.0)  # milliseconds
