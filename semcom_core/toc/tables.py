"""The measured TOC results table (issue 28's Table III and Table IV analogues in one long CSV) and where it
lives: `pretrained/toc/toc_results_<dataset>.csv`.

One row per (model, channel, PSNR, budget):
- static models: `budget` empty (a static model's accuracy does not depend on B; it fits every B at least
  its cost, `mean_macs`), `exit_fraction_1` = 1. These rows are the Table III analogue.
- the dynamic model: one row per budget B (MACs per image on the transmitter), with the measured mean
  MACs per image (`mean_macs`, `mean_macs_se`), the planned expected cost (`expected_macs`), r, and per
  exit k = 1..K the measured fraction leaving there (`exit_fraction_k`), the accuracy of the images that
  left there (`exit_accuracy_k`, empty when none did) and the accuracy if every image left there
  (`all_exit_accuracy_k`, independent of B). Dynamic + static rows at one (channel, PSNR) are Table IV.

`write_results` measures it from trained run folders with `semcom_core.toc.evaluate` (`collect`,
`budget_result`, `static_result`: the numbers `evaluate_budgets` gives, tested equal) with one pass over
the test images per model, channel and PSNR (every budget from the same pass) and one pass over the
validation images per dynamic model (its confidences do not depend on the channel).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from semcom_core import paths

REQUIRED = ("model", "channel", "snr_db", "budget", "accuracy", "n", "mean_macs")
BASE_COLUMNS = ("model", "dataset", "channel", "snr_db", "budget", "accuracy", "ci95_low", "ci95_high", "n",
                "mean_macs", "mean_macs_se", "expected_macs", "status", "r", "seed", "n_val", "weights",
                "weights_sha256")
TABLE_III_SNRS = (0.0, 6.0, 12.0, 18.0)
TABLE_III_CHANNELS = ("awgn", "rayleigh")


def results_path(dataset: str = "cifar10") -> Path:
    return paths.pretrained_dir() / "toc" / f"toc_results_{dataset}.csv"


def exit_columns(prefix: str, table: pd.DataFrame) -> list[str]:
    """The per-exit columns `<prefix>_1`, `<prefix>_2`, ... of `table`, in exit order."""
    found = [c for c in table.columns if c.startswith(prefix + "_") and c[len(prefix) + 1:].isdigit()]
    return sorted(found, key=lambda c: int(c[len(prefix) + 1:]))


def validate(table: pd.DataFrame, name: str = "the TOC results table") -> pd.DataFrame:
    """`table` with its required columns checked (ValueError naming the missing ones) and numbers as
    floats (budget NaN for static rows)."""
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise ValueError(f"{name} lacks columns {missing}; re-measure it with `python -m semcom_core.toc.tables`")
    t = table.copy()
    for c in ("snr_db", "budget", "accuracy", "mean_macs", "n"):
        t[c] = pd.to_numeric(t[c], errors="coerce")
    t["model"] = t["model"].astype(str)
    t["channel"] = t["channel"].astype(str)
    return t


def load_results(dataset: str = "cifar10", path: Path | None = None) -> pd.DataFrame | None:
    """The shipped results table of `dataset`, validated; None when no such file is shipped yet (no
    trained TOC model measured). ValueError when the file is there but unusable."""
    p = Path(path) if path is not None else results_path(dataset)
    if not p.is_file():
        return None
    try:
        t = pd.read_csv(p)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise ValueError(f"{p.name} cannot be read as CSV ({e}); re-measure it") from None
    return validate(t, p.name)


# ----------------------------------------------------------------------------- writing
def result_row(res: dict, k_max: int = 5) -> dict:
    """One CSV row from one `toc.evaluate.evaluate_budgets` result (static or dynamic)."""
    ci = res.get("ci95") or [None, None]
    row = {"model": res["model"], "dataset": res.get("dataset"), "channel": res["channel"],
           "snr_db": res["snr_db"], "budget": res.get("budget") if res["model"] == "dynamic" else None,
           "accuracy": res["accuracy"], "ci95_low": ci[0], "ci95_high": ci[1], "n": res["n"],
           "mean_macs": res["mean_macs"], "mean_macs_se": res.get("mean_macs_se", 0.0),
           "expected_macs": res.get("expected_macs", res["mean_macs"]), "status": res.get("status", "static"),
           "r": res.get("r"), "seed": res.get("seed"), "n_val": res.get("n_val"), "weights": res.get("weights"),
           "weights_sha256": res.get("weights_sha256")}
    fractions = list(res.get("exit_fractions") or [])
    at_exit = list(res.get("accuracy_at_exit") or ([res["accuracy"]] if len(fractions) == 1 else []))
    all_at = list(res.get("accuracy_if_all_leave_at") or ([res["accuracy"]] if len(fractions) == 1 else []))
    for k in range(k_max):
        row[f"exit_fraction_{k + 1}"] = fractions[k] if k < len(fractions) else None
        row[f"exit_accuracy_{k + 1}"] = at_exit[k] if k < len(at_exit) else None
        row[f"all_exit_accuracy_{k + 1}"] = all_at[k] if k < len(all_at) else None
    return row


def default_budgets(num_classes: int = 10, n_log: int = 12) -> list[float]:
    """Budgets for the dynamic model's Table IV analogue: every exit's cost C_k, every static model's cost
    between C_1 and C_K, paper 001's Table IV budgets in that range, and `n_log` log-spaced values from C_1
    to C_K (so the page's accuracy-vs-B curve has no large gaps)."""
    from semcom_core.nets.toc import STATIC_ENCODERS
    from semcom_core.toc.costs import PAPER_TABLE_IV_BUDGETS, toc_costs
    c = [float(x) for x in toc_costs("dynamic", num_classes, "paper").exit_macs]
    static = [float(toc_costs(f"static-{e}", num_classes, "paper").exit_macs[0]) for e in STATIC_ENCODERS]
    grid = set(c) | {s for s in static if c[0] <= s <= c[-1]} | {b for b in PAPER_TABLE_IV_BUDGETS if c[0] <= b <= c[-1]}
    grid |= {float(f"{v:.3g}") for v in np.geomspace(c[0], c[-1], n_log)[1:-1]}
    return sorted(grid)


def _run_model(run_dir: Path) -> tuple[str, str, Path]:
    """(model, dataset, weights) of a training run folder (its config.json and best.safetensors)."""
    cfg_path, weights = run_dir / "config.json", run_dir / "best.safetensors"
    if not cfg_path.is_file() or not weights.is_file():
        raise FileNotFoundError(f"{run_dir} is not a finished TOC run (needs config.json and best.safetensors); "
                                "train it with `python -m semcom_core toc train configs/toc_<model>_<dataset>.toml`")
    cfg = json.loads(cfg_path.read_text())
    return cfg["model"], cfg["dataset"], weights


def _sha256(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _measure_model(model: str, dataset: str, weights: Path, channels, snrs, budgets: list, n: int, seed: int,
                   n_val: int, policy, progress) -> list[dict]:
    """`toc.evaluate.evaluate_budgets` at every (channel, PSNR) with the model, the images and (for the
    dynamic model) the validation confidences loaded once: the same numbers, one validation pass per model
    instead of one per setting (the confidences are computed before the channel)."""
    from semcom_core.costs.compute import FLOPS_PER_MAC
    from semcom_core.data.loader import ImageData
    from semcom_core.data.registry import get_spec
    from semcom_core.device import get_policy
    from semcom_core.toc.costs import toc_costs
    from semcom_core.toc.evaluate import (
        budget_result,
        collect,
        load_toc_model,
        static_result,
    )
    policy = policy or get_policy(precision="fp32")
    spec = get_spec(dataset)
    net, meta = load_toc_model(model, spec.num_classes, weights)
    net = policy.prepare_model(net)
    data = ImageData(dataset, policy.device, n_val=int(meta.get("n_val", n_val if n_val else 5000)),
                     seed=int(meta.get("split_seed", 0)))
    n = min(n, len(data.test))
    costs = toc_costs(model, spec.num_classes, "paper")
    val = None
    if model == "dynamic":
        val = collect(net, data.batches("val", 500, limit=min(n_val, len(data.val))), None, "noiseless", seed, policy)
    out = []
    for ch in channels:
        for snr in snrs:
            if progress:
                progress(f"{model} {ch} {snr:g} dB: {len(budgets)} budget(s) on {n} test images")
            test = collect(net, data.batches("test", 500, limit=n), float(snr), ch, seed, policy)
            results = ([budget_result(val, test, b, costs.exit_macs) for b in budgets] if model == "dynamic"
                       else [static_result(test, costs.exit_macs[0])])
            for res in results:
                res.update(model=model, dataset=dataset, provenance=data.provenance, channel=ch, snr_db=float(snr),
                           seed=seed, weights=str(weights), mean_flops=res["mean_macs"] * FLOPS_PER_MAC,
                           precision=policy.description)
                out.append(res)
    return out


def measure_results(run_dirs, channels=TABLE_III_CHANNELS, snrs=TABLE_III_SNRS, budgets=None, n: int = 10000,
                    seed: int = 0, n_val: int = 5000, policy=None, progress=print) -> pd.DataFrame:
    """The results table of the models in `run_dirs` (one per model: ValueError for two runs of the same
    model or of different datasets): every model at every channel and PSNR; the dynamic one at every budget
    (`default_budgets` when None)."""
    runs = [_run_model(Path(d)) for d in run_dirs]
    models = [m for m, _, _ in runs]
    dupes = sorted({m for m in models if models.count(m) > 1})
    if dupes:
        raise ValueError(f"two runs of {', '.join(dupes)}: pass one run folder per model")
    datasets = {ds for _, ds, _ in runs}
    if len(datasets) > 1:
        raise ValueError(f"runs of different datasets {sorted(datasets)}: one table per dataset")
    rows = []
    for model, dataset, weights in runs:
        if model == "dynamic" and budgets is None:
            from semcom_core.data.registry import get_spec
            model_budgets = default_budgets(get_spec(dataset).num_classes)
        else:
            model_budgets = list(budgets) if model == "dynamic" else [None]
        sha = _sha256(weights)
        for res in _measure_model(model, dataset, weights, channels, snrs, model_budgets, n, seed, n_val, policy,
                                  progress):
            res["weights_sha256"] = sha
            rows.append(result_row(res))
    return pd.DataFrame(rows)


def write_results(run_dirs, out: Path | None = None, **kw) -> Path:
    """Measure (`measure_results`) and write the CSV atomically (default `results_path(dataset)`)."""
    table = measure_results(run_dirs, **kw)
    dataset = str(table["dataset"].iloc[0]) if len(table) else "cifar10"
    out = Path(out) if out is not None else results_path(dataset)
    paths.atomic_write_text(out, table.to_csv(index=False))
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m semcom_core.toc.tables RUN_DIR... [--out CSV] [--n N] [--snr ...] [--channel ...]`"""
    import argparse
    p = argparse.ArgumentParser(prog="python -m semcom_core.toc.tables",
                                description="measure trained TOC runs into the results table the page reads")
    p.add_argument("runs", nargs="+", help="training run folders (config.json + best.safetensors), one per model")
    p.add_argument("--out", help="CSV path (default pretrained/toc/toc_results_<dataset>.csv)")
    p.add_argument("--n", type=int, default=10000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--snr", type=float, nargs="+", default=list(TABLE_III_SNRS))
    p.add_argument("--channel", nargs="+", default=list(TABLE_III_CHANNELS))
    a = p.parse_args(argv)
    out = write_results(a.runs, Path(a.out) if a.out else None, channels=a.channel, snrs=a.snr, n=a.n, seed=a.seed)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
