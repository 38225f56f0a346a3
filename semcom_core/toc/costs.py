"""Costs of paper 001's TOC models: per-exit cumulative transmitter MACs C_k (what a budget B is
compared with), receiver MACs and parameters, counted with the project's one counter
(`semcom_core.costs.compute.count_macs` / `count_params`, conventions "paper" and "true", 1 MAC =
`FLOPS_PER_MAC` FLOPs). The TOC models have no ConvTranspose2d, so their MACs are the same in both
conventions; parameters differ (the "paper" convention leaves out batch-norm and LayerNorm parameters).

What is charged to the transmitter (the device whose budget B is):
- static: the task-oriented encoder (ResNet stages + global average pool) and the channel encoder;
- dynamic, leaving at exit k: blocks 1..k, the exit heads 1..k (each visited exit computes its
  confidence, eq. 11, before deciding) and exit k's channel encoder.
The receiver runs the channel decoder and the classifier (about 4-6 thousand MACs).

Reconciliation with paper 001's Table III ("FLOPs": ResNet-20 40.81 M, -32 69.24 M, -44 97.66 M,
-56 126.09 M, -110 254.01 M). Paper 001's "FLOPs" are multiply-accumulates: the 2 * MACs of its own
eq. (13) would put ResNet-20 above 81 M. Two countings, `paper_table_reconciliation()`:
- **ours** (this project's ResNets: 1x1-conv projection shortcuts, He et al.'s option B; conv + linear
  MACs): the ResNet-20 encoder is 40,812,544 MACs = 40.81 M exactly as printed; the deeper encoders
  come out 0.12, 0.22, 0.34 and 0.86 M (0.17-0.34 %) below the paper (69.12, 97.44, 125.75, 253.15 M).
- **paper-style** (He et al.'s option A: identity shortcuts with zero padding, no shortcut convs; conv
  + linear MACs plus one operation per batch-norm output element, a counter such as CondenseNet's that
  charges element-wise layers one op per element; plus a constant for head and codec): reproduces the
  growth with depth of all five values exactly (the paper's differences 28.43 M per 12 layers =
  28.31 M of convolutions + 0.115 M of batch-norm elements), with a constant of 70-74 thousand on top
  of the convolutions and batch norms; our average pool, codec and classifier account for 20.3 thousand
  of it (CIFAR-100), the other ~51 thousand (0.13 % of ResNet-20) we cannot attribute from the paper's
  text: every paper-style value is 0.048-0.055 M below the printed one.
So: the paper's table counts MACs of an option-A ResNet plus the batch-norm elements; our counter, by
design conv + linear MACs (`semcom_core.costs.compute`), gives values within 0.34 % of it.
"""
from __future__ import annotations

import functools
from dataclasses import asdict, dataclass

import torch
from torch import nn

from semcom_core.costs.compute import CONVENTIONS, FLOPS_PER_MAC, count_macs, count_params
from semcom_core.nets.resnet import BasicBlock
from semcom_core.nets.toc import STATIC_ENCODERS, TOC_MODELS, DynamicTOC, StaticTOC, build_toc_model

# paper 001 Table III, the "FLOPs" column (CIFAR-100), in the paper's unit (multiply-accumulates)
PAPER_TABLE_III = {"resnet20": 40.81e6, "resnet32": 69.24e6, "resnet44": 97.66e6, "resnet56": 126.09e6,
                   "resnet110": 254.01e6}
# paper 001 Table IV, CIFAR-100, AWGN, PSNR 0 dB: accuracy (%) by budget B (paper "FLOPs"); None = "-", or
# nothing printed: the dynamic row prints 10 values under 11 budget columns, placed under 10M..260M (380M empty)
PAPER_TABLE_IV_BUDGETS = (10e6, 20e6, 30e6, 40e6, 50e6, 60e6, 70e6, 100e6, 130e6, 260e6, 380e6)
PAPER_TABLE_IV = {
    "static-resnet20": (None, None, None, None, 55.58, 55.58, 55.58, 55.58, 55.58, 55.58, 55.58),
    "static-resnet32": (None, None, None, None, None, 64.94, 64.94, 64.94, 64.94, 64.94, 64.94),
    "static-resnet44": (None, None, None, None, None, None, 54.32, 54.32, 54.32, 54.32, 54.32),
    "static-resnet56": (None, None, None, None, None, None, None, 59.85, 59.85, 59.85, 59.85),
    "static-resnet110": (None, None, None, None, None, None, None, None, 45.54, 45.54, 45.54),
    "dynamic": (51.41, 57.86, 61.26, 62.03, 62.26, 62.26, 62.26, 62.26, 62.26, 62.26, None),
}


@dataclass(frozen=True)
class TOCCosts:
    """Costs of one TOC model in one convention. Per exit k (a static model has one exit):
    exit_macs[k] = C_k, cumulative transmitter MACs of a sample leaving at exit k; rx_macs[k] = receiver
    MACs for it; exit_tx_params[k] = parameters the transmitter needs to reach exit k."""
    model: str
    num_classes: int
    convention: str
    exit_macs: tuple[int, ...]
    rx_macs: tuple[int, ...]
    exit_tx_params: tuple[int, ...]
    tx_params: int
    rx_params: int
    k_transmitted: int

    @property
    def exit_flops(self) -> tuple[int, ...]:
        return tuple(FLOPS_PER_MAC * m for m in self.exit_macs)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(exit_macs=list(self.exit_macs), rx_macs=list(self.rx_macs),
                 exit_tx_params=list(self.exit_tx_params), exit_flops=list(self.exit_flops),
                 exits=len(self.exit_macs), unit="MACs per image (1 MAC = 2 FLOPs; paper 001's 'FLOPs' are MACs)")
        return d


class _TxPrefix(nn.Module):
    """What the transmitter runs for a sample leaving at exit k (1-based)."""

    def __init__(self, model: nn.Module, k: int):
        super().__init__()
        self.model, self.k = model, k

    def forward(self, x):
        if isinstance(self.model, StaticTOC):
            return self.model.transmitter(x)
        feats = list(self.model.exit_features(x, self.k))
        return self.model.links[self.k - 1].encoder(feats[-1][0])


class _Rx(nn.Module):
    def __init__(self, link: nn.Module):
        super().__init__()
        self.link = link

    def forward(self, y):
        return self.link.classifier(self.link.decoder(y))


def _tx_modules(model: nn.Module, k: int) -> nn.ModuleList:
    if isinstance(model, StaticTOC):
        return nn.ModuleList([model.toe, model.link.encoder])
    return nn.ModuleList([*model.blocks[:k], *model.exit_heads[:k], model.links[k - 1].encoder])


@functools.lru_cache(maxsize=64)
def toc_costs(model: str, num_classes: int = 10, convention: str = "paper", image_hw: int = 32,
              in_channels: int = 3) -> TOCCosts:
    """Weight-independent costs of the TOC model called `model` ("dynamic", "static-resnet20", ...),
    counted on PyTorch's meta device (shapes only). ValueError for an unknown model or convention."""
    if convention not in CONVENTIONS:
        raise ValueError(f"unknown convention {convention!r}; use one of {CONVENTIONS}")
    with torch.device("meta"):
        net = build_toc_model(model, num_classes, in_channels)
        x = torch.zeros(1, in_channels, image_hw, image_hw)
        links = [net.link] if isinstance(net, StaticTOC) else list(net.links)
        k_tx = links[0].encoder.fc2.out_features
        y = torch.zeros(1, k_tx)
        exits = range(1, len(links) + 1)
        exit_macs = tuple(count_macs(_TxPrefix(net, k), x, convention) for k in exits)
        rx_macs = tuple(count_macs(_Rx(link), y, convention) for link in links)
        exit_params = tuple(count_params(_tx_modules(net, k), convention) for k in exits)
        if isinstance(net, StaticTOC):
            tx_params = exit_params[0]
            rx_params = count_params(nn.ModuleList([net.link.decoder, net.link.classifier]), convention)
        else:
            tx_params = count_params(nn.ModuleList([net.blocks, net.exit_heads, *[lk.encoder for lk in net.links]]),
                                     convention)
            rx_params = count_params(nn.ModuleList([m for lk in net.links for m in (lk.decoder, lk.classifier)]),
                                     convention)
    return TOCCosts(model, num_classes, convention, exit_macs, rx_macs, exit_params, tx_params, rx_params, k_tx)


def all_toc_costs(num_classes: int = 10, conventions: tuple[str, ...] = CONVENTIONS) -> list[dict]:
    """Every TOC model's costs in every convention (what `toc costs --json` prints)."""
    return [toc_costs(m, num_classes, c).to_dict() for m in TOC_MODELS for c in conventions]


# ----------------------------------------------------------------------------- reconciliation
def _elementwise_and_shortcut_counts(encoder: str, num_classes: int) -> dict[str, int]:
    """For a static TOC model: MACs of the 1x1 projection-shortcut convolutions (absent in option A) and
    the number of batch-norm output elements outside them, one forward pass on the meta device."""
    with torch.device("meta"):
        net = StaticTOC(encoder, num_classes)
        shortcut_bns = {id(m) for b in net.modules() if isinstance(b, BasicBlock)
                        for m in b.shortcut.modules() if isinstance(m, nn.BatchNorm2d)}
        counts = {"shortcut_macs": 0, "bn_elements": 0}

        def sc_hook(conv, inputs, output):
            counts["shortcut_macs"] += output.shape[1:].numel() * conv.in_channels * conv.kernel_size[0] ** 2

        def bn_hook(bn, inputs, output):
            if id(bn) not in shortcut_bns:
                counts["bn_elements"] += output.shape[1:].numel()

        hooks = [m.register_forward_hook(bn_hook) for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
        hooks += [c.register_forward_hook(sc_hook) for b in net.modules() if isinstance(b, BasicBlock)
                  for c in b.shortcut.modules() if isinstance(c, nn.Conv2d)]
        with torch.no_grad():
            net.eval()(torch.zeros(1, 3, 32, 32))
        for h in hooks:
            h.remove()
    return counts


@functools.lru_cache(maxsize=16)
def _encoder_macs(encoder: str, num_classes: int) -> int:
    """MACs of the static task-oriented encoder alone (ResNet stages + average pool, no codec)."""
    with torch.device("meta"):
        net = StaticTOC(encoder, num_classes)
        return count_macs(_Features(net), torch.zeros(1, 3, 32, 32), "paper")


class _Features(nn.Module):
    def __init__(self, model: StaticTOC):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model.features(x)


def paper_table_reconciliation(num_classes: int = 100) -> list[dict]:
    """One row per static encoder: paper 001's Table III value, our encoder's conv MACs (option B, what
    the project counts), the paper-style count (option A + one op per batch-norm element + our head and
    codec), and their differences from the paper (see the module docstring)."""
    rows = []
    for enc in STATIC_ENCODERS:
        c = toc_costs(f"static-{enc}", num_classes, "paper")
        encoder_macs = _encoder_macs(enc, num_classes)
        codec_enc = c.exit_macs[0] - encoder_macs  # the channel encoder's two linear layers
        extra = _elementwise_and_shortcut_counts(enc, num_classes)
        head_codec = codec_enc + c.rx_macs[0] + 64 * 8 * 8  # + the global average pool's additions
        paper_style = encoder_macs - extra["shortcut_macs"] + extra["bn_elements"] + head_codec
        paper = PAPER_TABLE_III[enc]
        rows.append({"encoder": enc, "paper_macs": paper, "encoder_macs": encoder_macs,
                     "transmitter_macs": c.exit_macs[0], "total_macs": c.exit_macs[0] + c.rx_macs[0],
                     "encoder_minus_paper": encoder_macs - paper,
                     "paper_style_macs": paper_style, "paper_style_minus_paper": paper_style - paper,
                     "shortcut_macs": extra["shortcut_macs"], "bn_elements": extra["bn_elements"],
                     "head_codec_macs": head_codec})
    return rows
