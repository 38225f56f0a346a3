"""One network for every split point: a shared backbone plus one codec per feature split
(SP-1..SP-5 for ResNet-18/34), trained with a random split per batch (`split_weights` sets how
often each is drawn) and a random k and SNR per image ("one network trained over random split
points"). `view(split)` gives the `SplitModel` of one split, sharing the trained modules, for
evaluation and live inference.

`adapt` gives a split its own trained copy of chosen stages (e.g. {"SP-2": ["conv2_x", "conv3_x"]}:
the last stage before the cut and the first after it), initialised from the backbone. Paper 000
trains one whole network per split point; a frozen shared backbone with codecs alone is weak at
early splits (its features are not made to survive global pooling, and the stages after the cut
never learn to read the decompressed map), while one shared backbone fine-tuned for all splits mixes
their batch-norm statistics. Per-split copies of the stages next to the cut are the middle ground:
each split's copies and batch-norm statistics see only that split, the rest stays shared and frozen,
and the file grows only by the copied stages."""
from __future__ import annotations

import random

import torch
from torch import nn

from semcom_core.channels import Channel, seeded_generator
from semcom_core.nets.resnet import CifarResNet
from semcom_core.nets.split import K_CHOICES, Codec, SplitModel, split_points


def split_key(split: str) -> str:
    """A split point's name as a module key: SP-3 -> SP_3."""
    return split.replace("-", "_")


class MultiSplitModel(nn.Module):
    def __init__(self, backbone: CifarResNet, splits: list[str] | None = None, k_max: int = 1024,
                 decompress_stages: int = 2, snr_db_range: tuple[float, float] = (-5.0, 20.0),
                 distill_weight: float = 0.0, teacher: CifarResNet | None = None, image_hw: int = 32,
                 adapt: dict[str, list[str]] | None = None, split_weights: dict[str, float] | None = None,
                 k_ref: int = 0, k_min: int = 1, distill_temperature: float = 2.0):
        super().__init__()
        self.backbone = backbone
        all_sp = split_points(backbone)
        self.splits = splits or all_sp[1:-1]
        self.k_max, self.decompress_stages = k_max, decompress_stages
        self.snr_db_range = tuple(snr_db_range)
        self.codecs = nn.ModuleDict({split_key(s): Codec(backbone, s, k_max, decompress_stages, image_hw)
                                     for s in self.splits})
        self.adapted = nn.ModuleDict({split_key(s): self._copies(s, names) for s, names in (adapt or {}).items()})
        self.split_weights = self._weights(split_weights or {})
        self.distill_weight = distill_weight
        self.teacher = [teacher] if teacher is not None else []  # a list: not a sub-module, not saved
        self.extra_loss: torch.Tensor | None = None
        self._channel = Channel("awgn")
        self._ks = torch.tensor([k for k in K_CHOICES if k <= k_max])
        if k_ref and not 1 <= k_min <= k_ref <= k_max:
            raise ValueError(f"need 1 <= k_min <= k_ref <= k_max, got k_min={k_min}, k_ref={k_ref}, k_max={k_max}")
        self.k_ref, self.k_min = int(k_ref), int(k_min)
        self.distill_temperature = float(distill_temperature)
        if k_ref:
            self.VALIDATION = f"round-robin splits, seeded k (half {k_ref}, half log-uniform {k_min}..{k_max}) and SNR (v2)"

    def sample_k(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """k for n images as in training: uniform over the powers of two up to k_max; or, with `k_ref`
        set, half of them at k_ref (where the explorer looks) and half log-uniform over k_min..k_max
        (every integer k, nested prefixes, so one codec serves all k)."""
        if not self.k_ref:
            return self._ks[torch.randint(len(self._ks), (n,), generator=generator)]
        lo, hi = torch.log2(torch.tensor(float(self.k_min))), torch.log2(torch.tensor(float(self.k_max)))
        spread = torch.exp2(torch.empty(n).uniform_(float(lo), float(hi), generator=generator)).round().long()
        at_ref = torch.rand(n, generator=generator) < 0.5
        return torch.where(at_ref, torch.full((n,), self.k_ref), spread.clamp(self.k_min, self.k_max))

    def _copies(self, split: str, names: list[str]) -> nn.ModuleDict:
        import copy
        if split not in self.splits:
            raise ValueError(f"adapt names {split}, which is not one of this model's splits ({', '.join(self.splits)})")
        known = [*self.backbone.stage_names, "head"]
        bad = [n for n in names if n not in known]
        if bad:
            raise ValueError(f"adapt[{split!r}] names unknown stages {bad}; known: {', '.join(known)}")
        copies = nn.ModuleDict({n: copy.deepcopy(self.backbone.head if n == "head" else self.backbone.stages[n])
                                for n in names})
        for p in copies.parameters():
            p.requires_grad_(True)  # a split's own copy trains even when the shared backbone is frozen
        return copies

    def _weights(self, given: dict[str, float]) -> list[float]:
        """Relative frequency of each split in training (1 where not given): spend the batches where
        accuracy is hard to get."""
        bad = sorted(set(given) - set(self.splits))
        if bad:
            raise ValueError(f"split_weights names {bad}, not among this model's splits ({', '.join(self.splits)})")
        w = [float(given.get(s, 1.0)) for s in self.splits]
        if any(not v > 0 for v in w):
            raise ValueError(f"split_weights must be positive (a split drawn never would never train): {given}")
        return w

    @property
    def backbone_frozen(self) -> bool:
        return not any(p.requires_grad for p in self.backbone.parameters())

    def train(self, mode: bool = True):
        super().train(mode)
        if self.backbone_frozen:  # frozen weights: keep their batch-norm statistics frozen too
            self.backbone.eval()
        return self

    @property
    def all_splits(self) -> list[str]:
        """The split points this model can run: the image, its trained codecs, the label."""
        sp = split_points(self.backbone)
        return [sp[0], *self.splits, sp[-1]]

    def view(self, split: str) -> SplitModel:
        """The split model of one split point (built once, then reused: it only holds references)."""
        if split not in self.all_splits:
            raise ValueError(f"this model has no trained codec for {split}; it serves {', '.join(self.all_splits)}")
        views = self.__dict__.setdefault("_views", {})  # a plain cache, not registered as sub-modules
        if split not in views:
            codec = self.codecs[split_key(split)] if split_key(split) in self.codecs else None
            own = dict(self.adapted[split_key(split)].items()) if split_key(split) in self.adapted else None
            views[split] = SplitModel(self.backbone, split, self.k_max, self.decompress_stages, codec=codec,
                                      overrides=own)
        return views[split]

    # How `validation_accuracy` measures; a resumed run whose checkpoint used another protocol restarts
    # its best-so-far, since the numbers are not comparable.
    VALIDATION = "round-robin splits, seeded k and SNR (v1)"

    @torch.no_grad()
    def validation_accuracy(self, data, policy, batch_size: int = 500, seed: int = 0) -> float:
        """Accuracy on the validation images under the training distribution, drawn the same way every
        time: batch i goes through split i mod (number of splits), each image gets a seeded random k and
        SNR and seeded noise. Every epoch is thus compared on the same images, splits, k, SNR and noise
        (random draws per evaluation made the number swing by 12 points between epochs)."""
        self.eval()
        g = seeded_generator(seed)
        lo, hi = self.snr_db_range
        correct = total = 0
        for i, (x, y) in enumerate(data.batches("val", batch_size)):
            k = self.sample_k(len(x), g)
            snr = torch.empty(len(x)).uniform_(lo, hi, generator=g)
            x = policy.prepare_input(x)
            with policy.autocast():
                logits = self.view(self.splits[i % len(self.splits)])(
                    x, k=k.to(x.device), snr_db=snr.to(x.device), channel=self._channel, generator=g)
            correct += int((logits.argmax(1).cpu() == y.cpu()).sum())
            total += len(y)
        return correct / max(1, total)

    def forward(self, x: torch.Tensor, split: str | None = None, k=None, snr_db=None,
                generator: torch.Generator | None = None) -> torch.Tensor:
        if split is None:  # training: random split per batch, random k and SNR per image
            split = random.choices(self.splits, self.split_weights)[0]
        model = self.view(split)
        if k is None:
            k = self.sample_k(len(x)).to(x.device)
        if snr_db is None:
            lo, hi = self.snr_db_range
            snr_db = torch.empty(len(x), device=x.device).uniform_(lo, hi)
        logits = model(x, k=k, snr_db=snr_db, channel=self._channel, generator=generator)
        if self.training and self.distill_weight > 0 and self.teacher:
            teacher = self.teacher[0]
            if next(teacher.parameters()).device != x.device:
                teacher.to(x.device)
            with torch.no_grad():
                t = teacher(x).float()
            temp = self.distill_temperature
            kd = nn.functional.kl_div(nn.functional.log_softmax(logits.float() / temp, 1),
                                      nn.functional.softmax(t / temp, 1), reduction="batchmean") * temp ** 2
            self.extra_loss = self.distill_weight * kd
        return logits


def build_trainable_split_model(cfg, num_classes: int, in_channels: int,
                                init_weights: dict[str, torch.Tensor] | None = None) -> MultiSplitModel:
    """From a TrainConfig of kind "split": backbone (initialised from `init_weights`, the trained
    backbone's tensors, when given; optionally frozen, and the distillation teacher) + one codec per
    split point."""
    import copy

    from semcom_core.nets.resnet import build_backbone
    backbone = build_backbone(cfg.backbone, num_classes, in_channels)
    teacher = None
    if init_weights is not None:
        backbone.load_state_dict({k.removeprefix("backbone."): v for k, v in init_weights.items()})
        if cfg.distill_weight > 0:
            teacher = copy.deepcopy(backbone).eval()
            for p in teacher.parameters():
                p.requires_grad_(False)
    if cfg.freeze_backbone:
        for p in backbone.parameters():
            p.requires_grad_(False)
    return MultiSplitModel(backbone, cfg.splits or None, cfg.k_max, cfg.decompress_stages,
                           tuple(cfg.snr_db_range), cfg.distill_weight, teacher, adapt=cfg.adapt or None,
                           split_weights=cfg.split_weights or None, k_ref=cfg.k_ref, k_min=cfg.k_min,
                           distill_temperature=cfg.distill_temperature)
