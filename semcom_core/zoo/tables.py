"""The shipped sweep tables (accuracy per split, k, channel and SNR, measured by `eval.split.sweep`)
and where they live: `pretrained/split/sweep_<backbone>_<dataset>.csv`."""
from __future__ import annotations

import pandas as pd

from semcom_core import paths
from semcom_core.data.registry import DatasetError
from semcom_core.zoo.naming import shipped_names, sweep_path
from semcom_core.zoo.store import shipped_card


def has_split_model(backbone: str, dataset: str) -> bool:
    name = shipped_names(backbone, dataset)[1]
    d = paths.pretrained_dir() / "split"
    return (d / f"{name}.json").is_file() and (d / f"{name}.safetensors").is_file()


def unsplit_accuracy(backbone: str, dataset: str) -> float | None:
    """Test accuracy of the shipped unsplit backbone (from its model card), the reference line."""
    acc = shipped_card(shipped_names(backbone, dataset)[0]).get("test_accuracy")
    return float(acc) if acc is not None else None


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
