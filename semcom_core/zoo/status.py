"""What is available right now: prepared datasets, shipped models and samples, the device.
Used by the app's status panel and by `python -m semcom_core status`."""
from __future__ import annotations

import json

from safetensors import safe_open

from semcom_core import paths
from semcom_core.data.prepare import info as datasets_info
from semcom_core.data.registry import DATASETS


def shipped_models() -> list[dict]:
    """Model cards (`pretrained/**/<name>.json` next to `<name>.safetensors`); `error` when the card is missing or
    unreadable or the weights file is damaged (not counted as shipped by the status panel)."""
    out = []
    root = paths.pretrained_dir()
    for w in sorted(root.rglob("*.safetensors")):
        card = w.with_suffix(".json")
        entry = {"name": w.stem, "weights": str(w.relative_to(root)), "size_mb": round(w.stat().st_size / 1e6, 2)}
        if card.is_file():
            try:
                entry.update(json.loads(card.read_text()))
            except json.JSONDecodeError as e:
                entry["error"] = f"unreadable model card: {e}"
        else:
            entry["error"] = "no model card"
        try:  # the header only (cheap): a truncated or foreign file fails here, as loading it would
            with safe_open(str(w), "pt"):
                pass
        except Exception as e:  # SafetensorError is a plain Exception
            entry["error"] = f"damaged weights file ({str(e).splitlines()[0] if str(e) else type(e).__name__})"
        out.append(entry)
    return out


def shipped_tables() -> list[dict]:
    """The split explorer's accuracy tables (`pretrained/split/sweep_*.csv`): what each one measured."""
    import pandas as pd
    out = []
    for f in sorted((paths.pretrained_dir() / "split").glob("sweep_*.csv")):
        try:
            t = pd.read_csv(f)
            per = t.groupby("channel").n.max()
            out.append({"table": f.name, "rows": len(t), "splits": t.split.nunique(),
                        "test images per point": ", ".join(f"{c}: {int(n):,}" for c, n in per.items()),
                        "seed": ", ".join(str(x) for x in sorted(t.seed.unique())) if "seed" in t else ""})
        except (ValueError, KeyError, AttributeError) as e:  # pandas' parse errors are ValueErrors
            out.append({"table": f.name, "error": f"unreadable: {e}"})
    return out


def shipped_samples() -> dict[str, int]:
    root = paths.pretrained_dir() / "samples"
    return {name: len(list((root / name).glob("*.png"))) for name in DATASETS if (root / name).is_dir()}


def status() -> dict:
    from semcom_core.device import get_policy
    return {"datasets": datasets_info(), "models": shipped_models(), "tables": shipped_tables(),
            "samples": shipped_samples(),
            "device": get_policy().description}
