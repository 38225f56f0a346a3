"""The planner's analog-or-digital choice (issue 29, digital link) on a toy world worked out by hand, and the
CLI's mode on the shipped tables."""
import json
import math

import pandas as pd
import pytest

from semcom_core.cli import main as cli_main
from semcom_core.plan import Constraints, PlanInputs, plan
from semcom_core.plan.planner import load_quant, quant_path
from semcom_ui.views import planner as V

from .test_plan import TOY_COSTS, TOY_UNSPLIT, toy_plan, toy_table

# Quantized SP-1, k = 16 at 4 bits: 90 % with error-free bits (n = 2,000, interval 88.6-91.2 %), 40 bits per image.
TOY_QUANT = pd.DataFrame([
    {"backbone": "resnet18", "dataset": "cifar10", "split": "SP-1", "k": 16, "bits": 4, "accuracy": 0.90,
     "ci_low": 0.886, "ci_high": 0.912, "bits_per_image": 40.0, "n": 2000},
    {"backbone": "resnet18", "dataset": "cifar10", "split": "SP-1", "k": 16, "bits": 1, "accuracy": 0.50,
     "ci_low": 0.48, "ci_high": 0.52, "bits_per_image": 12.0, "n": 2000},
    {"backbone": "resnet18", "dataset": "cifar10", "split": "SP-1", "k": 16, "bits": 32, "accuracy": 0.905,
     "ci_low": 0.89, "ci_high": 0.92, "bits_per_image": 512.0, "n": 2000},  # the float row: never a candidate
])
# Every frame lost below 2 dB, none from 3 dB (linear in between), for every codeword size.
TOY_BLER = pd.DataFrame([{"channel": "awgn", "info_bits": size, "snr_db": s, "bler": b}
                         for size in (16, 2048) for s, b in ((0.0, 1.0), (2.0, 1.0), (3.0, 0.0), (20.0, 0.0))])


def digital_plan(snr, modes=("analog", "digital"), link="ldpc", objective="latency", **cons):
    # Link 1e6 bit/s; analog at 10 bits per number (SP-1, k = 16: 160 bits = 160 µs); device 1 ns per MAC.
    inp = PlanInputs(2e9, 2e12, 1e6, snr, bits_per_number=10, constraints=Constraints(**cons), objective=objective,
                     energy_per_mac_j=1e-9, energy_per_bit_j=1e-7, modes=modes, digital_link=link)
    return plan(inp, table=toy_table(), costs=lambda sp, k: TOY_COSTS[(sp, k)], unsplit=TOY_UNSPLIT,
                num_classes=10, quant=TOY_QUANT, bler=TOY_BLER)


def test_digital_candidates_by_hand():
    p = digital_plan(10.0)
    dig = {c.bits_per_number: c for c in p.candidates if c.mode == "digital"}
    assert set(dig) == {1, 4}  # the float row is no candidate
    c = dig[4]
    assert (c.split, c.k, c.label) == ("SP-1", 16, "SP-1, k = 16, 4-bit digital")
    assert c.accuracy == pytest.approx(0.90) and c.accuracy_interval == pytest.approx((0.886, 0.912))
    # 40 bits in one LDPC frame of 40 information bits = 40 channel uses at 1e6 per second: 40 µs
    assert c.air_s == pytest.approx(40e-6) and c.extra["complex_channel_uses"] == 40
    assert c.latency_s == pytest.approx(1e-3 + 40e-6 + 0.9e-6)
    assert c.energy_j == pytest.approx(1e6 * 1e-9 + 40 * 1e-7)
    assert dig[1].extra["complex_channel_uses"] == 16  # 12 bits: padded to the shortest codeword, 16 bits
    assert len([c for c in p.candidates if c.mode == "analog"]) == len(TOY_COSTS)


def test_digital_wins_at_high_snr_under_a_tight_latency():
    # 10 dB: analog SP-1 k = 16 reads 87 % (< 89 %), the accurate analog candidates need >= 5 ms (> 2 ms);
    # digital SP-1 k = 16 at 4 bits: 90 %, 1.04 ms
    p = digital_plan(10.0, min_accuracy=0.89, max_latency_s=2e-3)
    assert (p.choice.split, p.choice.k, p.choice.mode, p.choice.bits_per_number) == ("SP-1", 16, "digital", 4)
    assert p.reason.startswith("SP-1, k = 16, 4-bit digital: 90.0 %")
    assert p.to_dict()["choice"]["mode"] == "digital"
    rec = V.recommendation(p)
    assert "digitally" in rec and "4 bits" in rec and "40 bits per image" in rec
    # analog only: nothing meets both
    assert digital_plan(10.0, modes=("analog",), min_accuracy=0.89, max_latency_s=2e-3).choice is None


def test_analog_wins_below_the_ldpc_cliff():
    # 0 dB: every frame is lost, the digital candidates fall to chance (10 %); analog SP-1 k = 16 reads 66 %
    p = digital_plan(0.0, min_accuracy=0.6, max_latency_s=2e-3)
    dig = [c for c in p.candidates if c.mode == "digital"]
    assert dig and all(c.accuracy == pytest.approx(0.1) for c in dig)
    assert (p.choice.split, p.choice.k, p.choice.mode) == ("SP-1", 16, "analog")
    assert "as **analog** symbols" in V.recommendation(p)
    assert p.to_dict()["choice"]["mode"] == "analog"
    # the same at 0 dB with an ideal code at Shannon capacity: the bits arrive (in more channel uses), digital wins
    s = digital_plan(0.0, link="shannon", min_accuracy=0.6, max_latency_s=2e-3)
    assert s.choice.mode == "digital" and s.choice.accuracy == pytest.approx(0.90)
    assert s.choice.extra["complex_channel_uses"] == pytest.approx(40.0)  # log2(1 + 1) = 1 bit per use


def test_on_the_cliff_the_frame_loss_is_interpolated_and_said_so():
    p = digital_plan(2.5)
    c = next(c for c in p.candidates if c.mode == "digital" and c.bits_per_number == 4)
    assert c.extra["frame_loss"] == pytest.approx(0.5)
    assert c.accuracy == pytest.approx(0.90 * 0.5 + 0.1 * 0.5) and not c.accuracy_measured
    assert "interpolated" in c.accuracy_how
    # the message counts it; the 1-bit candidate (12 bits: one 16-bit codeword) at 2.5 dB is between SNRs too
    assert V.interpolated_readings(p.candidates)[1] == 2


def test_at_a_measured_grid_point_the_frame_loss_is_measured_and_not_called_interpolated():
    # 3 dB is a measured SNR; the 1-bit candidate's frame is one 16-bit codeword, a measured size
    p = digital_plan(3.0)
    dig = {c.bits_per_number: c for c in p.candidates if c.mode == "digital"}
    c = dig[1]
    assert c.extra["frame_loss"] == 0.0 and c.accuracy_measured
    assert "interpolated" not in c.accuracy_how and "measured block error rate" in c.accuracy_how
    # the 4-bit frame is one 40-bit codeword: between the measured sizes 16 and 2,048, so interpolated
    assert not dig[4].accuracy_measured and "interpolated" in dig[4].accuracy_how
    assert V.interpolated_readings(p.candidates)[1] == 1
    # a filled (not decoded) row is not a measurement either
    filled = TOY_BLER.assign(measured=TOY_BLER.snr_db < 20.0)
    inp = PlanInputs(2e9, 2e12, 1e6, 20.0, bits_per_number=10, energy_per_mac_j=1e-9, energy_per_bit_j=1e-7,
                     modes=("digital",), digital_link="ldpc")
    q = plan(inp, table=toy_table(), costs=lambda sp, k: TOY_COSTS[(sp, k)], unsplit=TOY_UNSPLIT, num_classes=10,
             quant=TOY_QUANT, bler=filled)
    c = next(c for c in q.candidates if c.bits_per_number == 1)
    assert c.extra["frame_loss"] == 0.0 and not c.accuracy_measured


def test_shannon_candidates_are_modelled_not_measured():
    for snr in (0.0, 3.0, 10.0):
        p = digital_plan(snr, link="shannon")
        dig = [c for c in p.candidates if c.mode == "digital"]
        assert dig and all(not c.accuracy_measured and "modelled" in c.accuracy_how
                           and "interpolated" not in c.accuracy_how for c in dig)
        assert V.interpolated_readings(p.candidates)[1] == 0  # no LDPC frame loss to interpolate


def test_shannon_on_rayleigh_uses_the_ergodic_capacity():
    from semcom_core.digital import link as DL
    table = toy_table().assign(channel="rayleigh")
    inp = PlanInputs(2e9, 2e12, 1e6, 0.0, channel="rayleigh", bits_per_number=10, energy_per_mac_j=1e-9,
                     energy_per_bit_j=1e-7, modes=("digital",), digital_link="shannon")
    p = plan(inp, table=table, costs=lambda sp, k: TOY_COSTS[(sp, k)], unsplit=TOY_UNSPLIT, num_classes=10,
             quant=TOY_QUANT, bler=TOY_BLER.assign(channel="rayleigh"))
    c = next(c for c in p.candidates if c.bits_per_number == 4)
    # 40 bits at 0 dB: the ergodic capacity e E1(1) / ln 2 = 0.860 bits per use, not AWGN's 1
    assert c.extra["complex_channel_uses"] == pytest.approx(40 / DL.capacity(0.0, "rayleigh"))
    assert c.extra["complex_channel_uses"] == pytest.approx(46.49, abs=0.01)
    assert "Shannon (ergodic capacity)" in c.accuracy_how and "0.86 bits per channel use" in c.accuracy_how


def test_digital_only_keeps_the_baselines_and_the_choice_is_digital():
    p = digital_plan(10.0, modes=("digital",))
    assert {c.mode for c in p.candidates} == {"digital"}
    assert p.baselines["all_on_edge"] is not None and p.baselines["all_on_edge"].split == "SP-0"
    assert p.choice.mode == "digital"
    # the explorer shows analog accuracy and air time: the link to it says it opens that view, not this choice
    v = V.planner_view(p, build_figures=False)
    assert v.explorer_params["split"] == p.choice.split and v.explorer_params["k"] == str(p.choice.k)
    assert v.explorer_label.startswith(f"Open the split explorer at {p.choice.split}, k = {p.choice.k}: its analog view")
    assert "bit" not in v.explorer_label.split(":")[0]  # not "4-bit digital": the explorer does not show that
    analog = V.planner_view(digital_plan(10.0, modes=("analog",)), build_figures=False)
    assert analog.explorer_label == f"Open the split explorer at {analog.choice_label}"


def test_bad_modes_are_refused():
    with pytest.raises(ValueError):
        PlanInputs(1e9, 1e9, 1e6, 5.0, modes=("smoke",))
    with pytest.raises(ValueError):
        PlanInputs(1e9, 1e9, 1e6, 5.0, digital_link="pigeon")
    with pytest.raises(ValueError):
        PlanInputs(1e9, 1e9, 1e6, 5.0, digital_bits=(9,))


needs_quant = pytest.mark.skipif(not quant_path("resnet18", "cifar10").is_file(),
                                 reason="the ResNet-18 quantization table is not shipped")


@needs_quant
def test_cli_plan_json_includes_the_mode(capsys):
    assert cli_main(["plan", "--backbone", "resnet18", "--device", "pi 4", "--edge", "a100", "--link", "lte",
                     "--snr", "10", "--mode", "both", "--json", "--all"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["inputs"]["modes"] == ["analog", "digital"]
    assert out["choice"]["mode"] in ("analog", "digital")
    modes = {c["mode"] for c in out["candidates"]}
    assert modes == {"analog", "digital"}
    q = load_quant("resnet18", "cifar10")
    assert sum(c["mode"] == "digital" for c in out["candidates"]) == int(((q.bits >= 1) & (q.bits <= 8)).sum())


def test_to_dict_says_separately_how_the_accuracy_was_read_and_what_the_link_figure_is():
    """`accuracy_interpolated` is about the table reading across SNR only: a Shannon candidate's accuracy is the
    quantized accuracy measured with error-free bits (no SNR to interpolate) through a modelled link; an LDPC
    candidate on the cliff reads its frame loss between measured block error rates; an analog reading outside
    the measured SNRs is the nearest one, not an interpolation."""
    c = next(c for c in digital_plan(10.0, link="shannon").candidates if c.digital).to_dict()
    assert c["accuracy_interpolated"] is False and c["accuracy_reading"] == "measured"
    assert c["link_figure"] == "modelled" and c["link_modelled"] is True and c["link_measured"] is False
    assert c["accuracy_measured"] is False
    c = next(c for c in digital_plan(2.5).candidates if c.digital and c.bits_per_number == 4).to_dict()
    assert c["accuracy_interpolated"] is False and c["link_figure"] == "interpolated"
    assert c["link_measured"] is False and c["link_modelled"] is False and c["accuracy_measured"] is False
    # the 1-bit frame (12 bits, padded to a 16-bit codeword) at 20 dB: a decoded grid point
    c = next(c for c in digital_plan(20.0).candidates if c.digital and c.bits_per_number == 1).to_dict()
    assert c["link_figure"] == "measured" and c["link_measured"] is True and c["accuracy_measured"] is True
    analog = {(c.split, c.k, snr): c.to_dict() for snr in (2.5, 20.0, 5.0)
              for c in digital_plan(snr).candidates if not c.digital}
    assert analog[("SP-1", 16, 2.5)]["accuracy_interpolated"] is True
    assert analog[("SP-1", 16, 2.5)]["accuracy_reading"] == "interpolated"
    assert analog[("SP-1", 16, 20.0)]["accuracy_interpolated"] is False
    assert analog[("SP-1", 16, 20.0)]["accuracy_reading"] == "nearest"
    assert analog[("SP-1", 16, 5.0)]["link_figure"] == "in_accuracy" and analog[("SP-1", 16, 5.0)]["accuracy_measured"]
    # all on the device: the label (4 bits, one 16-bit codeword) through the same measured LDPC link
    dev = digital_plan(20.0).baselines["all_on_device"].to_dict()
    assert dev["link_figure"] == "measured" and dev["accuracy_measured"] is True and dev["family"] == "unsplit"
    dev = digital_plan(5.0).baselines["all_on_device"].to_dict()
    assert dev["link_figure"] == "interpolated" and dev["accuracy_measured"] is False
    assert toy_plan().baselines["all_on_device"].to_dict()["link_figure"] == "assumed"  # no block error rates given


def test_the_label_of_all_on_the_device_is_lost_as_often_as_a_frame_of_the_same_link():
    ok, cliff, gone = (digital_plan(s).baselines["all_on_device"] for s in (20.0, 2.5, 0.0))
    assert ok.accuracy == pytest.approx(0.92) and "lost with probability 0 at 20 dB" in ok.accuracy_how  # the toy card's 92 %
    # TOY_BLER at 2.5 dB: half the frames lost; a lost label is a uniform guess (1 in 10)
    assert cliff.accuracy == pytest.approx(0.92 * 0.5 + 0.1 * 0.5) and "lost with probability 0.5 at 2.5 dB" in cliff.accuracy_how
    lo, hi = cliff.accuracy_interval
    assert lo < cliff.accuracy < hi and hi - lo == pytest.approx(0.5 * (ok.accuracy_interval[1] - ok.accuracy_interval[0]))
    assert gone.accuracy == pytest.approx(0.1)  # every label lost: chance
    assert "the label, 4 bits, sent in one LDPC + QPSK frame of 16 bits (16 channel uses)" in gone.accuracy_how
    # its air time and energy are those of the frame, as for a digital candidate: 16 channel uses at 1e6 per second
    assert ok.air_s == cliff.air_s == pytest.approx(16 / 1e6) and ok.bits == 16
    assert ok.energy_j == pytest.approx(6_000_000 * 1e-9 + 16 * 1e-7)
    shannon = digital_plan(20.0, link="shannon").baselines["all_on_device"]  # the ideal link: error-free, modelled
    assert shannon.accuracy == pytest.approx(0.92) and shannon.link_figure == "modelled"
    assert shannon.air_s == pytest.approx(4 / math.log2(1 + 100) / 1e6) and not shannon.accuracy_measured


def test_a_candidate_cannot_claim_a_measurement_it_does_not_have():
    from semcom_core.plan import Candidate
    with pytest.raises(ValueError, match="not measured"):
        Candidate("SP-1", 16, 0.9, 0.0, 0.0, 0.0, 0, accuracy_reading="interpolated")
    with pytest.raises(ValueError, match="not measured"):
        Candidate("SP-1", 16, 0.9, 0.0, 0.0, 0.0, 0, mode="digital", bits_per_number=4, link_figure="modelled")
    with pytest.raises(ValueError, match="accuracy_reading"):
        Candidate("SP-1", 16, 0.9, 0.0, 0.0, 0.0, 0, accuracy_reading="guessed")


def test_digital_candidates_exactly_where_the_quantization_table_has_rows():
    p = digital_plan(10.0)
    assert {(c.split, c.k, c.bits_per_number) for c in p.candidates if c.digital} == {("SP-1", 16, 1), ("SP-1", 16, 4)}
    (note,) = [n for n in p.notes if n.startswith("Digital")]
    # the toy sweep table has 6 (split, k); the quantization table measures SP-1, k = 16 only
    assert "only at SP-1 at k = 16 (b = 1, 4)" in note and "2 digital candidates" in note
    assert "the other 5 (split, k) of the sweep table are not measured digitally and are offered as analog only" in note
    assert "so they are no candidates" in next(n for n in digital_plan(10.0, modes=("digital",)).notes
                                               if n.startswith("Digital"))
    assert "Digital" in " ".join(p.to_dict()["notes"])


def test_without_a_quantization_table_digital_is_said_not_measured_never_invented():
    def plan34(modes):
        inp = PlanInputs(2e9, 2e12, 1e6, 10.0, backbone="resnet34", bits_per_number=10, modes=modes,
                         constraints=Constraints(min_accuracy=0.5))
        assert not quant_path("resnet34", "cifar10").is_file()  # ResNet-34 has no quantization table
        return plan(inp, table=toy_table(), costs=lambda sp, k: TOY_COSTS[(sp, k)], unsplit=TOY_UNSPLIT,
                    num_classes=10, bler=TOY_BLER)
    p = plan34(("analog", "digital"))
    assert p.candidates and not any(c.digital for c in p.candidates) and p.choice is not None
    assert any("Digital not measured for resnet34" in n and "every candidate is analog" in n for n in p.notes)
    p = plan34(("digital",))
    assert not p.candidates and p.choice is None
    assert p.reason.startswith("no candidate: Digital not measured for resnet34")
    assert V.recommendation(p).startswith("No candidate to plan: Digital not measured for resnet34")


def test_the_frame_loss_curve_equals_the_lookup_at_every_snr():
    from semcom_core.digital import link as DL
    snrs = [x / 2 for x in range(-10, 41)]
    tables = [TOY_BLER]
    if (DL.Path(__file__).resolve().parent.parent / "pretrained" / "split" / DL.BLER_FILE).is_file():
        tables.append(DL.load_bler())
    for bler in tables:
        for payload in (12.0, 40.0, 500.0, 2100.0):
            curve = DL.frame_bler_curve(bler, payload, snrs, "awgn")
            assert list(curve) == pytest.approx([DL.frame_bler(bler, payload, s, "awgn") for s in snrs], abs=1e-12)


def test_the_planners_per_plan_frame_loss_equals_the_lookup_value_and_flag():
    # the planner reads the BLER table once per plan (`frame_loss_at`); it must give `frame_bler_lookup`'s loss and
    # its "measured" flag for every payload, at grid SNRs (measured and filled rows) and between them
    from semcom_core.digital import link as DL
    from semcom_core.plan.planner import frame_loss_at
    tables = [TOY_BLER, TOY_BLER.assign(measured=[True, False] * (len(TOY_BLER) // 2))]
    if (DL.Path(__file__).resolve().parent.parent / "pretrained" / "split" / DL.BLER_FILE).is_file():
        tables.append(DL.load_bler())
    for bler in tables:
        for channel in sorted(set(bler.channel)):
            snrs = sorted(set(float(x) for x in bler[bler.channel == channel].snr_db)) + [-7.0, 0.25, 2.5, 4.75, 31.0]
            for snr in snrs:
                lookup = frame_loss_at(bler, snr, channel)
                for payload in (1.0, 12.0, 40.0, 333.3, 500.0, 1024.0, 2100.0, 9000.0, 40000.0):
                    loss, measured = lookup(payload)
                    ref_loss, ref_measured = DL.frame_bler_lookup(bler, payload, snr, channel)
                    assert loss == pytest.approx(ref_loss, abs=1e-12) and measured == ref_measured, (snr, payload)
    # no table, or no rows for the channel: no lookup (the LDPC frame's loss is unknown, not zero)
    assert frame_loss_at(None, 5.0, "awgn") is None
    assert frame_loss_at(TOY_BLER[TOY_BLER.channel != "rayleigh"], 5.0, "rayleigh") is None


def test_digital_coverage_note_follows_the_digital_bits_filter():
    def note(bits):
        inp = PlanInputs(2e9, 2e12, 1e6, 10.0, bits_per_number=10, modes=("analog", "digital"), digital_bits=bits)
        p = plan(inp, table=toy_table(), costs=lambda sp, k: TOY_COSTS[(sp, k)], unsplit=TOY_UNSPLIT,
                 num_classes=10, quant=TOY_QUANT, bler=TOY_BLER)
        return next(n for n in p.notes if "igital" in n), sum(c.digital for c in p.candidates)
    # b = 4 only: one candidate, and the note says b = 4 (not the table's 1 and 4)
    text, n = note((4,))
    assert n == 1 and "(b = 4)" in text and "1 digital candidates" in text
    # b = 8 is not measured: no candidate, said so, not blamed on missing block error rates
    text, n = note((8,))
    assert n == 0 and text.startswith("No digital candidate: no measured b among --digital-bits (8)")
    assert "block error rates" not in text and "b = 1, 4" in text


def test_quantize_sweep_into_an_existing_table_replaces_only_the_rows_it_measured(tmp_path, monkeypatch):
    """Re-measuring one split (after it was retrained) must not drop the other splits' rows from the shipped
    table: the new rows take the place of the rows of the same (split, k, bits), the rest stay, in order."""
    from semcom_core.plan import measure
    from semcom_core.plan.measure import merge_rows

    def row(sp, k, b, acc):
        return {"split": sp, "k": k, "bits": b, "scale": "vector", "accuracy": acc}
    table = pd.DataFrame([row("SP-2", 4, 1, 0.1), row("SP-3", 4, 1, 0.2), row("SP-2", 4, 8, 0.3),
                          row("SP-4", 4, 8, 0.4)])
    new = pd.DataFrame([{**row("SP-2", 4, 8, 0.5), "scale": "fixed"}, row("SP-2", 4, 1, 0.6),
                        row("SP-2", 8, 1, 0.7)])
    merged = merge_rows(table, new)
    assert merged.accuracy.tolist() == [0.6, 0.2, 0.5, 0.4, 0.7]  # in place; a new key at the end
    assert merged.scale.tolist()[2] == "fixed" and len(table) == 4  # the whole row replaced; input untouched

    out = tmp_path / "quant.csv"
    table.to_csv(out, index=False)
    seen = {}

    def fake_sweep(dataset, backbone, splits, ks, bits, n, n_fit, seed, out):  # writes row by row, as the real one
        seen["out"] = out
        df = new[new.split.isin(splits)]
        df.to_csv(out, index=False)
        return df
    monkeypatch.setattr(measure, "quantize_sweep", fake_sweep)
    args = ["digital", "quantize-sweep", "--splits", "SP-2", "--out", str(out)]
    assert cli_main(args) == 0
    assert seen["out"] != out and not seen["out"].exists()  # rows went to a side file, removed at the end
    assert pd.read_csv(out).accuracy.tolist() == [0.6, 0.2, 0.5, 0.4, 0.7]
    assert cli_main([*args, "--replace"]) == 0 and pd.read_csv(out).accuracy.tolist() == [0.5, 0.6, 0.7]


def test_a_quantize_sweep_that_stops_midway_keeps_its_rows_and_the_table(tmp_path, monkeypatch):
    from semcom_core.plan import measure
    out = tmp_path / "quant.csv"
    pd.DataFrame([{"split": "SP-3", "k": 4, "bits": 1, "accuracy": 0.2},
                  {"split": "SP-2", "k": 4, "bits": 1, "accuracy": 0.1}]).to_csv(out, index=False)

    def stops(dataset, backbone, splits, ks, bits, n, n_fit, seed, out):
        pd.DataFrame([{"split": "SP-2", "k": 4, "bits": 1, "accuracy": 0.6}]).to_csv(out, index=False)
        raise KeyboardInterrupt  # Ctrl-C after one row
    monkeypatch.setattr(measure, "quantize_sweep", stops)
    assert cli_main(["digital", "quantize-sweep", "--splits", "SP-2", "--out", str(out)]) == 130
    assert pd.read_csv(out).accuracy.tolist() == [0.2, 0.6] and list(tmp_path.iterdir()) == [out]
