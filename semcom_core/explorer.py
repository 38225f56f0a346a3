"""The split-inference explorer's logic, free of Streamlit: which shipped models and tables exist,
reading an accuracy off a sweep table for any (split, k, SNR), the smallest k that reaches a target
accuracy (paper 000 Fig. 6), checks that accuracy does not fall as k or SNR grows, and one image
through a split model (live inference)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from . import paths
from .channels import seeded_generator
from .data.registry import DatasetError, get_spec
from .split_eval import CLI_CHANNELS, shipped_names
from .stats import accuracy_interval, sampling_tolerance

PAPER_BACKBONES = ("resnet18", "resnet34")  # paper 000's models (the zoo)
DEMO_BACKBONES = ("resnet20",)  # a small model trained quickly, for demos before the zoo lands
EXPLORER_CHANNELS = ("awgn", "rayleigh")  # table channels the explorer offers (see split_eval.CLI_CHANNELS)
PAPER_EPOCHS = 100  # paper 000 trains each split point end to end this long


def sweep_path(backbone: str, dataset: str) -> Path:
    return paths.pretrained_dir() / "split" / f"sweep_{backbone}_{get_spec(dataset).name.replace('-', '_')}.csv"


def has_split_model(backbone: str, dataset: str) -> bool:
    name = shipped_names(backbone, dataset)[1]
    d = paths.pretrained_dir() / "split"
    return (d / f"{name}.json").is_file() and (d / f"{name}.safetensors").is_file()


def unsplit_accuracy(backbone: str, dataset: str) -> float | None:
    """Test accuracy of the shipped unsplit backbone (from its model card), the reference line."""
    from .zoo import shipped_card
    acc = shipped_card(shipped_names(backbone, dataset)[0]).get("test_accuracy")
    return float(acc) if acc is not None else None


def default_backbone(backbones: tuple[str, ...], dataset: str) -> str:
    """What the page opens on: the first backbone with a shipped accuracy table, else the first with a
    shipped split model (live inference works, the table is still being measured), else the first."""
    for has in (lambda b: sweep_path(b, dataset).is_file(), lambda b: has_split_model(b, dataset)):
        found = next((b for b in backbones if has(b)), None)
        if found:
            return found
    return backbones[0]


def build_command(backbone: str) -> str:
    return f"scripts/build_zoo.sh {backbone}"


def load_sweep(backbone: str, dataset: str) -> pd.DataFrame:
    """The shipped accuracy table of (backbone, dataset); DatasetError naming the command if absent."""
    p = sweep_path(backbone, dataset)
    if not p.is_file():
        raise DatasetError(f"no accuracy table for {backbone} on {dataset} ({p.name} is not in pretrained/split/); "
                           f"`{build_command(backbone)}` trains the models and writes it, or "
                           f"`python -m semcom_core sweep --backbone {backbone} --dataset {dataset}` once the "
                           "split model is shipped")
    t = pd.read_csv(p)
    missing = {"split", "k", "channel", "snr_db", "accuracy", "n"} - set(t.columns)
    if missing:
        raise DatasetError(f"{p.name} lacks columns {sorted(missing)}; re-run the sweep")
    return t


def channel_table(table: pd.DataFrame, channel: str, backbone: str) -> pd.DataFrame:
    """The rows of one channel; DatasetError naming the command when the table has none yet (a sweep is
    measured channel by channel, AWGN first)."""
    sub = table[table.channel == channel]
    if sub.empty:
        have = ", ".join(sorted(table.channel.unique())) or "none"
        raise DatasetError(f"the {backbone} accuracy table has no {channel} rows yet (measured: {have}); "
                           f"'Measure now' evaluates this setting, `{build_command(backbone)}` measures the rest")
    return sub


@dataclass(frozen=True)
class AccuracyReading:
    accuracy: float
    n: int
    how: str  # "measured at 5 dB", "interpolated between 3 and 5 dB", "nearest measured SNR, 20 dB"
    exact: bool

    @property
    def interval(self) -> tuple[float, float] | None:
        """95 % interval of a measured row (None for an interpolated reading: it is no measurement)."""
        return accuracy_interval(self.accuracy, self.n) if self.exact else None


def rows_for(table: pd.DataFrame, split: str, k: int, channel: str) -> pd.DataFrame:
    """The table's rows for one split and channel at k (SP-0/SP-6 send a fixed size: k is ignored)."""
    sub = table[(table.split == split) & (table.channel == channel)]
    if sub.empty:
        return sub
    if sub.k.nunique() > 1:
        sub = sub[sub.k == k]
    return sub.sort_values("snr_db")


def accuracy_at(table: pd.DataFrame, split: str, k: int, snr_db: float, channel: str) -> AccuracyReading | None:
    """Accuracy at any SNR from the table: the measured value on a grid SNR, linear interpolation
    between two grid SNRs, the nearest grid SNR outside the grid; None if the table has no row."""
    sub = rows_for(table, split, k, channel)
    if sub.empty:
        return None
    s, a, n = sub.snr_db.to_numpy(float), sub.accuracy.to_numpy(float), int(sub.n.min())
    hit = np.isclose(s, snr_db)
    if hit.any():
        return AccuracyReading(float(a[hit][0]), n, f"measured at {s[hit][0]:g} dB", True)
    if snr_db < s[0] or snr_db > s[-1]:
        i = 0 if snr_db < s[0] else len(s) - 1
        return AccuracyReading(float(a[i]), n, f"nearest measured SNR, {s[i]:g} dB", False)
    j = int(np.searchsorted(s, snr_db))
    val = float(np.interp(snr_db, s[j - 1:j + 1], a[j - 1:j + 1]))
    return AccuracyReading(val, n, f"interpolated between {s[j - 1]:g} and {s[j]:g} dB", False)


@dataclass(frozen=True)
class TrainingNote:
    text: str
    far_below: bool  # the split's best accuracy is far below the unsplit model's: say why, prominently


def training_note(card: dict, split: str, k_max: int, unsplit_acc: float | None, far: float = 0.05
                  ) -> TrainingNote | None:
    """What the page says of the trained model behind a split's accuracies, from its model card: the
    training budget, and the split's accuracy over a noiseless channel with all k_max numbers (its ceiling)
    against the unsplit model's. More than `far` below it, the note flags the gap and, for a run shorter than
    paper 000's PAPER_EPOCHS, says it is the training budget's, so that a split near chance reads as an
    under-trained codec, not as a broken page. None when the card
    has no measurement for this split (SP-0 and the label have no codec)."""
    acc = (card.get("split_test_accuracy") or {}).get(split)
    if acc is None:
        return None
    epochs = card.get("epochs_total", card.get("epochs"))
    secs = card.get("wall_seconds_total", card.get("wall_seconds"))
    budget = ", ".join(p for p in (f"{epochs} epochs" if epochs else "",
                                   f"{secs / 3600:.1f} h" if secs else "",
                                   ", ".join(str(card.get("device", "")).split(", ")[:2])) if p)
    text = (f"The {split} codec of `{card.get('name', 'this model')}` was trained for {budget or 'an unrecorded budget'}. "
            f"Over a noiseless channel with all {k_max} numbers it reaches {100 * acc:.2f} %")
    gap = unsplit_acc is not None and acc < unsplit_acc - far
    text += f", the unsplit model {100 * unsplit_acc:.2f} %." if unsplit_acc is not None else "."
    if gap:
        text += " That ceiling is far below the unsplit model's" + (
            f" because the codecs had a short training budget ({epochs} epochs; paper 000 trains each split end to end "
            f"for {PAPER_EPOCHS}): this split shows the shape of the trade-off, not its level. The README's 'Compute "
            "budget' section has the numbers and the GPU recipe." if epochs and epochs < PAPER_EPOCHS else ".")
    return TrainingNote(text, gap)


def fixed_size(split: str, n_splits: int, image_elements: int, num_classes: int) -> int | None:
    """Elements SP-0 (the image) and the last split point (the logits) always send; None otherwise."""
    i = int(split.split("-")[1])
    return image_elements if i == 0 else num_classes if i == n_splits - 1 else None


def min_k_for_target(table: pd.DataFrame, target: float, channel: str, image_elements: int = 3072) -> pd.DataFrame:
    """Paper 000 Fig. 6: for every split point and SNR, the smallest k whose accuracy reaches `target`
    and its normalized communication k / image_elements (NaN where no k reaches it)."""
    rows = []
    sub = table[table.channel == channel]
    for (sp, snr), g in sub.groupby(["split", "snr_db"]):
        ok = g[g.accuracy >= target].sort_values("k")
        k = int(ok.k.iloc[0]) if len(ok) else None
        rows.append({"split": sp, "snr_db": float(snr), "min_k": k,
                     "normalized_communication": k / image_elements if k else math.nan,
                     "best_accuracy": float(g.accuracy.max())})
    return pd.DataFrame(rows).sort_values(["split", "snr_db"]).reset_index(drop=True)


def monotonicity_report(table: pd.DataFrame, z: float = 2.0) -> pd.DataFrame:
    """Where accuracy falls, beyond sampling noise, as k grows (at fixed SNR) or as SNR grows (at
    fixed k): one row per offending neighbouring pair."""
    out = []
    for along, fixed in (("k", "snr_db"), ("snr_db", "k")):
        for key, g in table.groupby(["split", "channel", fixed]):
            g = g.sort_values(along)
            a, n, x = g.accuracy.to_numpy(float), g.n.to_numpy(float), g[along].to_numpy()
            for i in range(1, len(g)):
                drop = a[i - 1] - a[i]
                if drop > float(sampling_tolerance(np.float64(a[i - 1]), np.float64(min(n[i - 1], n[i])), z)):
                    out.append({"split": key[0], "channel": key[1], fixed: key[2], "along": along,
                                "from": x[i - 1], "to": x[i], "accuracy_from": a[i - 1], "accuracy_to": a[i],
                                "drop": drop})
    return pd.DataFrame(out)


# ----------------------------------------------------------------------------- live inference
@dataclass
class LiveSplitResult:
    sent: np.ndarray  # the k numbers the transmitter sends (power-normalized)
    received: np.ndarray  # what the receiver gets (same k entries, noisy)
    probs_clean: np.ndarray  # class probabilities over a noiseless channel
    probs_noisy: np.ndarray  # ... over the chosen channel
    k: int

    @property
    def changed(self) -> bool:
        return int(self.probs_clean.argmax()) != int(self.probs_noisy.argmax())

    def top(self, which: str = "noisy", n: int = 5) -> list[tuple[int, float]]:
        return top_classes(self.probs_noisy if which == "noisy" else self.probs_clean, n)


def top_classes(p: np.ndarray, n: int = 5) -> list[tuple[int, float]]:
    """The n most probable classes as (index, probability), most probable first."""
    idx = np.argsort(-p, kind="stable")[:n]
    return [(int(i), float(p[i])) for i in idx]


def image_to_input(image: np.ndarray, dataset: str) -> torch.Tensor:
    """(H, W, C) uint8 -> (1, C, H, W) normalized with the dataset's statistics."""
    spec = get_spec(dataset)
    x = torch.from_numpy(np.array(image, dtype=np.uint8, copy=True)).permute(2, 0, 1)[None].float().div_(255.0)
    mean = torch.tensor(spec.mean)[None, :, None, None]
    std = torch.tensor(spec.std)[None, :, None, None]
    return (x - mean) / std


@torch.no_grad()
def live_split(multi, split: str, image: np.ndarray, dataset: str, k: int, snr_db: float, channel: str,
               seed: int = 0) -> LiveSplitResult:
    """One image through the split model at `split`: transmitter once, then a noiseless and a noisy
    channel (seeded: the same seed gives the same noise)."""
    view = multi.view(split).eval()
    k = view.check_k(k)
    x = image_to_input(image, dataset).to(next(multi.parameters()).device)
    z = view.encode(x, k).float()
    y = CLI_CHANNELS[channel](z, snr_db, seeded_generator(seed))
    dk = k if view.kind == "features" else None
    clean = torch.softmax(view.decode(z, dk).float(), 1)[0].cpu().numpy()
    noisy = torch.softmax(view.decode(y, dk).float(), 1)[0].cpu().numpy()
    n_sent = k if view.kind == "features" else z.shape[1]
    return LiveSplitResult(z[0, :n_sent].cpu().numpy(), y[0, :n_sent].cpu().numpy(), clean, noisy, n_sent)


@torch.no_grad()
def unsplit_probs(backbone: torch.nn.Module, image: np.ndarray, dataset: str) -> np.ndarray:
    """Class probabilities of the unsplit backbone for one image (no cut, no channel): the reference a
    split model is compared with."""
    x = image_to_input(image, dataset).to(next(backbone.parameters()).device)
    return torch.softmax(backbone.eval()(x).float(), 1)[0].cpu().numpy()
