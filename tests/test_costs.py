import copy
import io
import json
import math
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from semcom_core.cli import main as cli_main
from semcom_core.costs import compute as C
from semcom_core.nets import build_backbone
from semcom_core.nets.split import SplitModel

ROOT = Path(__file__).resolve().parent.parent

# paper 000, Table II (CIFAR-100 ResNet-34, k = 1024, two ConvTranspose2d stages), MACs
TABLE_II = {"SP-2": (229_310_464, 2_072_037_376), "SP-3": (515_571_712, 847_300_608),
            "SP-4": (953_876_480, 251_709_440)}
# the rounded figures the paper prints for the other rows (MMACs, M params tx / rx)
TABLE_II_ROUNDED = {"SP-1": (2.82, 2298.53, 0.067, 26.55), "SP-5": (1167.79, 12.63, 21.78, 1.62),
                    "SP-2": (229.31, 2072.04, 0.29, 26.33), "SP-3": (515.57, 847.30, 1.47, 24.69),
                    "SP-4": (953.88, 251.71, 8.41, 15.39)}


def test_paper_convention_reproduces_table_ii_exactly():
    for sp, (tx, rx) in TABLE_II.items():
        c = C.split_costs("resnet34", 100, sp, 1024, 2, "paper")
        assert (c.tx_macs, c.rx_macs, c.unsplit_macs) == (tx, rx, 1_159_448_576)
    for sp, (tx, rx, ptx, prx) in TABLE_II_ROUNDED.items():
        c = C.split_costs("resnet34", 100, sp, 1024, 2, "paper")
        assert (round(c.tx_macs / 1e6, 2), round(c.rx_macs / 1e6, 2)) == (tx, rx)
        assert round(c.tx_params / 1e6, 3 if ptx < 0.1 else 2) == ptx and round(c.rx_params / 1e6, 2) == prx


def test_conventions_differ_only_at_the_receiver_by_the_stride_squared():
    p = C.split_costs("resnet34", 100, "SP-2", 1024, 2, "paper")
    t = C.split_costs("resnet34", 100, "SP-2", 1024, 2, "true")
    assert p.tx_macs == t.tx_macs and p.unsplit_macs == t.unsplit_macs
    # SP-2 decompression: 1->4 (k=s=4) and 4->32 (k=s=8); the paper counts them 16x and 64x
    dec_true = 1024 * 256 * 16 * 1 + 256 * 64 * 64 * 16
    dec_paper = 1024 * 256 * 16 * 16 + 256 * 64 * 64 * 1024
    assert p.rx_macs - t.rx_macs == dec_paper - dec_true


def _flop_counter_macs(module, x):
    module.eval()
    with FlopCounterMode(display=False) as fc, torch.no_grad():
        module(x)
    return fc.get_total_flops() / 2


def _thop_macs(module, x):
    from thop import profile

    def zero(m, inp, out):
        m.total_ops += torch.DoubleTensor([0])
    ops = {t: zero for t in (nn.BatchNorm2d, nn.ReLU, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.Identity)}
    macs, _ = profile(copy.deepcopy(module), inputs=(x,), custom_ops=ops, verbose=False)  # thop leaves buffers
    return macs


@pytest.mark.parametrize("arch", ["resnet18", "resnet34"])
@pytest.mark.parametrize("decompress", [1, 2])
def test_true_matches_flop_counter_and_paper_matches_thop(arch, decompress):
    # both reference counters see only shapes: the networks are built on the meta device (no weights)
    with torch.device("meta"):
        net = build_backbone(arch, 10)
        models = {sp: SplitModel(net, sp, k_max=256, decompress_stages=decompress)
                  for sp in ["SP-1", "SP-2", "SP-3", "SP-4", "SP-5"]}
    for sp, m in models.items():
        x, z = torch.zeros(1, 3, 32, 32, device="meta"), torch.zeros(1, 256, device="meta")
        c = C.split_costs(arch, 10, sp, 256, decompress, "true")
        for ours, part, inp in ((c.tx_macs, m.transmitter, x), (c.rx_macs, m.receiver, z)):
            ref = _flop_counter_macs(part, inp)
            assert abs(ours - ref) <= 0.01 * ref, (sp, ours, ref)
        cp = C.split_costs(arch, 10, sp, 256, decompress, "paper")
        assert cp.tx_macs == _thop_macs(m.transmitter, x)
        assert cp.rx_macs == _thop_macs(m.receiver, z)


def test_reference_splits_and_sizes():
    s0 = C.split_costs("resnet18", 10, "SP-0", 64, 2, "true")
    s6 = C.split_costs("resnet18", 10, "SP-6", 64, 2, "true")
    assert s0.tx_macs == 0 and s0.rx_macs == s0.unsplit_macs and s0.z_elements == 3072
    assert s6.rx_macs == 0 and s6.tx_macs == s6.unsplit_macs and s6.z_elements == 10
    c = C.split_costs("resnet18", 10, "SP-3", 64, 2, "true")
    assert (c.z_elements, c.complex_channel_uses, c.bits(8)) == (64, 32, 512)
    assert c.normalized_communication == 64 / 3072
    later = [C.split_costs("resnet18", 10, f"SP-{i}", 64, 2, "true").tx_macs for i in range(6)]
    assert later == sorted(later)  # moving the cut later never lowers the transmitter's work...
    # ...except at the very end: SP-5 also runs the compressor, so it can exceed the whole model (SP-6)
    assert later[5] > s6.tx_macs


def test_equations():
    assert C.normalized_computation(10, 90, 100, 0.0) == 0.1
    assert C.normalized_computation(10, 90, 100, 1.0) == 1.0
    lat = C.latency(1e9, 2e9, 1000, 2e9, 4e9, 1e6, bits_per_element=8)
    assert (lat.tx_compute_s, lat.rx_compute_s, lat.air_s) == (1.0, 1.0, 0.008)
    assert math.isclose(lat.total_s, 2.008)
    # Shannon: at SNR 0 dB one complex use carries 1 bit -> log2(10) uses for a CIFAR-10 label
    from semcom_core.digital.link import label_channel_uses
    assert math.isclose(label_channel_uses(10, 0.0), math.log2(10))
    assert label_channel_uses(100, 20.0) < label_channel_uses(100, 0.0)
    # Rayleigh fading (ergodic capacity e E1(1) / ln 2 = 0.8603 bits per use at 0 dB) needs more uses
    assert math.isclose(label_channel_uses(10, 0.0, "rayleigh"), math.log2(10) / 0.86033, rel_tol=1e-4)


def test_small_gamma_savings_have_the_papers_shape():
    """Fig. 5: at gamma -> 0 early, mid and late splits save about 80 %, 56 % and 18 % (ResNet-34,
    CIFAR-100, paper convention). Our counts give those savings to within a few points."""
    saving = {sp: 1 - C.split_costs("resnet34", 100, sp, 1024, 2, "paper").normalized_computation(1e-5)
              for sp in ("SP-2", "SP-3", "SP-4")}
    assert abs(saving["SP-2"] - 0.80) < 0.03 and abs(saving["SP-3"] - 0.56) < 0.03
    assert abs(saving["SP-4"] - 0.18) < 0.03


def _cli_json(args):
    buf = io.StringIO()
    with redirect_stdout(buf):
        rc = cli_main(args)
    return rc, buf.getvalue()


def test_costs_cli_json():
    rc, out = _cli_json(["costs", "--backbone", "resnet34", "--num-classes", "100", "--split", "SP-2", "--k", "1024",
                         "--decompress", "2", "--convention", "paper", "--json"])
    d = json.loads(out)
    assert rc == 0
    assert (d["tx_macs"], d["rx_macs"], d["unsplit_macs"]) == (229_310_464, 2_072_037_376, 1_159_448_576)
    # parameters as paper 000 counts them (conv and linear layers only), from the modules themselves...
    with torch.device("meta"):  # structure only: no weights allocated or initialised
        net = build_backbone("resnet34", 100)
        m = SplitModel(net, "SP-2", k_max=1024, decompress_stages=2)

    def conv_linear_params(module):
        return sum(p.numel() for layer in module.modules() if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))
                   for p in layer.parameters(recurse=False))
    assert (d["tx_params"], d["rx_params"], d["unsplit_params"]) == (
        conv_linear_params(m.transmitter), conv_linear_params(m.receiver), conv_linear_params(net))
    assert (round(d["tx_params"] / 1e6, 2), round(d["rx_params"] / 1e6, 2)) == (0.29, 26.33)  # ...and Table II's
    # what crosses the channel: k real numbers = k/2 complex uses, a third of the 3072-number image
    assert (d["z_elements"], d["image_elements"], d["complex_channel_uses"], d["real_channel_uses"]) == (1024, 3072, 512, 1024)
    assert d["bits_fp32"] == 32 * 1024 and d["normalized_communication"] == pytest.approx(1 / 3)
    assert d["tx_share"] == pytest.approx(229_310_464 / (229_310_464 + 2_072_037_376))
    assert d["tx_share"] + d["rx_share"] == pytest.approx(1.0)


@pytest.mark.parametrize("args,msg", [(["--split", "SP-9"], "unknown split point 'SP-9'"), (["--k", "0"], "got 0"),
                                      (["--k", "2048"], "got 2048"), (["--backbone", "vgg"], "invalid choice: 'vgg'"),
                                      (["--k", "many"], "invalid int value: 'many'")])
def test_costs_cli_bad_arguments(args, msg, capsys):
    try:
        rc = cli_main(["costs", *args])
    except SystemExit as e:  # argparse's own checks (choices=, types)
        rc = e.code
    err = capsys.readouterr().err
    assert rc == 2 and msg in err and len(err.strip().splitlines()) == 1, err


def test_cli_usage_error_is_one_line_from_the_shell():
    """The real entry point (`python -m semcom_core`): exit code 2, one line naming the command and --help."""
    r = subprocess.run([sys.executable, "-m", "semcom_core", "costs", "--backbone", "vgg"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120, check=False)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and r.stdout == "", r.stderr
    assert "costs" in lines[0] and "invalid choice: 'vgg'" in lines[0] and "--help" in lines[0]


def test_counting_leaves_the_global_rng_alone_and_counts_each_structure_once():
    """Costs are counted on the meta device: asking for them must not reseed a caller's seeded draws,
    and the two conventions share one count of each structure."""
    C._split_counts.cache_clear()
    torch.manual_seed(123)
    expect = torch.rand(4)
    torch.manual_seed(123)
    C.split_costs("resnet18", 10, "SP-3", 16, 1, "true")   # not cached: a k no other test uses
    assert torch.equal(torch.rand(4), expect)
    assert C._split_counts.cache_info().misses == 1
    C.split_costs("resnet18", 10, "SP-3", 16, 1, "paper")  # the other convention: same structure, no recount
    assert C._split_counts.cache_info().misses == 1


def test_the_image_is_charged_its_8_bit_pixels_whatever_the_bits_per_number():
    costs = C.cost_table("resnet18", 10, 64, 2).query("convention == 'true'")
    lat = C.latency_table(costs, 1e9, 1e12, 1e6, bits_per_element=32).set_index("split")
    z = costs.set_index("split").z_elements
    assert lat.air_s["SP-0"] == pytest.approx(3072 * 8 / 1e6)  # 24,576 bits, not 98,304
    assert lat.air_s["SP-3"] == pytest.approx(z["SP-3"] * 32 / 1e6)  # features keep b bits per number
    assert [C.element_bits("SP-0", b) for b in (4, 8, 16, 32)] == [4, 8, 8, 8]
    assert C.split_costs("resnet18", 10, "SP-0", 64).bits(32) == 3072 * 32  # `costs --json`'s bits_fp32 stays fp32
