"""Task-oriented communication networks of paper 001 ("Computation-resource-efficient Task-oriented
Communications", Fu, Xiao, Ren, Skoglund): the static model (a CIFAR ResNet encoder) and the dynamic
model (a multi-exit, multi-scale dense encoder with K = 5 exits), both followed by paper 001's MLP
channel codec (Table I) and a classifier at the receiver.

The chain is paper 001's eq. (1)-(4):  S --TOE--> M --channel encoder--> X --channel--> Y --channel
decoder--> M_hat --inference--> Z_hat.

Units and conventions
- Images: (B, C, 32, 32) float, normalized as `semcom_core.data.loader` yields them.
- X: (B, 16) real numbers, one channel use each, normalized to unit average power per number
  (||x||^2 = 16, `channels.power_normalize`); "PSNR" in paper 001 = signal power / noise power, so
  snr_db here is paper 001's PSNR in dB.
- Channels by name from `semcom_core.channels` ("awgn": real AWGN; "rayleigh": per-symbol Rayleigh
  fading with MMSE equalization, pairs of reals as complex symbols; "noiseless"); snr_db a float or a
  (B,) tensor (one SNR per image, for training over a range of SNRs).
- Outputs: logits (B, num_classes) at the receiver; for the dynamic model one per exit, plus the
  transmitter-side logits whose top softmax probability is the exit's confidence (eq. 11).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from semcom_core.channels import get_channel, power_normalize
from semcom_core.nets.resnet import build_backbone

K_TRANSMITTED = 16  # paper 001 Table I / Table II: transmitted dimension for CIFAR
CODEC_HIDDEN = 128
STATIC_ENCODERS = ("resnet20", "resnet32", "resnet44", "resnet56", "resnet110")


# ----------------------------------------------------------------------------- Table I
class ChannelEncoder(nn.Module):
    """Paper 001 Table I, transmitter side: Linear(d_in -> 128) + ReLU, Linear(128 -> 16), then power
    normalization (not a layer of Table I; the channel's unit-power convention needs it).

    Input: task features M (B, d_in). Output: X (B, 16) with ||x||^2 = 16 per row."""

    def __init__(self, d_in: int, k: int = K_TRANSMITTED, hidden: int = CODEC_HIDDEN):
        super().__init__()
        self.fc1 = nn.Linear(d_in, hidden)
        self.fc2 = nn.Linear(hidden, k)

    def forward(self, m: torch.Tensor) -> torch.Tensor:
        return power_normalize(self.fc2(torch.relu(self.fc1(m))).float())


class ChannelDecoder(nn.Module):
    """Paper 001 Table I, receiver side: L1 = Linear(16 -> 16) + ReLU, L2 = Linear(16 -> 128) + ReLU,
    L3 = Linear(128 -> 16), output LayerNorm(L1 + L3) (a residual connection around L2-L3).

    Input: received Y (B, 16). Output: decoded features M_hat (B, 16)."""

    def __init__(self, k: int = K_TRANSMITTED, hidden: int = CODEC_HIDDEN):
        super().__init__()
        self.l1 = nn.Linear(k, k)
        self.l2 = nn.Linear(k, hidden)
        self.l3 = nn.Linear(hidden, k)
        self.norm = nn.LayerNorm(k)

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        a1 = torch.relu(self.l1(y))
        a3 = self.l3(torch.relu(self.l2(a1)))
        return self.norm(a1 + a3)


class TOCLink(nn.Module):
    """Channel encoder -> channel -> channel decoder -> classifier (Linear(16 -> num_classes)): the
    wireless block and the task-execution block of paper 001 Fig. 2 for one feature vector.

    forward(m, snr_db, channel, generator) -> receiver logits (B, num_classes)."""

    def __init__(self, d_in: int, num_classes: int, k: int = K_TRANSMITTED):
        super().__init__()
        self.encoder = ChannelEncoder(d_in, k)
        self.decoder = ChannelDecoder(k)
        self.classifier = nn.Linear(k, num_classes)

    def forward(self, m: torch.Tensor, snr_db=None, channel: str = "awgn",
                generator: torch.Generator | None = None) -> torch.Tensor:
        x = self.encoder(m)                                   # X = eps_c(M; eta), eq. (2)
        y = transmit(x, snr_db, channel, generator)           # Y = h X + noise, eq. (3)
        return self.classifier(self.decoder(y))               # Z_hat = delta_t(delta_c(Y; kappa); gamma), eq. (4)


def transmit(x: torch.Tensor, snr_db, channel: str, generator: torch.Generator | None = None) -> torch.Tensor:
    """X through the named channel at snr_db (paper 001's PSNR); snr_db None = noiseless."""
    if snr_db is None or channel == "noiseless":
        return x
    return get_channel(channel)(x, snr_db, generator)


# ----------------------------------------------------------------------------- static TOC
class StaticTOC(nn.Module):
    """Paper 001 section IV: static task-oriented encoder (a thin CIFAR ResNet-20/32/44/56/110 from
    `nets.resnet`, global average pooled to 64 features) + Table I channel codec + linear classifier,
    trained end to end with cross-entropy (eq. 5) with the channel in the loop.

    forward(x, snr_db=None, channel="awgn", generator=None) -> receiver logits (B, num_classes)
      x: (B, C, 32, 32) normalized images; snr_db: float, (B,) tensor, or None (noiseless).
    `transmitter(x)` -> X (B, 16) (what the device computes and sends); `receiver(y)` -> logits."""

    def __init__(self, encoder: str = "resnet20", num_classes: int = 10, in_channels: int = 3,
                 k: int = K_TRANSMITTED):
        super().__init__()
        if encoder not in STATIC_ENCODERS:
            raise ValueError(f"unknown static TOC encoder {encoder!r}; known: {', '.join(STATIC_ENCODERS)}")
        self.arch = f"static-{encoder}"
        self.encoder_name = encoder
        self.num_classes = num_classes
        net = build_backbone(encoder, num_classes, in_channels)
        self.toe = net.stages  # conv1, conv2_x, conv3_x, conv4_x (the backbone's fc head is not used)
        self.feature_dim = net.head.fc.in_features
        self.link = TOCLink(self.feature_dim, num_classes, k)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """M = eps_t(S; beta): the task features (B, 64)."""
        for stage in self.toe.values():
            x = stage(x)
        return torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)

    def transmitter(self, x: torch.Tensor) -> torch.Tensor:
        return self.link.encoder(self.features(x))

    def receiver(self, y: torch.Tensor) -> torch.Tensor:
        return self.link.classifier(self.link.decoder(y))

    def forward(self, x: torch.Tensor, snr_db=None, channel: str = "awgn",
                generator: torch.Generator | None = None) -> torch.Tensor:
        return self.link(self.features(x), snr_db, channel, generator)


# ----------------------------------------------------------------------------- dynamic TOC (MSDNet-style)
@dataclass(frozen=True)
class MSDConfig:
    """Multi-scale dense network configuration, named as in gaohuang/MSDNet (opts.lua, CIFAR):
    nScales = len(gr_factor), growthRate, grFactor, bnFactor, initial channels, nBlocks (= exits K),
    stepmode "even" with `base` layers before exit 1 and `step` layers between exits, prune "max",
    reduction 0.5 at transition layers, 1x1 bottlenecks.

    The MSDNet CIFAR anytime recipe is nBlocks 10, base 4, step 2, growthRate 6, grFactor 1-2-4,
    bnFactor 1-2-4, 16 initial channels, 128-channel exit classifiers. Paper 001 keeps K = 5 exits.
    Kept from MSDNet: three scales (32, 16, 8 pixels), dense connectivity by concatenation, strided
    convolutions between scales, 1x1 bottlenecks (bnFactor 1-2-4), "max" pruning of the finest scale
    with 0.5 transitions, "even" exit spacing, exit classifiers of two stride-2 3x3 convs + average pool.
    Simplified so that it trains on a 2-core CPU:
    - K = 5 exits, base 1, step 2: 9 layers (MSDNet CIFAR: 10-22 layers);
    - growth rate 16 instead of 6 (channel counts that are multiples of 16: on this CPU's bf16 matrix
      units MSDNet's growth 6 trains at 55 images/s on one core, growth 16 at 150 images/s, for more
      MACs);
    - exit classifiers 64 channels wide instead of 128 (their 64 pooled features are what the channel
      codec compresses, as the static ResNets' 64).
    Exit costs (transmitter, cumulative, CIFAR-10): 11.3, 38.4, 70.9, 98.7, 122.6 M MACs, spanning the
    budgets of paper 001's Table IV (10-130 M) and the static ResNet-20/32/44/56 (40.8-125.8 M).
    Tried (one core, bf16, training images/s; exit costs in M MACs): growth 6 base 3 step 3: 55 img/s,
    12-58 M; growth 16 base 1 step 1 (5 layers): 201 img/s, 13-73 M; growth 16 base 2 step 2: 112
    img/s, 26-173 M."""
    exits: int = 5
    base: int = 1
    step: int = 2
    growth: int = 16
    gr_factor: tuple[int, ...] = (1, 2, 4)
    bn_factor: tuple[int, ...] = (1, 2, 4)
    init_channels: int = 16
    reduction: float = 0.5
    classifier_channels: int = 64

    @property
    def scales(self) -> int:
        return len(self.gr_factor)

    @property
    def steps(self) -> list[int]:
        return [self.base] + [self.step] * (self.exits - 1)


def _conv_bn_relu(c_in: int, c_out: int, k: int = 3, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, k, stride, k // 2, bias=False), nn.BatchNorm2d(c_out),
                         nn.ReLU(inplace=True))


class _ConvBN(nn.Module):
    """MSDNet_Layer.lua `build`: optional 1x1 bottleneck (min(c_in, bn_width * c_out) channels), then a
    3x3 conv, stride 1 ("normal") or 2 ("down"), each followed by BN + ReLU."""

    def __init__(self, c_in: int, c_out: int, down: bool, bn_width: int):
        super().__init__()
        inner = min(c_in, bn_width * c_out)
        self.net = nn.Sequential(_conv_bn_relu(c_in, inner, 1), _conv_bn_relu(inner, c_out, 3, 2 if down else 1))

    def forward(self, x):
        return self.net(x)


class _MSDLayer(nn.Module):
    """One MSDNet layer (eqs. (9)-(10) of paper 001): at the finest kept scale,
    a_{v,l} = [a_{v,l-1}, F(a_{v,l-1})]; at coarser scales a_{v,l} = [a_{v,l-1}, F~(a_{v-1,l-1}),
    F(a_{v,l-1})] (strided conv from the finer scale, concatenated: dense connectivity by concatenation,
    so the input holds every earlier layer's output). in_scales - out_scales <= 1: the finest scale may be
    dropped (MSDNet's "max" pruning)."""

    def __init__(self, c_in: int, growth: int, cfg: MSDConfig, in_scales: int, out_scales: int):
        super().__init__()
        self.discard = in_scales - out_scales
        offset = cfg.scales - out_scales
        gr, bn = cfg.gr_factor, cfg.bn_factor
        self.ops = nn.ModuleList()
        for i in range(out_scales):
            s = offset + i  # absolute scale index
            c_out = gr[s] * growth
            if i == 0 and self.discard == 0:  # finest kept scale, nothing finer: normal only
                self.ops.append(nn.ModuleDict({"normal": _ConvBN(c_in * gr[s], c_out, False, bn[s])}))
            else:
                self.ops.append(nn.ModuleDict({"down": _ConvBN(c_in * gr[s - 1], c_out // 2, True, bn[s - 1]),
                                               "normal": _ConvBN(c_in * gr[s], c_out // 2, False, bn[s])}))

    def forward(self, xs: list[torch.Tensor]) -> list[torch.Tensor]:
        out = []
        for i, op in enumerate(self.ops):
            j = i + self.discard  # index into the input scales
            cur = xs[j]
            if "down" in op:
                out.append(torch.cat([cur, op["down"](xs[j - 1]), op["normal"](cur)], 1))
            else:
                out.append(torch.cat([cur, op["normal"](cur)], 1))
        return out


class _Transition(nn.Module):
    """1x1 conv + BN + ReLU per kept scale, reducing channels (MSDNet `build_transition`)."""

    def __init__(self, c_in: int, c_out: int, cfg: MSDConfig, out_scales: int):
        super().__init__()
        offset = cfg.scales - out_scales
        self.ops = nn.ModuleList(_conv_bn_relu(c_in * cfg.gr_factor[offset + i], c_out * cfg.gr_factor[offset + i], 1)
                                 for i in range(out_scales))

    def forward(self, xs):
        return [op(x) for op, x in zip(self.ops, xs)]


class _FirstLayer(nn.Module):
    """The initial layer: one 3x3 conv per scale, stride 1 at the finest, stride 2 down the scales."""

    def __init__(self, in_channels: int, cfg: MSDConfig):
        super().__init__()
        c = [cfg.init_channels * g for g in cfg.gr_factor]
        self.ops = nn.ModuleList([_conv_bn_relu(in_channels, c[0])] +
                                 [_conv_bn_relu(c[i - 1], c[i], 3, 2) for i in range(1, cfg.scales)])

    def forward(self, x):
        out = []
        for op in self.ops:
            x = op(x)
            out.append(x)
        return out


class ExitHead(nn.Module):
    """An exit on the transmitter: MSDNet's CIFAR classifier body on the coarsest scale (two 3x3 stride-2
    convs of `width` channels, average pool) gives the exit's task features M_k (B, width); a linear layer on
    them gives the transmitter-side logits whose top softmax probability is the confidence (eq. 11)."""

    def __init__(self, c_in: int, num_classes: int, width: int = 64):
        super().__init__()
        self.body = nn.Sequential(_conv_bn_relu(c_in, width, 3, 2), _conv_bn_relu(width, width, 3, 2),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.confidence_fc = nn.Linear(width, num_classes)

    def forward(self, x):
        m = self.body(x)
        return m, self.confidence_fc(m)


@dataclass
class ExitOutputs:
    """What a dynamic TOC forward pass produces, per exit k = 1..K (lists of length K):
    rx_logits[k]: receiver logits (B, num_classes) after the channel (the task output, eq. (16));
    tx_logits[k]: transmitter logits (B, num_classes) before the channel (confidence, eq. (11))."""
    rx_logits: list[torch.Tensor]
    tx_logits: list[torch.Tensor]

    def confidences(self) -> torch.Tensor:
        """(B, K) top softmax probability at each exit on the transmitter (eq. 11)."""
        return torch.stack([t.float().softmax(1).amax(1) for t in self.tx_logits], 1)


class DynamicTOC(nn.Module):
    """Paper 001 section V: dynamic task-oriented encoder with K exits (MSDNet-style: `cfg.scales`
    feature scales, dense connectivity, an exit after each block), each exit with its own Table I channel
    codec and receiver classifier. Trained with the sum of the K receiver cross-entropies (eq. (15),
    omega_k = 1) plus the K transmitter-side confidence heads' cross-entropies (the heads must be
    classifiers for their top softmax probability to mean "easy image").

    forward(x, snr_db=None, channel="awgn", generator=None, exits=None) -> ExitOutputs
      x: (B, C, 32, 32) normalized images; snr_db: float, (B,) tensor or None (noiseless);
      exits: how many exits to run (default all K): a transmitter that stops at exit k runs only
      blocks 1..k (what `semcom_core.toc.costs` charges it).
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 3, cfg: MSDConfig | None = None,
                 k: int = K_TRANSMITTED):
        super().__init__()
        cfg = cfg or MSDConfig()
        self.cfg = cfg
        self.arch = "dynamic"
        self.num_classes = num_classes
        layer_all = sum(cfg.steps)
        interval = -(-layer_all // cfg.scales)  # ceil
        self.blocks = nn.ModuleList()
        self.exit_heads = nn.ModuleList()
        self.links = nn.ModuleList()
        c, done = cfg.init_channels, 0
        for b, n_layers in enumerate(cfg.steps):
            mods: list[nn.Module] = [_FirstLayer(in_channels, cfg)] if b == 0 else []
            for _ in range(n_layers):
                done += 1
                in_s = cfg.scales - max(0, done - 2) // interval
                out_s = cfg.scales - (done - 1) // interval
                mods.append(_MSDLayer(c, cfg.growth, cfg, in_s, out_s))
                c += cfg.growth
                if in_s > out_s and cfg.reduction > 0:
                    mods.append(_Transition(c, int(cfg.reduction * c), cfg, out_s))
                    c = int(cfg.reduction * c)
            self.blocks.append(nn.Sequential(*mods))
            self.exit_heads.append(ExitHead(c * cfg.gr_factor[-1], num_classes, cfg.classifier_channels))
            self.links.append(TOCLink(cfg.classifier_channels, num_classes, k))
        self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    @property
    def num_exits(self) -> int:
        return len(self.blocks)

    def exit_features(self, x: torch.Tensor, exits: int | None = None):
        """Yield (M_k, transmitter logits_k) for k = 1..exits, running each block once."""
        xs = x
        for k in range(exits or self.num_exits):
            xs = self.blocks[k](xs)
            yield self.exit_heads[k](xs[-1])

    def forward(self, x: torch.Tensor, snr_db=None, channel: str = "awgn",
                generator: torch.Generator | None = None, exits: int | None = None) -> ExitOutputs:
        rx, tx = [], []
        for k, (m_k, tx_logits) in enumerate(self.exit_features(x, exits)):
            tx.append(tx_logits)                                       # confidence, eq. (11)
            rx.append(self.links[k](m_k, snr_db, channel, generator))  # eqs. (2)-(4) at exit k
        return ExitOutputs(rx, tx)


def build_toc_model(name: str, num_classes: int = 10, in_channels: int = 3) -> nn.Module:
    """"dynamic" or "static-resnet20" ... "static-resnet110"."""
    if name == "dynamic":
        return DynamicTOC(num_classes, in_channels)
    if name.startswith("static-") and name[len("static-"):] in STATIC_ENCODERS:
        return StaticTOC(name[len("static-"):], num_classes, in_channels)
    raise ValueError(f"unknown TOC model {name!r}; known: {', '.join(TOC_MODELS)}")


TOC_MODELS = ("dynamic",) + tuple(f"static-{e}" for e in STATIC_ENCODERS)
