"""Paper 001's networks (semcom_core.nets.toc) and their costs (semcom_core.toc.costs): shapes, the
Table I codec, channels from the registry, the dynamic model's exits, per-exit costs checked against
torch's own FLOP counter and by hand, and the reconciliation with the paper's Table III."""
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from semcom_core.costs.compute import FLOPS_PER_MAC
from semcom_core.nets.toc import (ChannelDecoder, DynamicTOC, StaticTOC, TOC_MODELS, build_toc_model)
from semcom_core.toc import costs as TC


@pytest.fixture(scope="module")
def dyn():
    torch.manual_seed(0)
    return DynamicTOC(10).eval()


def test_static_chain_shapes_power_and_channels():
    torch.manual_seed(0)
    m = StaticTOC("resnet20", 100).eval()
    x = torch.randn(4, 3, 32, 32)
    z = m.transmitter(x)
    assert z.shape == (4, 16)
    assert (z.pow(2).sum(1) - 16).abs().max() < 1e-3  # unit power per transmitted number
    with torch.no_grad():
        clean = m(x)
        assert clean.shape == (4, 100)
        assert torch.allclose(m.receiver(z), clean, atol=1e-5)
        for ch in ("awgn", "rayleigh"):
            a = m(x, 0.0, ch, torch.Generator().manual_seed(1))
            b = m(x, 0.0, ch, torch.Generator().manual_seed(1))
            c = m(x, 0.0, ch, torch.Generator().manual_seed(2))
            assert torch.equal(a, b) and not torch.allclose(a, c)
        # per-image SNR (training over a range): a very high SNR is the noiseless chain
        hi = m(x, torch.full((4,), 80.0), "awgn", torch.Generator().manual_seed(0))
        assert torch.allclose(hi, clean, atol=1e-3)
    with pytest.raises(ValueError, match="unknown channel"):
        m(x, 0.0, "rayleigh_fancy")


def test_decoder_is_layernorm_of_l1_plus_l3():
    torch.manual_seed(0)
    d = ChannelDecoder()
    y = torch.randn(5, 16)
    with torch.no_grad():
        a1 = torch.relu(d.l1(y))
        a3 = d.l3(torch.relu(d.l2(a1)))
        assert torch.allclose(d(y), torch.nn.functional.layer_norm(a1 + a3, (16,), d.norm.weight, d.norm.bias),
                              atol=1e-6)
        assert (d.l1.in_features, d.l1.out_features, d.l2.out_features, d.l3.out_features) == (16, 16, 128, 16)


def test_dynamic_exits(dyn):
    x = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        out = dyn(x)
        assert len(out.rx_logits) == len(out.tx_logits) == 5
        conf = out.confidences()
        assert conf.shape == (3, 5) and (conf >= 0.1 - 1e-6).all() and (conf <= 1).all()
        assert torch.allclose(conf, torch.stack([t.softmax(1).max(1).values for t in out.tx_logits], 1))
        early = dyn(x, exits=2)  # a transmitter stopping at exit 2 computes exactly the same there
        assert len(early.rx_logits) == 2
        assert torch.allclose(early.rx_logits[1], out.rx_logits[1], atol=1e-5)


def test_build_toc_model_names():
    assert isinstance(build_toc_model("static-resnet32"), StaticTOC)
    with pytest.raises(ValueError, match="unknown TOC model"):
        build_toc_model("static-resnet18")
    with pytest.raises(ValueError, match="unknown TOC model"):
        build_toc_model("dynamic2")


def _torch_macs(module, x):
    with FlopCounterMode(display=False) as fc, torch.no_grad():
        module(x)
    return fc.get_total_flops() / FLOPS_PER_MAC


def test_exit_costs_increase_and_match_torch_flop_counter(dyn):
    c = TC.toc_costs("dynamic", 10, "paper")
    assert len(c.exit_macs) == 5 and all(b > a for a, b in zip(c.exit_macs, c.exit_macs[1:]))
    assert c.exit_macs == TC.toc_costs("dynamic", 10, "true").exit_macs  # no ConvTranspose2d here
    assert TC.toc_costs("dynamic", 10, "true").tx_params > c.tx_params  # "true" adds the norms' parameters
    x = torch.zeros(1, 3, 32, 32)
    for k in (1, 3, 5):
        assert c.exit_macs[k - 1] == _torch_macs(TC._TxPrefix(dyn, k), x)
    s = TC.toc_costs("static-resnet20", 10, "paper")
    assert s.exit_macs[0] == _torch_macs(TC._TxPrefix(StaticTOC("resnet20").eval(), 1), x)
    assert s.exit_flops[0] == 2 * s.exit_macs[0]


def test_resnet20_encoder_macs_by_hand():
    # 3x3 convs: stem 3->16 at 32x32; 6 convs 16->16 at 32x32; 32x32->16x16: 16->32 once + 5x 32->32;
    # 16x16->8x8: 32->64 once + 5x 64->64; 1x1 projection shortcuts 16->32 at 16x16, 32->64 at 8x8
    convs = (3 * 16 * 9 * 1024 + 6 * 16 * 16 * 9 * 1024 + 16 * 32 * 9 * 256 + 5 * 32 * 32 * 9 * 256
             + 32 * 64 * 9 * 64 + 5 * 64 * 64 * 9 * 64 + 16 * 32 * 256 + 32 * 64 * 64)
    codec_tx = 64 * 128 + 128 * 16
    assert TC.toc_costs("static-resnet20", 100, "paper").exit_macs[0] == convs + codec_tx
    assert TC.toc_costs("static-resnet20", 100, "paper").rx_macs[0] == 16 * 16 + 16 * 128 + 128 * 16 + 16 * 100


def test_reconciliation_with_paper_table_iii():
    rows = {r["encoder"]: r for r in TC.paper_table_reconciliation(100)}
    # ours (option-B shortcuts, conv + linear MACs): ResNet-20 exactly as printed, the rest within 0.35 %
    assert round(rows["resnet20"]["encoder_macs"] / 1e6, 2) == 40.81
    for r in rows.values():
        assert abs(r["encoder_minus_paper"]) / r["paper_macs"] < 0.0035
    # paper-style (option A + one op per batch-norm element): the same offset for all five encoders up
    # to the paper's rounding (0.01 M), i.e. the growth with depth is reproduced exactly
    off = [r["paper_style_minus_paper"] for r in rows.values()]
    assert max(off) - min(off) <= 0.01e6 and all(-0.06e6 < o < -0.04e6 for o in off)
    # and the plain count would not: its offsets spread by 0.86 M
    plain = [r["encoder_minus_paper"] for r in rows.values()]
    assert max(plain) - min(plain) > 0.8e6


def test_all_toc_costs_rows():
    rows = TC.all_toc_costs(10)
    assert {r["model"] for r in rows} == set(TOC_MODELS) and len(rows) == 2 * len(TOC_MODELS)
    with pytest.raises(ValueError, match="unknown convention"):
        TC.toc_costs("dynamic", 10, "thop")
