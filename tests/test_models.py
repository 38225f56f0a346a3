import pytest
import torch

from semcom_core.channels import Channel, seeded_generator
from semcom_core.nets import build_backbone
from semcom_core.nets.split import (
    K_CHOICES,
    SplitModel,
    describe_split,
    keep_first_k,
    split_points,
)


@pytest.mark.parametrize("arch", ["resnet18", "resnet34"])
def test_forward_through_every_split_point(arch):
    torch.manual_seed(0)
    net = build_backbone(arch, num_classes=10).eval()
    x = torch.randn(2, 3, 32, 32)
    assert split_points(net) == [f"SP-{i}" for i in range(7)]
    with torch.no_grad():
        ref = net(x)
        for sp in split_points(net):
            m = SplitModel(net, sp).eval()
            out = m(x, k=64, snr_db=5.0, channel=Channel("awgn"), generator=seeded_generator(0))
            assert out.shape == (2, 10) and torch.isfinite(out).all()
            clean = m(x, k=64)  # no channel
            if sp == "SP-0":  # the image is sent: the receiver runs the whole backbone on it
                assert torch.allclose(clean, ref, rtol=1e-5, atol=1e-5)
            elif sp == "SP-6":  # the logits are sent, power-normalized (||z||^2 = 10): the same logits rescaled
                scale = (10 / ref.pow(2).sum(1, keepdim=True)).sqrt()
                assert torch.allclose(clean, ref * scale, rtol=1e-5, atol=1e-5)
                assert torch.allclose(clean.pow(2).sum(1), torch.full((2,), 10.0), rtol=1e-5)


def test_split_model_shares_backbone_weights():
    net = build_backbone("resnet18")
    m = SplitModel(net, "SP-3")
    assert m.transmitter.stages[0] is net.stages["conv1"]
    assert m.receiver.stages[-1] is net.stages["conv5_x"] and m.receiver.head is net.head
    assert describe_split(net, "SP-3") == "conv3_x | conv4_x"
    assert describe_split(net, "SP-5") == "conv5_x | avgpool+fc"


def test_bottleneck_sends_first_k_with_unit_power():
    torch.manual_seed(0)
    m = SplitModel(build_backbone("resnet18"), "SP-4").eval()
    x = torch.randn(3, 3, 32, 32)
    full = m.transmitter(x)
    for k in (1, 4, 64, 1024):
        z = m.encode(x, k)
        assert z.shape == (3, 1024)
        assert torch.allclose(z[:, :k].pow(2).sum(1), torch.full((3,), float(k)), rtol=1e-4)
        assert (z[:, k:] == 0).all()
        # the sent numbers are the first k features, each image's rescaled by one factor
        for zi, fi in zip(z[:, :k], full[:, :k]):
            assert torch.allclose(zi, fi * (k / fi.pow(2).sum()).sqrt(), rtol=1e-4, atol=1e-6)
        assert torch.equal(m.to_channel(full, k), z)  # the sweep's once-per-split path sends the same
    # per-image k (training): each row keeps its own k
    ks = torch.tensor([1, 8, 1024])
    z = keep_first_k(full, ks)
    assert [(row != 0).sum().item() <= k for row, k in zip(z, ks)] == [True] * 3
    assert torch.allclose(z.pow(2).sum(1), ks.float(), rtol=1e-4)


def test_receiver_zero_fills_noise_beyond_k():
    torch.manual_seed(0)
    m = SplitModel(build_backbone("resnet18"), "SP-2").eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        a = m(x, k=16, snr_db=0.0, channel=Channel("awgn"), generator=seeded_generator(1))
        # noise on the unsent 1008 positions must not matter: only the first 16 noisy values do
        z = m.encode(x, 16)
        y = Channel("awgn")(z, 0.0, seeded_generator(1))
        y2 = y.clone()
        y2[:, 16:] = 123.0
        assert torch.allclose(m.decode(y, 16), m.decode(y2, 16))
        assert torch.allclose(a, m.decode(y, 16))


def test_bad_split_and_k_are_rejected():
    net = build_backbone("resnet18")
    with pytest.raises(ValueError, match="unknown split"):
        SplitModel(net, "SP-7")
    m = SplitModel(net, "SP-3")
    with pytest.raises(ValueError, match="k must be"):
        m.encode(torch.randn(1, 3, 32, 32), 2048)
    assert SplitModel(net, "SP-0").check_k(5) == 3072 and SplitModel(net, "SP-6").check_k(5) == 10
    assert K_CHOICES[0] == 1 and K_CHOICES[-1] == 1024


@pytest.mark.parametrize("depth,params_m", [(20, 0.27), (32, 0.47), (44, 0.66), (56, 0.86), (110, 1.73)])
def test_thin_resnets(depth, params_m):
    net = build_backbone(f"resnet{depth}")
    n = sum(p.numel() for p in net.parameters()) / 1e6
    assert abs(n - params_m) / params_m < 0.05  # He et al.: 0.27M, 0.46M, 0.66M, 0.85M, 1.7M
    assert net.stage_names == ["conv1", "conv2_x", "conv3_x", "conv4_x"]
    assert net(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    with pytest.raises(ValueError):
        build_backbone("resnet19")


def _trained_like(arch: str, seed: int = 0):
    """A backbone whose every BN scale and running statistic is non-trivial (like a trained one)."""
    torch.manual_seed(seed)
    net = build_backbone(arch)
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.data.uniform_(0.5, 1.5); m.bias.data.normal_(0, 0.1)
            m.running_mean.normal_(0, 0.1); m.running_var.uniform_(0.5, 2.0)
    return net.eval()


@pytest.mark.parametrize("small, big, new", [
    ("resnet20", "resnet32", ["conv2_x.3", "conv2_x.4", "conv3_x.3", "conv3_x.4", "conv4_x.3", "conv4_x.4"]),
    ("resnet18", "resnet34", ["conv2_x.2", "conv3_x.2", "conv3_x.3", "conv4_x.2", "conv4_x.3", "conv4_x.4",
                              "conv4_x.5", "conv5_x.2"])])
def test_grown_network_computes_what_the_trained_one_did(small, big, new):
    from semcom_core.nets.resnet import grow_into
    src = _trained_like(small)
    torch.manual_seed(1)
    grown = build_backbone(big)
    for m in grown.modules():  # a grown block must be the identity whatever its init was
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.data.fill_(0.7)
    assert grow_into(grown, src.state_dict()) == new
    x = torch.randn(3, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(grown.eval()(x), src(x), atol=1e-4)
    assert torch.equal(grown.stages["conv2_x"][0].conv1.weight, src.stages["conv2_x"][0].conv1.weight)


def test_growing_from_weights_that_do_not_fit_is_refused():
    from semcom_core.nets.resnet import grow_into
    with pytest.raises(ValueError, match="does not have"):  # deeper into shallower
        grow_into(build_backbone("resnet20"), build_backbone("resnet32").state_dict())
    with pytest.raises(ValueError, match="shape"):  # other widths
        grow_into(build_backbone("resnet18"), {"stages.conv1.0.weight": torch.zeros(16, 3, 3, 3)})
    state = build_backbone("resnet20").state_dict()
    del state["head.fc.weight"]
    with pytest.raises(ValueError, match="missing"):
        grow_into(build_backbone("resnet32"), state)


def test_backbone_config_starts_from_init_weights(tmp_path):
    from safetensors.torch import save_file

    from semcom_core.config import TrainConfig
    from semcom_core.nets.factory import build_model
    from semcom_core.train.loop import build_for_training
    src = _trained_like("resnet20", seed=3)
    save_file(src.state_dict(), str(tmp_path / "r20.safetensors"))
    cfg = TrainConfig(name="t", backbone="resnet32", init_from=str(tmp_path / "r20.safetensors"))
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        want = src(x)
        # the trainer reads init_from; the factory takes the tensors themselves and never reads files
        assert torch.allclose(build_for_training(cfg, 10, 3).eval()(x), want, atol=1e-4)
        grown = build_model(cfg, 10, 3, init_weights=src.state_dict()).eval()
        assert torch.allclose(grown(x), want, atol=1e-4)
        assert not torch.allclose(build_model(cfg, 10, 3).eval()(x), want, atol=1e-2)  # no weights: a fresh net
    from semcom_core.data.registry import DatasetError
    cfg.backbone = "resnet18"  # another family: one clear error for the CLI, not a traceback
    with pytest.raises(DatasetError, match="cannot start t"):
        build_for_training(cfg, 10, 3)
    with pytest.raises(ValueError):
        build_model(cfg, 10, 3, init_weights=src.state_dict())
