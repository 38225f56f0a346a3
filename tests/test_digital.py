"""The digital link (issue 29): quantizer, entropy coder round trip, link arithmetic, measured tables."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from semcom_core.channels.core import complex_channel_uses
from semcom_core.digital import link as L
from semcom_core.digital import quantize as Q


def _z(n=200, k=64, seed=0):
    """Non-negative, power-normalized vectors like the split transmitter's (ReLU + GAP, ||z||^2 = k)."""
    rng = np.random.default_rng(seed)
    z = np.maximum(rng.normal(0.5, 1.0, (n, k)), 0).astype(np.float32)
    return z * np.sqrt(k) / np.linalg.norm(z, axis=1, keepdims=True)


@pytest.mark.parametrize("b", [1, 2, 5, 8])
def test_quantize_levels_and_error_bound(b):
    z = _z()
    s = Q.vector_scale(z)
    q = Q.quantize(z, b, s)
    assert q.min() >= 0 and q.max() <= 2 ** b - 1
    z_hat = Q.dequantize(q, b, s)
    step = s[:, None] / (2 ** b - 1)
    assert np.all(np.abs(z_hat - z) <= step / 2 + 1e-5)  # mid-tread: error at most half a step, no clipping
    assert (s >= z.max(1)).all()  # the float16 scale is rounded up: never clips


def test_quantize_rejects_bits_out_of_range():
    with pytest.raises(ValueError):
        Q.quantize(_z(), 0, 1.0)
    with pytest.raises(ValueError):
        Q.quantize(_z(), 9, 1.0)


def test_more_bits_less_error():
    z = _z()
    s = Q.vector_scale(z)
    errs = [Q.sqnr_db(z, Q.dequantize(Q.quantize(z, b, s), b, s)) for b in range(1, 9)]
    assert all(b > a for a, b in zip(errs, errs[1:]))
    assert errs[-1] > 40  # 8 bits: ~6 dB per bit


def test_fixed_scale_fit_on_the_fitting_set_beats_the_maximum_at_few_bits():
    z = _z(500)
    c = Q.fit_fixed_scale(z, 2)
    mse_fit = np.mean((Q.dequantize(Q.quantize(z, 2, c), 2, c) - z) ** 2)
    cmax = float(z.max())
    mse_max = np.mean((Q.dequantize(Q.quantize(z, 2, cmax), 2, cmax) - z) ** 2)
    assert c < cmax and mse_fit < mse_max


@pytest.mark.parametrize("b", [1, 3, 8])
def test_entropy_coding_round_trip_is_exact(b):
    z_fit, z_test = _z(300, 64, 1), _z(50, 64, 2)
    probs = Q.fit_model(Q.quantize(z_fit, b, Q.vector_scale(z_fit)), b)
    assert probs.shape == (2 ** b,) and abs(probs.sum() - 1) < 1e-12 and (probs > 0).all()
    q = Q.quantize(z_test, b, Q.vector_scale(z_test))
    for row in q:
        words = Q.encode(row, probs)
        assert np.array_equal(Q.decode(words, len(row), probs), row)
    coded = Q.code_all(q, b, probs, Q.SIDE_BITS["vector"])
    assert coded.exact
    # what is sent: flag + min(length header + ANS words, raw) + side info; ANS within two words of the
    # information content
    header = Q.length_bits(64, b)
    assert header == {1: 2, 3: 3, 8: 5}[b]  # enough for ceil(64 b / 32) = 2, 6, 16 words
    assert np.all(coded.bits == 1 + np.minimum(header + coded.ans_bits, 64 * b) + 16)
    assert np.all(coded.ans_bits >= coded.ideal_bits - 1e-6) and np.all(coded.ans_bits <= coded.ideal_bits + 64)


def test_entropy_coding_compresses_a_skewed_source():
    rng = np.random.default_rng(0)
    q = (rng.random((100, 256)) < 0.05).astype(np.uint8)  # 1 bit per number, mostly zeros: entropy 0.29 bit
    probs = Q.fit_model(q, 1)
    coded = Q.code_all(q, 1, probs, 0)
    assert coded.exact and coded.bits.mean() < 0.5 * 256


def test_a_symbol_never_seen_in_fitting_still_codes():
    probs = Q.fit_model(np.zeros((10, 8), np.uint8), 3)  # only zeros seen
    row = np.array([7, 0, 3, 0, 0, 1, 7, 7], np.uint8)
    assert np.array_equal(Q.decode(Q.encode(row, probs), 8, probs), row)


# ----------------------------------------------------------------------------- link
def test_shannon_channel_uses():
    assert L.shannon_channel_uses(100, 10 * math.log10(3)) == pytest.approx(50.0)  # log2(1 + 3) = 2 bits per use
    assert L.shannon_channel_uses(100, 0.0) == pytest.approx(100.0)


def test_ldpc_frames_and_channel_uses():
    assert L.codewords(5) == (1, L.MIN_CODEWORD_BITS)
    assert L.codewords(2048) == (1, 2048)
    assert L.codewords(2049) == (2, 1025)
    assert L.ldpc_channel_uses(700) == 700  # one information bit per complex channel use at rate 1/2
    assert L.ldpc_channel_uses(2049) == 2050
    assert complex_channel_uses(64) == 32 and complex_channel_uses(1) == 1  # the analog count, reused


def _toy_bler():
    rows = []
    for size, cliff in ((16, 4.0), (256, 2.0)):
        for s in (0.0, 1.0, 2.0, 3.0, 4.0, 5.0):
            rows.append({"channel": "awgn", "info_bits": size, "snr_db": s, "bler": 1.0 if s < cliff else 0.0})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("snr_db", [-10.0, 0.0, 5.0, 10.0, 20.0])
def test_rayleigh_ergodic_capacity_matches_monte_carlo_and_is_below_awgn(snr_db):
    rho = 10.0 ** (snr_db / 10.0)
    h2 = np.random.default_rng(1).exponential(1.0, 1_000_000)  # |h|^2 of unit-power Rayleigh fading
    mc = float(np.mean(np.log2(1.0 + h2 * rho)))
    c = L.capacity(snr_db, "rayleigh")
    assert c == pytest.approx(mc, rel=1e-2)
    assert L.capacity(snr_db, "rayleigh_fast") == c
    assert c < L.capacity(snr_db, "awgn") == pytest.approx(math.log2(1 + rho))
    assert L.capacity(snr_db, "complex_awgn") == L.capacity(snr_db, "awgn")
    assert L.shannon_channel_uses(100, snr_db, "rayleigh") == pytest.approx(100 / c)


def test_ergodic_capacity_closed_form_and_inverse():
    # e^(1/rho) E1(1/rho) / ln 2 at rho = 1: e * E1(1) = 0.596347362323194 (E1(1) = 0.219383934395520)
    assert L.capacity(0.0, "rayleigh") == pytest.approx(0.596347362323194 / math.log(2), rel=1e-12)
    # the series (x <= 1) and the continued fraction (x > 1) agree at their seam
    assert L._exp_e1(1.0 - 1e-9) == pytest.approx(L._exp_e1(1.0 + 1e-9), rel=1e-8)
    # 1 bit per channel use: 0 dB on AWGN, about 1.0 dB on Rayleigh (fading costs ~1 dB here)
    assert L.capacity_snr_db(1.0, "awgn") == pytest.approx(0.0, abs=1e-12)
    need = L.capacity_snr_db(1.0, "rayleigh")
    assert need == pytest.approx(0.99, abs=0.02) and L.capacity(need, "rayleigh") == pytest.approx(1.0, abs=1e-6)
    assert L.capacity_snr_db(3.0, "rayleigh") > L.capacity_snr_db(3.0, "awgn")
    assert L.capacity_label("rayleigh") == "Shannon (ergodic capacity)" and L.capacity_label("awgn") == "Shannon capacity"
    with pytest.raises(ValueError):
        L.capacity(0.0, "rician")


def test_bler_lookup_says_whether_it_hit_a_measured_grid_point():
    t = _toy_bler()
    assert L.codeword_bler_lookup(t, 16, 3.0) == (1.0, True)  # no `measured` column: every row measured
    assert L.codeword_bler_lookup(t, 16, 3.5) == (pytest.approx(0.5), False)  # between SNRs
    assert L.codeword_bler_lookup(t, 64, 3.0)[1] is False  # between sizes
    assert L.codeword_bler_lookup(t, 16, 30.0)[1] is False  # clamped outside the grid
    t = t.assign(measured=t.snr_db <= 4.0)  # 5 dB filled, not decoded
    assert L.codeword_bler_lookup(t, 256, 4.0) == (0.0, True)
    assert L.codeword_bler_lookup(t, 256, 5.0) == (0.0, False)
    assert L.frame_bler_lookup(t, 10.0, 4.0) == (0.0, True)  # 10 bits: one 16-bit codeword
    assert L.frame_bler_lookup(t, 40.0, 4.0)[1] is False  # one 40-bit codeword: interpolated in size


def test_bler_interpolation_and_frames():
    t = _toy_bler()
    assert L.codeword_bler(t, 16, 5.0) == 0.0 and L.codeword_bler(t, 16, 1.0) == 1.0
    assert L.codeword_bler(t, 16, 3.5) == pytest.approx(0.5)  # linear in dB between 3 and 4
    assert L.codeword_bler(t, 64, 3.0) == pytest.approx(0.5)  # halfway in log2(size) between 16 and 256
    assert L.codeword_bler(t, 4096, 3.0) == 0.0  # clamped at the largest measured size
    assert L.codeword_bler(t, 256, -10.0) == 1.0 and L.codeword_bler(t, 256, 30.0) == 0.0  # end values outside
    with pytest.raises(ValueError):
        L.codeword_bler(t, 16, 3.0, "rayleigh")
    assert L.cliff_snr(t, 256) == 2.0 and L.cliff_snr(t, 16) == 4.0


def test_frame_of_several_codewords_fails_if_any_fails():
    t = pd.DataFrame([{"channel": "awgn", "info_bits": 2048, "snr_db": s, "bler": 0.1} for s in (0.0, 10.0)])
    assert L.frame_bler(t, 2048, 5.0) == pytest.approx(0.1)
    assert L.frame_bler(t, 4096, 5.0) == pytest.approx(1 - 0.9 ** 2)


def test_digital_accuracy_falls_to_chance_when_every_frame_is_lost():
    assert L.digital_accuracy(0.9, 0.0) == pytest.approx(0.9)
    assert L.digital_accuracy(0.9, 1.0) == pytest.approx(0.1)
    assert L.digital_accuracy(0.9, 0.5) == pytest.approx(0.5)


def test_measure_bler_scans_and_fills_the_grid_monotonically():
    """A tiny real measurement (16-bit codewords, 40 frames): every SNR of the grid gets a row; points beyond two
    error-free (or two all-lost) measured SNRs are filled without decoding and say so."""
    from semcom_core.plan.measure import measure_bler
    snrs = (-8.0, -7.0, -6.0, -1.0, 0.0, 8.0, 9.0, 10.0, 20.0)
    t = measure_bler(sizes=(16,), snrs=snrs, channels=("awgn",), frames=40, seed=1)
    assert list(t.snr_db) == list(snrs) and (t.info_bits == 16).all()
    m = t[t.measured]
    assert ((m.bler - m.frame_errors / m.frames).abs() < 1e-12).all() and (m.frames == 40).all()
    assert t.set_index("snr_db").loc[20.0, "bler"] == 0.0 and not t.set_index("snr_db").loc[20.0, "measured"]
    # 8 and 9 dB: no errors in 40 frames of 16 bits (the cliff is near 3.5 dB): 10 and 20 dB are filled
    assert list(t[t.snr_db >= 8].measured) == [True, True, False, False]
    assert (t[~t.measured & (t.snr_db > 0)].bler == 0).all() and (t[~t.measured & (t.snr_db < 0)].bler == 1).all()
