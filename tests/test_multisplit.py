import random

import pytest
import torch
from safetensors.torch import save_file

from semcom_core.channels import Channel, seeded_generator
from semcom_core.config import TrainConfig
from semcom_core.nets import build_backbone
from semcom_core.nets.multisplit import MultiSplitModel
from semcom_core.train.loop import build_for_training


def test_views_share_the_trained_modules_and_run_every_split():
    torch.manual_seed(0)
    m = MultiSplitModel(build_backbone("resnet18"), k_max=64).eval()
    assert m.splits == ["SP-1", "SP-2", "SP-3", "SP-4", "SP-5"]
    x = torch.randn(2, 3, 32, 32)
    for sp in ["SP-0", *m.splits, "SP-6"]:
        v = m.view(sp)
        if sp in m.splits:
            assert v.transmitter.compressor is m.codecs[sp.replace("-", "_")].compressor
        with torch.no_grad():
            out = v(x, k=8, snr_db=5.0, channel=Channel("awgn"), generator=seeded_generator(0))
        assert out.shape == (2, 10)


def test_frozen_backbone_trains_only_codecs_and_distils(tmp_path):
    torch.manual_seed(0)
    init = build_backbone("resnet18")
    path = tmp_path / "backbone.safetensors"
    save_file({k: v.contiguous() for k, v in init.state_dict().items()}, str(path))
    cfg = TrainConfig(name="t", kind="split", backbone="resnet18", init_from=str(path), freeze_backbone=True,
                      splits=["SP-3"], k_max=32, distill_weight=1.0)
    m = build_for_training(cfg, 10, 3)
    before = {k: v.clone() for k, v in m.state_dict().items()}
    m.train()
    assert not m.backbone.training  # frozen BN statistics
    opt = torch.optim.SGD([p for p in m.parameters() if p.requires_grad], lr=0.1)
    logits = m(torch.randn(8, 3, 32, 32))
    loss = torch.nn.functional.cross_entropy(logits, torch.randint(0, 10, (8,))) + m.extra_loss
    assert m.extra_loss is not None and float(m.extra_loss.detach()) >= 0
    loss.backward()
    opt.step()
    after = m.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed and all(k.startswith("codecs.") for k in changed)
    assert all(torch.equal(before[k], after[k]) for k in before if k.startswith("backbone."))


def test_adapted_stages_are_per_split_copies_that_train_alone(tmp_path):
    """`adapt` gives a split its own copies of the stages next to its cut: the split's view runs them
    instead of the shared backbone's, only they and the codecs learn, other splits are untouched."""
    torch.manual_seed(0)
    init = build_backbone("resnet20")
    path = tmp_path / "backbone.safetensors"
    save_file({k: v.contiguous() for k, v in init.state_dict().items()}, str(path))
    cfg = TrainConfig(name="t", kind="split", backbone="resnet20", init_from=str(path), freeze_backbone=True,
                      splits=["SP-2", "SP-4"], k_max=16, adapt={"SP-2": ["conv2_x", "conv3_x"]})
    m = build_for_training(cfg, 10, 3)
    own = m.adapted["SP_2"]
    assert torch.equal(own["conv3_x"][0].conv1.weight, m.backbone.stages["conv3_x"][0].conv1.weight)  # starts equal
    v2, v4 = m.view("SP-2"), m.view("SP-4")
    assert v2.transmitter.stages[1] is own["conv2_x"] and v2.receiver.stages[0] is own["conv3_x"]
    assert v4.transmitter.stages[2] is m.backbone.stages["conv3_x"]  # SP-4 has no copies of its own
    m.train()
    assert own.training and not m.backbone.training  # the copies' BN statistics adapt; the shared ones do not
    before = {k: v.clone() for k, v in m.state_dict().items()}
    opt = torch.optim.SGD([p for p in m.parameters() if p.requires_grad], lr=0.1)
    x, y = torch.randn(8, 3, 32, 32), torch.randint(0, 10, (8,))
    torch.nn.functional.cross_entropy(m(x, split="SP-2"), y).backward()
    opt.step()
    changed = {k for k, v in m.state_dict().items() if not torch.equal(before[k], v)}
    assert any(k.startswith("adapted.SP_2.conv2_x.") for k in changed)
    assert any(k.startswith("adapted.SP_2.conv3_x.") for k in changed)
    assert all(k.startswith(("adapted.SP_2.", "codecs.SP_2.")) for k in changed)


def test_adapt_rejects_unknown_splits_and_stages():
    import pytest
    with pytest.raises(ValueError, match="SP-3"):
        MultiSplitModel(build_backbone("resnet20"), ["SP-2"], k_max=8, adapt={"SP-3": ["conv3_x"]})
    with pytest.raises(ValueError, match="conv9_x"):
        MultiSplitModel(build_backbone("resnet20"), ["SP-2"], k_max=8, adapt={"SP-2": ["conv9_x"]})


def test_split_weights_set_how_often_each_split_trains():
    m = MultiSplitModel(build_backbone("resnet20"), splits=["SP-1", "SP-2", "SP-3"], k_max=8,
                        split_weights={"SP-1": 0.5, "SP-3": 3.0})
    assert m.split_weights == [0.5, 1.0, 3.0]  # unnamed splits weigh 1
    drawn = []
    m.view = lambda sp: drawn.append(sp) or (lambda x, **kw: torch.zeros(len(x), 10))  # record, skip the net
    random.seed(0)
    for _ in range(3000):
        m(torch.zeros(1, 3, 32, 32))
    share = {sp: drawn.count(sp) / len(drawn) for sp in m.splits}
    assert abs(share["SP-1"] - 0.5 / 4.5) < 0.02 and abs(share["SP-3"] - 3 / 4.5) < 0.03, share
    for bad in ({"SP-4": 1.0}, {"SP-2": 0.0}):
        with pytest.raises(ValueError):
            MultiSplitModel(build_backbone("resnet20"), splits=["SP-1", "SP-2", "SP-3"], k_max=8, split_weights=bad)


class _FixedVal:
    """Stands in for ImageData: the same validation batches every time."""
    def __init__(self, n_batches=4, batch=6, seed=0):
        g = torch.Generator().manual_seed(seed)
        self._b = [(torch.randn(batch, 3, 32, 32, generator=g), torch.randint(0, 10, (batch,), generator=g))
                   for _ in range(n_batches)]

    def batches(self, split, batch_size, **kw):
        assert split == "val"
        yield from self._b


def test_validation_is_the_same_draw_every_epoch_and_visits_every_split():
    """Validation of a multi-split model must compare epochs on the same images, splits, k, SNR and noise:
    the global RNG (used by training) must not change it, and batch i goes through split i mod n."""
    from semcom_core.device import get_policy
    torch.manual_seed(0)
    m = MultiSplitModel(build_backbone("resnet20"), ["SP-1", "SP-3"], k_max=16)
    data, policy = _FixedVal(), get_policy()
    m.train()
    a = m.validation_accuracy(data, policy, seed=0)
    assert not m.training
    torch.manual_seed(123)
    random.seed(123)
    assert m.validation_accuracy(data, policy, seed=0) == a
    seen = []
    for sp in m.splits:
        view = m.view(sp)
        view.register_forward_hook(lambda mod, inp, out, sp=sp: seen.append(sp))
    m.validation_accuracy(data, policy, seed=0)
    assert seen == ["SP-1", "SP-3", "SP-1", "SP-3"]
