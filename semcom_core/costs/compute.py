"""Exact cost accounting for split inference (paper 000, eqs. 1-6).

Units and conventions (the UI quotes `CONVENTION_NOTES`):
- Computation is counted in multiply-accumulates (MACs); 1 MAC = 2 FLOPs (`FLOPS_PER_MAC`).
  Paper 000 writes "FLOPs" for what are MAC counts; its Table II numbers are MACs.
- Two counting conventions:
  * `true`: the MACs each weight layer really performs. Conv2d: C_in/groups * C_out * k_h * k_w
    per *output* position. ConvTranspose2d: C_in * C_out/groups * k_h * k_w per *input* position
    (each input pixel scatters one k_h x k_w x C_out patch). Linear: in * out. Batch norm folds into
    the preceding convolution at inference; ReLU, pooling and residual additions are not MACs.
    Cross-checked against torch.utils.flop_counter in the tests.
  * `paper`: how paper 000's released code counts (conv + linear layers only, via forward hooks):
    k_h * k_w * C_in/groups * C_out * H_out * W_out for Conv2d *and* ConvTranspose2d. For a
    ConvTranspose2d with kernel = stride = s this counts every weight once per *output* pixel, s^2
    times too many, so the receiver's decompression (two ConvTranspose2d stages) is overstated;
    thop counts ConvTranspose2d the same way. The transmitter side is identical in both.
- Parameters: `paper` counts conv + linear weights only (batch-norm parameters excluded, as the
  released code does); `true` counts every learnable parameter.
- Communication: z has k real numbers = ceil(k/2) complex channel uses; at b bits per number,
  k*b bits. Normalized communication = k / (C*H*W) of the raw image (one real number costs as much as
  one pixel value).
"""
from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass

import torch
from torch import nn

from semcom_core.channels import complex_channel_uses
from semcom_core.nets import build_backbone
from semcom_core.nets.split import SplitModel, split_points

FLOPS_PER_MAC = 2
CONVENTIONS = ("paper", "true")

CONVENTION_NOTES = {
    "units": "Costs are multiply-accumulates (MACs); 1 MAC = 2 FLOPs. Paper 000's 'FLOPs' are MACs.",
    "paper": "paper: conv + linear layers counted as paper 000's code does: k*k*C_in*C_out per OUTPUT "
             "position for Conv2d and ConvTranspose2d alike; parameters of conv/linear layers only.",
    "true": "true: each layer's real MACs; a ConvTranspose2d costs k*k*C_in*C_out per INPUT position; "
            "batch norm folded into convolutions; all learnable parameters counted.",
    "difference": "They differ only at the receiver: its decompression uses ConvTranspose2d with kernel = "
                  "stride = s, which the paper's counter charges per output pixel, s^2 times the true "
                  "cost (16x and 64x for the 4x and 8x up-sampling stages at SP-2). The transmitter "
                  "side is identical in both conventions.",
}


# ----------------------------------------------------------------------------- counting
def count_macs(module: nn.Module, example: torch.Tensor, convention: str = "true") -> int:
    """MACs of one forward pass of `module` on `example` (batch size 1) in `convention`."""
    if convention not in CONVENTIONS:
        raise ValueError(f"unknown convention {convention!r}; use one of {CONVENTIONS}")
    return _count_macs_all(module, example)[convention]


def _count_macs_all(module: nn.Module, example: torch.Tensor) -> dict[str, int]:
    """MACs of one forward pass in every convention at once: {convention: MACs}."""
    total = dict.fromkeys(CONVENTIONS, 0)

    def conv_hook(layer, inputs, output):
        kh, kw = layer.kernel_size
        c_in, c_out, g = layer.in_channels, layer.out_channels, layer.groups
        per_output = output.shape[2] * output.shape[3] * (c_in // g) * c_out * kh * kw
        total["paper"] += per_output
        if isinstance(layer, nn.ConvTranspose2d):
            total["true"] += inputs[0].shape[2] * inputs[0].shape[3] * c_in * (c_out // g) * kh * kw
        else:
            total["true"] += per_output

    def linear_hook(layer, inputs, output):
        macs = layer.in_features * layer.out_features * (inputs[0].numel() // inputs[0].shape[-1])
        for conv in total:
            total[conv] += macs

    handles = []
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            handles.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            handles.append(m.register_forward_hook(linear_hook))
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            module(example)
    finally:
        for h in handles:
            h.remove()
        module.train(was_training)
    return {conv: int(v) for conv, v in total.items()}


def count_params(module: nn.Module, convention: str = "true") -> int:
    if convention == "paper":
        return sum(p.numel() for m in module.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))
                   for p in m.parameters(recurse=False))
    return sum(p.numel() for p in module.parameters())


# ----------------------------------------------------------------------------- per-split costs
@dataclass(frozen=True)
class SplitCosts:
    backbone: str
    num_classes: int
    split: str
    k: int
    decompress: int
    convention: str
    tx_macs: int
    rx_macs: int
    unsplit_macs: int
    tx_params: int
    rx_params: int
    unsplit_params: int
    z_elements: int
    image_elements: int

    @property
    def tx_share(self) -> float:
        return self.tx_macs / max(1, self.tx_macs + self.rx_macs)

    @property
    def complex_channel_uses(self) -> int:
        return complex_channel_uses(self.z_elements)

    def bits(self, bits_per_element: int = 32) -> int:
        """z at `bits_per_element` bits per number (the latency model charges SP-0 its 8-bit pixels instead:
        `element_bits`)."""
        return self.z_elements * bits_per_element

    @property
    def normalized_communication(self) -> float:
        return self.z_elements / self.image_elements

    def normalized_computation(self, gamma: float) -> float:
        return normalized_computation(self.tx_macs, self.rx_macs, self.unsplit_macs, gamma)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(tx_share=self.tx_share, rx_share=1 - self.tx_share,
                 tx_params_share=self.tx_params / max(1, self.tx_params + self.rx_params),
                 complex_channel_uses=self.complex_channel_uses, real_channel_uses=self.z_elements,
                 bits_fp32=self.bits(32), normalized_communication=self.normalized_communication)
        return d


@functools.lru_cache(maxsize=4096)
def split_costs(backbone: str, num_classes: int, split: str, k: int = 1024, decompress: int = 2,
                convention: str = "true", image_hw: int = 32, in_channels: int = 3) -> SplitCosts:
    """Costs of `backbone` cut at `split` sending k numbers, in `convention`. Weight-independent:
    counted on a freshly built model whose bottleneck has exactly k channels (see models.split)."""
    if convention not in CONVENTIONS:
        raise ValueError(f"unknown convention {convention!r}; use one of {CONVENTIONS}")
    if int(k) < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    unsplit_macs, unsplit_params = _unsplit_counts(backbone, num_classes, image_hw, in_channels)
    k_eff, tx_macs, rx_macs, tx_params, rx_params = _split_counts(backbone, num_classes, split, int(k), decompress,
                                                                  image_hw, in_channels)
    return SplitCosts(backbone, num_classes, split, k_eff, decompress, convention, tx_macs[convention],
                      rx_macs[convention], unsplit_macs[convention], tx_params[convention], rx_params[convention],
                      unsplit_params[convention], z_elements=k_eff, image_elements=in_channels * image_hw * image_hw)


# Counting runs on PyTorch's meta device: shapes only, no weight initialisation and no arithmetic, so it
# neither touches the global RNG nor slows down when training or a sweep holds the CPU cores. Each
# structure is counted once, in both conventions.
@functools.lru_cache(maxsize=64)
def _unsplit_counts(backbone: str, num_classes: int, image_hw: int, in_channels: int):
    with torch.device("meta"):
        net = build_backbone(backbone, num_classes, in_channels)
        macs = _count_macs_all(net, torch.zeros(1, in_channels, image_hw, image_hw))
    return macs, {conv: count_params(net, conv) for conv in CONVENTIONS}


@functools.lru_cache(maxsize=1024)
def _split_counts(backbone: str, num_classes: int, split: str, k: int, decompress: int, image_hw: int,
                  in_channels: int):
    with torch.device("meta"):
        net = build_backbone(backbone, num_classes, in_channels)
        if split not in split_points(net):
            raise ValueError(f"unknown split point {split!r}; known: {', '.join(split_points(net))}")
        model = SplitModel(net, split, k_max=k, decompress_stages=decompress, image_hw=image_hw)
        tx, rx = model.transmitter, model.receiver
        x = torch.zeros(1, in_channels, image_hw, image_hw)
        tx_macs = (_count_macs_all(tx, x) if len(tx.stages) or tx.compressor is not None
                   else dict.fromkeys(CONVENTIONS, 0))
        rx_macs = _count_macs_all(rx, torch.zeros(1, model.k_max))
    return (model.k_fixed or k, tx_macs, rx_macs, {conv: count_params(tx, conv) for conv in CONVENTIONS},
            {conv: count_params(rx, conv) for conv in CONVENTIONS})


@functools.lru_cache(maxsize=64)
def stage_costs(backbone: str, num_classes: int, convention: str = "true", image_hw: int = 32,
                in_channels: int = 3) -> tuple[dict, ...]:
    """MACs, parameters and output shape of each named stage and of the head (avgpool + fc), in
    order: the blocks of the network diagram. Weight-independent (counted on the meta device)."""
    out = []
    with torch.device("meta"):
        net = build_backbone(backbone, num_classes, in_channels)
        x = torch.zeros(1, in_channels, image_hw, image_hw)
        for name in net.stage_names:
            stage = net.stages[name]
            macs = count_macs(stage, x, convention)
            with torch.no_grad():
                x = stage.eval()(x)
            out.append({"stage": name, "macs": macs, "params": count_params(stage, convention),
                        "out_shape": tuple(x.shape[1:])})
        out.append({"stage": "avgpool+fc", "macs": count_macs(net.head, x, convention),
                    "params": count_params(net.head, convention), "out_shape": (num_classes,)})
    return tuple(out)


def codec_costs(c: SplitCosts, stages: tuple[dict, ...] | list[dict], cut: int) -> dict:
    """MACs and parameters of a split's compressor (transmitter) and decompressor (receiver): what
    `split_costs` counts on each side beyond the backbone stages (`stage_costs`, same convention) that
    side runs; `cut` = how many stages run on the transmitter. Zero where there is no codec (SP-0 sends
    the image, the last split the logits)."""
    tx, rx = stages[:cut], stages[cut:]
    return {"compress_macs": c.tx_macs - sum(s["macs"] for s in tx),
            "compress_params": c.tx_params - sum(s["params"] for s in tx),
            "decompress_macs": c.rx_macs - sum(s["macs"] for s in rx),
            "decompress_params": c.rx_params - sum(s["params"] for s in rx)}


# ----------------------------------------------------------------------------- the paper's equations
def normalized_computation(tx_macs: float, rx_macs: float, unsplit_macs: float, gamma: float) -> float:
    """Eq. 6: (F(M_t) + gamma * F(M_r)) / F(M), gamma = alpha_r / alpha_t (receiver/transmitter time per FLOP)."""
    return (tx_macs + gamma * rx_macs) / unsplit_macs


def normalized_communication(z_elements: int, image_elements: int = 3 * 32 * 32) -> float:
    return z_elements / image_elements


@dataclass(frozen=True)
class Latency:
    tx_compute_s: float
    air_s: float
    rx_compute_s: float

    @property
    def total_s(self) -> float:
        return self.tx_compute_s + self.air_s + self.rx_compute_s


IMAGE_BITS = 8  # the raw image's pixels are 8-bit integers


def element_bits(split: str, bits_per_element: int) -> int:
    """Bits charged per number sent at `split` with b bits per number: b, except SP-0, which sends the raw image,
    whose 8-bit pixels need no more than 8 (min(b, 8)): paper 000's S(z) of the image is its size."""
    return min(int(bits_per_element), IMAGE_BITS) if split == "SP-0" else int(bits_per_element)


def latency(tx_macs: float, rx_macs: float, z_elements: int, tx_flops_per_s: float, rx_flops_per_s: float,
            link_bits_per_s: float, bits_per_element: int = 32) -> Latency:
    """Eqs. 1-4: T = alpha_t F_t + alpha_r F_r + S(z)/R with alpha = 1 / (device FLOP/s)."""
    return Latency(FLOPS_PER_MAC * tx_macs / tx_flops_per_s, z_elements * bits_per_element / link_bits_per_s,
                   FLOPS_PER_MAC * rx_macs / rx_flops_per_s)


# ----------------------------------------------------------------------------- presets
# Peak FP32 throughput, order-of-magnitude figures for thinking in seconds (not benchmarks).
DEVICE_PRESETS: dict[str, float] = {
    # Arm Cortex-M7 at 480 MHz (STM32H7 datasheet), one single-precision FMA per cycle: 0.96 GFLOP/s
    "microcontroller (Cortex-M7, 480 MHz)": 0.96e9,
    # Raspberry Pi 4 (4x Cortex-A72 @ 1.5 GHz): 24 GFLOP/s = 4 FP32 FLOP per cycle per core, the commonly quoted
    # figure; HPL measures about 8-13 GFLOP/s (FP64), and the NEON pipes' theoretical peak is higher
    "single-board computer (Raspberry Pi 4)": 24e9,
    # Qualcomm Adreno 740 (Snapdragon 8 Gen 2) GPU: ~2 TFLOP/s FP32 (vendor figures)
    "phone GPU (Snapdragon 8 Gen 2)": 2.0e12,
    # NVIDIA Jetson Orin Nano 8GB: 1024 CUDA cores @ 625 MHz -> 1.28 TFLOP/s FP32 (NVIDIA datasheet)
    "edge GPU (Jetson Orin Nano)": 1.28e12,
    # NVIDIA A100 SXM: 19.5 TFLOP/s FP32 (NVIDIA A100 datasheet)
    "server GPU (A100)": 19.5e12,
}
# Nominal peak uplink rates in bit/s (standards' headline figures).
LINK_PRESETS: dict[str, float] = {
    "LoRa (SF7, 125 kHz)": 5.47e3,  # LoRaWAN Regional Parameters, DR5
    "NB-IoT (Cat NB2 uplink)": 159e3,  # 3GPP TS 36.306, UE category NB2 (Rel-14), 2 HARQ processes (NB1, Rel-13: ~62 kbit/s)
    "LTE Cat-4 uplink": 50e6,  # 3GPP TS 36.306, UE category 4
    "Wi-Fi 5 (802.11ac, 1x1, 80 MHz)": 433e6,  # IEEE 802.11ac MCS9, one spatial stream
    "5G NR uplink (typical peak)": 200e6,  # order of magnitude for a sub-6 GHz FR1 uplink
}


def cost_table(backbone: str, num_classes: int = 10, k: int = 1024, decompress: int = 2,
               conventions: tuple[str, ...] = CONVENTIONS):
    """Paper 000's Table II for every split point, one row per (split, convention), as a DataFrame."""
    import pandas as pd
    net = build_backbone(backbone, num_classes)
    rows = []
    for conv in conventions:
        for sp in split_points(net):
            c = split_costs(backbone, num_classes, sp, k, decompress, conv)
            total_params = max(1, c.tx_params + c.rx_params)
            rows.append({"split": sp, "convention": conv, "k": c.k, "tx_macs": c.tx_macs,
                         "tx_share_%": 100 * c.tx_share, "tx_params": c.tx_params,
                         "tx_params_%": 100 * c.tx_params / total_params, "rx_macs": c.rx_macs,
                         "rx_share_%": 100 * (1 - c.tx_share), "rx_params": c.rx_params,
                         "rx_params_%": 100 * c.rx_params / total_params, "unsplit_macs": c.unsplit_macs,
                         "z_elements": c.z_elements, "normalized_communication": c.normalized_communication})
    return pd.DataFrame(rows)


def latency_table(costs, tx_flops_per_s: float, rx_flops_per_s: float, link_bits_per_s: float,
                  bits_per_element: int = 32):
    """Eqs. 1-4 for every split point of a `cost_table` (one convention's rows): transmitter compute, air
    time and receiver compute in seconds, and their total, one row per split."""
    import pandas as pd
    rows = [{"split": r.split, **vars(latency(r.tx_macs, r.rx_macs, r.z_elements, tx_flops_per_s, rx_flops_per_s,
                                              link_bits_per_s, element_bits(r.split, bits_per_element)))}
            for r in costs.itertuples()]
    t = pd.DataFrame(rows)
    t["total_s"] = t.tx_compute_s + t.air_s + t.rx_compute_s
    return t
