"""The shipped digital-link tables (issue 29): the quantization table (8 bits matches the unquantized features
within sampling error, 1 bit as it is) and the LDPC + QPSK block error rates (the cliff), and a real short
quantized evaluation on the shipped ResNet-18 split model."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from semcom_core.digital import link as L
from semcom_core.eval.stats import sampling_tolerance

ROOT = Path(__file__).resolve().parent.parent
QUANT = ROOT / "pretrained" / "split" / "quant_resnet18_cifar10.csv"
BLER = ROOT / "pretrained" / "split" / L.BLER_FILE
SHARED = ROOT.parent / "shared" / "datasets"


@pytest.mark.skipif(not QUANT.is_file(), reason="quant_resnet18_cifar10.csv not shipped")
def test_quantization_table_8_bits_matches_float_and_1_bit_is_reported():
    t = pd.read_csv(QUANT)
    assert (t.precision == "fp32").all() and (t.channel == "noiseless").all() and (t.n == 2000).all()
    assert t.exact.all()  # every image's ANS message decoded back to its symbols
    groups = t.groupby(["split", "k"])
    from semcom_ui.views.planner import DIGITAL_BITS, DIGITAL_KS, DIGITAL_SPLITS
    # what the Planner page offers for a backbone without a table is what this table measured
    assert set(t.split) == set(DIGITAL_SPLITS) and set(t.k) == set(DIGITAL_KS)
    assert set(t.bits) == set(DIGITAL_BITS) | {32}
    for (sp, k), g in groups:
        g = g.set_index("bits")
        assert set(g.index) == {1, 2, 3, 4, 5, 6, 7, 8, 32}, (sp, k)  # b = 1..8 and the float reference
        f, a8 = g.loc[32], g.loc[8]
        assert a8.float_accuracy == f.accuracy
        # 8 bits: the same images, features within half a step of 1/255 of their scale: within sampling error
        tol = float(sampling_tolerance(np.array(f.accuracy), np.array(f.n)))
        assert abs(a8.accuracy - f.accuracy) <= tol, (sp, k, a8.accuracy, f.accuracy)
        assert abs(a8.accuracy - f.accuracy) <= 0.01, (sp, k)  # and in fact within a point
        # 1 bit is reported as it is: a measured row with its interval, not above float; above chance wherever
        # the float features are clearly above it (at k = 1 a split can be at chance unquantized already)
        a1 = g.loc[1]
        assert a1.accuracy <= f.accuracy + tol and a1.ci_low <= a1.accuracy <= a1.ci_high
        if f.accuracy >= 0.2:
            assert a1.accuracy > 0.1, (sp, k, a1.accuracy)
        # bits per image: what is sent never exceeds the raw bits, and coarser quantization sends fewer
        q = g.loc[list(range(1, 9))]
        assert (q.bits_per_image <= q.raw_bits + 1e-9).all()
        assert q.bits_per_image.is_monotonic_increasing, (sp, k, list(q.bits_per_image))
        assert (q.side_bits == np.where(q.scale == "vector", 16, 0)).all()


@pytest.mark.skipif(not BLER.is_file(), reason="ldpc_bler.csv not shipped")
def test_bler_table_shows_the_cliff():
    t = L.load_bler()
    assert set(t.channel) == {"awgn", "rayleigh"} and set(t.info_bits) == set(L.BLER_SIZES)
    m = t[t.measured]
    assert (m.frames == 300).all() and ((m.bler - m.frame_errors / m.frames).abs() < 1e-12).all()
    for (ch, size), g in t.groupby(["channel", "info_bits"]):
        g = g.sort_values("snr_db")
        assert set(g.snr_db) == set(L.BLER_SNRS), (ch, size)
        assert g.bler.iloc[0] > 0.9 and g.bler.iloc[-1] == 0.0  # lost at -5 dB, through at 20 dB
    # AWGN: longer codewords have the steeper, earlier cliff (rate 1/2: capacity needs 0 dB)
    cliffs = [L.cliff_snr(t, s, "awgn") for s in L.BLER_SIZES]
    assert all(0.0 < c <= 4.0 for c in cliffs) and cliffs[-1] < cliffs[0]
    # Rayleigh (per-symbol fading, perfect CSI) needs more SNR than AWGN at every size
    assert all(L.cliff_snr(t, s, "rayleigh") > L.cliff_snr(t, s, "awgn") for s in L.BLER_SIZES)


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "cifar10").is_dir(), reason="../shared/datasets not present")
def test_a_real_quantized_evaluation_matches_float_at_8_bits(real_data):
    """The shipped ResNet-18 split model at SP-4, k = 16, on the first 100 test images: the quantize sweep's
    float row equals the project's `evaluate` over a noiseless channel, 8 bits agrees with it within two images,
    and every entropy-coded message decodes back exactly."""
    from semcom_core.data.loader import ImageData
    from semcom_core.eval.split import evaluate
    from semcom_core.plan.measure import quantize_sweep
    data = ImageData("cifar10", "cpu", n_val=5000, path=real_data.prepare("cifar10"))
    t = quantize_sweep("cifar10", "resnet18", ["SP-4"], (16,), (1, 8), n=100, n_fit=200, data=data,
                       progress=False).set_index("bits")
    ref = evaluate("cifar10", "resnet18", "SP-4", 16, 0.0, "noiseless", 100, data=real_data.data("cifar10"))
    assert t.loc[32].accuracy == ref["accuracy"]
    assert abs(t.loc[8].accuracy - t.loc[32].accuracy) <= 0.02
    assert t.exact.all() and t.loc[1].bits_per_image < t.loc[8].bits_per_image <= 16 * 8 + 1 + 16
