import json
import math

import numpy as np
import pytest
import torch

from semcom_core.digital.separation import (
    SeparationConfig,
    jpeg_decode,
    jpeg_encode,
    payload,
    plan_frame,
    qpsk_ldpc_chain,
    reference_header,
    send_images,
    split_jpeg,
)
from semcom_core.eval.iot import (
    iot_evaluate,
    learned_predictions,
    separation_predictions,
)
from semcom_core.eval.stats import wilson_interval
from semcom_core.nets.deepsc_iot import DeepSCIoT, SmallCNN


def digits(n=12, seed=0):
    """Blobby 28x28 grayscale images (JPEG-friendly, like MNIST)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:28, :28]
    out = []
    for _ in range(n):
        cy, cx, r = rng.uniform(8, 20), rng.uniform(8, 20), rng.uniform(3, 8)
        out.append((255 * (np.hypot(yy - cy, xx - cx) < r)).astype(np.uint8))
    return np.stack(out)


def q(x):
    return 0.5 * math.erfc(x / math.sqrt(2))


@pytest.mark.parametrize("snr_db", [0.0, 3.0, 6.0])
def test_uncoded_qpsk_ber_matches_theory(snr_db):
    """QPSK with Gray mapping over AWGN: BER = Q(sqrt(2 Eb/N0)) = Q(sqrt(Es/N0))."""
    bits = torch.randint(0, 2, (40, 1, 2000), generator=torch.Generator().manual_seed(1)).float()
    _, st = qpsk_ldpc_chain(bits, snr_db, "complex_awgn", 5, torch.Generator().manual_seed(2))
    measured = st["uncoded_bit_errors"] / st["coded_bits"]
    theory = q(math.sqrt(10 ** (snr_db / 10)))
    assert abs(measured - theory) / theory < 0.06, (measured, theory)


def test_ldpc_waterfall():
    """Rate-1/2 LDPC: most bits wrong-ish below the threshold, (almost) none wrong 2 dB above it."""
    bits = torch.randint(0, 2, (60, 1, 1000), generator=torch.Generator().manual_seed(3)).float()
    ber = {}
    for snr in (-2.0, 1.0, 3.0):
        _, st = qpsk_ldpc_chain(bits, snr, "complex_awgn", 20, torch.Generator().manual_seed(4))
        ber[snr] = st["info_bit_errors"] / st["info_bits"]
        uncoded = st["uncoded_bit_errors"] / st["coded_bits"]
        if snr == 3.0:
            assert ber[snr] < 1e-4 < uncoded  # coding removes the errors QPSK alone makes
    assert ber[-2.0] > 0.05 and ber[-2.0] > ber[1.0] > ber[3.0]


def test_jpeg_header_is_shared_and_scan_only_round_trips():
    imgs = digits(8)
    for quality in (5, 25, 75):
        cfg = SeparationConfig(quality)
        for im in imgs:
            full = jpeg_encode(im, quality)
            header, scan = split_jpeg(full)
            assert header == reference_header(quality, (28, 28))
            assert payload(im, cfg) == scan and len(scan) < len(full) / 2
            a = jpeg_decode(scan, cfg, (28, 28))
            b = jpeg_decode(full, SeparationConfig(quality, send_headers=True), (28, 28))
            assert a is not None and np.array_equal(a, b)


def test_corrupted_jpeg_never_crashes():
    """Corrupted or truncated frames never raise. Scan-only (the receiver rebuilds the known header) always
    yields a picture, however damaged; with the headers sent, a hit in a header or marker loses the image."""
    rng = np.random.default_rng(0)
    im = digits(1)[0]
    failed = {}
    for headers in (False, True):
        cfg = SeparationConfig(25, headers)
        good = payload(im, cfg)
        clean = jpeg_decode(good, cfg, (28, 28))
        outs = []
        for trial in range(60):
            data = bytearray(good)
            for i in rng.integers(0, len(data), 1 + trial % 10):
                data[i] = int(rng.integers(0, 256))
            if trial % 3 == 0:
                data = data[: int(rng.integers(1, len(data)))]
            outs.append(jpeg_decode(bytes(data), cfg, (28, 28)))
        decoded = [o for o in outs if o is not None]
        assert all(o.shape == (28, 28) and o.dtype == np.uint8 for o in decoded)
        assert any(not np.array_equal(o, clean) for o in decoded)  # the damage shows in the picture
        failed[headers] = len(outs) - len(decoded)
        empty = jpeg_decode(b"", cfg, (28, 28))
        if headers:
            assert empty is None  # nothing arrived: no JPEG at all
        else:
            assert empty is not None and empty.shape == (28, 28) and empty.dtype == np.uint8
    assert failed[False] == 0  # scan-only: every frame decodes to some picture
    assert 10 <= failed[True] < 60  # headers sent: a good share of the damaged frames are lost outright


def test_separation_chain_is_bit_true_at_high_snr():
    imgs = digits(10)
    cfg = SeparationConfig(25)
    decoded, plan, st = send_images(imgs, 20.0, "complex_awgn", cfg, seed=0)
    assert st["info_bit_errors"] == 0 and plan.payload_bits >= max(len(payload(i, cfg)) for i in imgs) * 8
    for im, d in zip(imgs, decoded):
        assert np.array_equal(d, jpeg_decode(payload(im, cfg), cfg, (28, 28)))
    assert plan.channel_uses == plan.codewords * plan.info_bits_per_codeword  # rate 1/2, 2 bits/use
    low, _, st_low = send_images(imgs, -8.0, "rayleigh_fast", cfg, seed=0)
    assert st_low["info_bit_errors"] > 0 and len(low) == 10
    big = plan_frame(20000)
    assert big.codewords == 3 and big.info_bits_per_codeword * 3 >= 20000


def test_learned_transceiver_power_and_picture_head_isolation():
    torch.manual_seed(0)
    m = DeepSCIoT(k=16)
    x = torch.randn(8, 1, 28, 28)
    z = m.encode(x)
    assert z.shape == (8, 32) and torch.allclose(z.pow(2).sum(1), torch.full((8,), 32.0), rtol=1e-4)
    m.train()
    m(x)  # random SNR and channel
    m.extra_loss.backward()  # the picture loss alone
    assert all(p.grad is None or float(p.grad.abs().max()) == 0 for p in m.encoder.parameters())
    assert all(p.grad is None for p in m.classifier.parameters())
    assert any(p.grad is not None and float(p.grad.abs().max()) > 0 for p in m.reconstruct.parameters())
    m.eval()
    with torch.no_grad():
        a = m(x, snr_db=0.0, channel="complex_awgn", generator=torch.Generator().manual_seed(1))
        b = m(x, snr_db=0.0, channel="complex_awgn", generator=torch.Generator().manual_seed(1))
    assert torch.equal(a, b) and a.shape == (8, 10)


def test_iot_evaluate_report():
    torch.manual_seed(0)
    imgs, labels = digits(16), np.arange(16) % 10
    learned, clf = DeepSCIoT().eval(), SmallCNN().eval()
    res = iot_evaluate(learned, clf, imgs, labels, "mnist", 5.0, "complex_awgn", SeparationConfig(25), seed=0)
    assert (res["n"], res["channel"], res["snr_db"], res["seed"]) == (16, "complex_awgn", 5.0, 0)
    # the accuracies are counts of the same predictions the parts make on their own (same seed)
    lp = learned_predictions(learned, imgs, "mnist", 5.0, "complex_awgn", seed=0)
    sp, decoded, plan, _ = separation_predictions(clf, imgs, "mnist", 5.0, "complex_awgn", SeparationConfig(25), seed=0)
    assert res["learned_accuracy"] == (lp == labels).mean() and res["separation_accuracy"] == (sp == labels).mean()
    assert res["separation_failed_images"] == sum(d is None for d in decoded)
    assert res["learned_channel_uses"] == 16 and res["separation_channel_uses"] == plan.channel_uses > 16
    assert res["separation_payload_bits"] == plan.payload_bits >= max(len(payload(i, SeparationConfig(25))) for i in imgs) * 8
    assert res["learned_ci95"] == wilson_interval(int((lp == labels).sum()), 16)
    lo, hi = res["separation_ci95"]
    assert lo <= res["separation_accuracy"] <= hi
    assert json.loads(json.dumps(res))["jpeg"] == {"quality": 25, "send_headers": False, "ldpc_iterations": 20}


def test_wilson_interval():
    lo, hi = wilson_interval(50, 100)
    assert lo < 0.5 < hi and abs((hi - lo) - 0.19) < 0.01
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0


def test_one_image_through_both_systems():
    from semcom_core.eval.live_iot import one_image
    torch.manual_seed(0)
    im = digits(1)[0][..., None]
    cfg = SeparationConfig(10)
    r = one_image(DeepSCIoT().eval(), SmallCNN().eval(), im, "mnist", 20.0, "complex_awgn", cfg, seed=0)
    assert abs(r.learned_probs.sum() - 1) < 1e-5 and r.learned_picture.shape == (28, 28)
    assert np.array_equal(r.separation_decoded, jpeg_decode(payload(im, cfg), cfg, (28, 28)))
    assert r.separation_probs is not None and r.learned_uses == 16
    assert r.plan.channel_uses == r.plan.payload_bits and r.sent_bytes < r.jpeg_bytes
