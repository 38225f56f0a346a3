"""The Planner page's "Analog vs digital" view model and its figures (issue 29), on toy tables."""
import math

import pandas as pd
import pytest

from semcom_core.digital import link as DL
from semcom_ui.views import planner as V

from .test_plan_digital import TOY_BLER, TOY_QUANT


def toy_sweep():
    return pd.DataFrame([{"split": "SP-1", "k": 16, "channel": "awgn", "snr_db": s, "accuracy": a, "n": 2000}
                         for s, a in ((-5.0, 0.3), (0.0, 0.66), (5.0, 0.86), (20.0, 0.89))])


def test_digital_view_curves_by_hand():
    q = TOY_QUANT.assign(float_accuracy=0.905, side_bits=16)
    v = V.digital_view(toy_sweep(), q, TOY_BLER, "SP-1", 16, 4, "awgn", 10.0, snrs=(0.0, 2.5, 3.0, 10.0))
    a = v.accuracy
    analog = a[a.series == "analog"]
    assert list(analog.snr_db) == [-5.0, 0.0, 5.0, 20.0] and list(analog.accuracy) == pytest.approx([30, 66, 86, 89])
    ldpc = a[a.series == "ldpc"].set_index("snr_db").accuracy
    # below the cliff a uniform guess (10 %), on it half the frames, above it the quantized accuracy
    assert ldpc[0.0] == pytest.approx(10.0) and ldpc[2.5] == pytest.approx(50.0) and ldpc[10.0] == pytest.approx(90.0)
    sh = a[a.series == "shannon"].set_index("snr_db").accuracy
    # 40 bits in 40 channel uses: an ideal code needs log2(1 + SNR) >= 1, i.e. SNR >= 0 dB
    assert sh[0.0] == pytest.approx(90.0) and sh[10.0] == pytest.approx(90.0)
    u = v.uses
    assert set(u[u.series == "analog"].channel_uses) == {8.0}  # ceil(16 / 2)
    assert set(u[u.series == "ldpc"].channel_uses) == {40.0}
    shu = u[u.series == "shannon"].set_index("snr_db").channel_uses
    assert shu[0.0] == pytest.approx(40.0) and shu[10.0] == pytest.approx(40 / math.log2(11))
    lab = u[u.series == "shannon_label"].set_index("snr_db").channel_uses
    assert lab[0.0] == pytest.approx(math.log2(10))
    assert v.cliff_db == 3.0
    assert "At 10 dB" in v.summary and "90.0 %" in v.summary
    assert {m.label for m in v.metrics} == {"Quantized, error-free bits", "Bits per image", "Analog uses", "LDPC uses",
                                          "LDPC cliff"}
    names = {t.name for t in v.figures["accuracy"].data}
    assert {"analog (measured, sweep table)", "digital, LDPC + QPSK (measured BLER)"} <= names
    assert "Shannon bound (label)" in {t.name for t in v.figures["uses"].data}
    assert v.figures["uses"].layout.yaxis.type == "log"


def test_shannon_step_sits_at_the_capacity_snr():
    q = TOY_QUANT.assign(bits_per_image=80.0)  # 80 bits in an 80-use frame: still 1 bit per use, 0 dB
    q.loc[q.bits == 4, "bits_per_image"] = 120.0  # 120 bits in 120 uses
    v = V.digital_view(toy_sweep(), q, TOY_BLER, "SP-1", 16, 4, "awgn", 5.0, snrs=(-5.0, -1.0, 1.0, 5.0))
    sh = v.accuracy[v.accuracy.series == "shannon"].set_index("snr_db").accuracy
    assert sh[-1.0] == pytest.approx(10.0) and sh[1.0] == pytest.approx(90.0)
    assert sh.index.min() == -5.0 and any(abs(s) < 0.01 for s in sh.index)  # the step is drawn at 0 dB


def test_shannon_step_on_rayleigh_sits_at_the_ergodic_capacity_snr():
    # 40 bits in a 40-use frame: 1 bit per use, 0 dB on AWGN but ~0.99 dB at Rayleigh's ergodic capacity
    sweep = toy_sweep().assign(channel="rayleigh")
    bler = TOY_BLER.assign(channel="rayleigh")
    v = V.digital_view(sweep, TOY_QUANT, bler, "SP-1", 16, 4, "rayleigh", 0.5, snrs=(-5.0, 0.5, 1.5, 5.0))
    sh = v.accuracy[v.accuracy.series == "shannon"].set_index("snr_db").accuracy
    assert sh[0.5] == pytest.approx(10.0) and sh[1.5] == pytest.approx(90.0)  # AWGN would deliver at 0.5 dB
    step = [s for s in sh.index if 0.9 < s < 1.1]
    assert step and sh[max(step)] == pytest.approx(90.0)
    cliff = next(m for m in v.metrics if m.label == "LDPC cliff")
    assert "Shannon (ergodic capacity) needs 0.99 dB" in cliff.help
    shu = v.uses[v.uses.series == "shannon"].set_index("snr_db").channel_uses
    assert shu[5.0] > 40 / math.log2(1 + 10 ** 0.5)  # fewer bits per use than on AWGN: more uses
    lab = v.uses[v.uses.series == "shannon_label"].set_index("snr_db").channel_uses  # the label's bound too
    assert lab[5.0] == pytest.approx(math.log2(10) / DL.capacity(5.0, "rayleigh")) and lab[5.0] > math.log2(10) / math.log2(
        1 + 10 ** 0.5)
    names = {t.name for t in v.figures["accuracy"].data} | {t.name for t in v.figures["uses"].data}
    assert any("Shannon (ergodic capacity)" in n for n in names)
    # AWGN keeps its names
    a = V.digital_view(toy_sweep(), TOY_QUANT, TOY_BLER, "SP-1", 16, 4, "awgn", 0.5, snrs=(-5.0, 0.5, 5.0))
    assert not any("ergodic" in t.name for t in a.figures["accuracy"].data)


def test_digital_view_refuses_what_is_not_measured():
    with pytest.raises(ValueError, match="not in the quantization table"):
        V.digital_view(toy_sweep(), TOY_QUANT, TOY_BLER, "SP-1", 16, 7)
    with pytest.raises(ValueError, match="rayleigh"):
        V.digital_view(toy_sweep(), TOY_QUANT, TOY_BLER, "SP-1", 16, 4, "rayleigh")


def test_digital_options_from_the_table():
    assert V.digital_options(TOY_QUANT) == {"SP-1": {16: (1, 4)}}


def test_digital_view_on_prebuilt_curves_equals_a_fresh_one():
    # the page builds the SNR-free curves once per (split, k, b, channel) and the view per SNR on them
    q = TOY_QUANT.assign(float_accuracy=0.905, side_bits=16)
    snrs = (0.0, 2.5, 3.0, 10.0)
    cv = V.digital_curves(toy_sweep(), q, TOY_BLER, "SP-1", 16, 4, "awgn", snrs=snrs)
    for snr in (10.0, 2.7, -4.0):
        a = V.digital_view(toy_sweep(), q, TOY_BLER, "SP-1", 16, 4, "awgn", snr, snrs=snrs, curves=cv)
        b = V.digital_view(toy_sweep(), q, TOY_BLER, "SP-1", 16, 4, "awgn", snr, snrs=snrs)
        assert a.summary == b.summary and a.metrics == b.metrics and a.cliff_db == b.cliff_db
        pd.testing.assert_frame_equal(a.accuracy, b.accuracy)
        pd.testing.assert_frame_equal(a.uses, b.uses)
        pd.testing.assert_frame_equal(a.table, b.table)
        assert a.figures["accuracy"].to_plotly_json() == b.figures["accuracy"].to_plotly_json()
