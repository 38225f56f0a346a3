"""The measured TOC results table (issue 28's Table III and Table IV analogues in one long CSV) and where it
lives: `pretrained/toc/toc_results_<dataset>.csv`.

One row per (model, channel, PSNR, budget):
- static models: `budget` empty (a static model's accuracy does not depend on B; it fits every B at least
  its cost, `mean_macs`), `exit_fraction_1` = 1. These rows are the Table III analogue.
- the dynamic model: one row per budget B (MACs per image on the transmitter), with the measured mean
  MACs per image (`mean_macs`, `mean_macs_se`), the planned expected cost (`expected_macs`), r, and per
  exit k = 1..K the measured fraction leaving there (`exit_fraction_k`), the accuracy of the images that
  left there (`exit_accuracy_k`, empty when none did) and the accuracy if every image left there
  (`all_exit_accuracy_k`, independent of B), and the confidence threshold fitted on the validation split
  (`threshold_k`: an image leaves at the first exit whose transmitter confidence reaches it; inf = nobody
  leaves there, -inf = everyone still in does). Dynamic + static rows at one (channel, PSNR) are Table IV.

`write_shipped` measures it from the models shipped in `pretrained/toc/` (`toc export` made them; the
CLI is `python -m semcom_core toc table`), `write_results` from trained run folders, both with
`semcom_core.toc.evaluate` (`collect`, `budget_result`, `static_result`: the numbers `evaluate_budgets`
gives, tested equal) with one pass over the test images per model, channel and PSNR (every budget from
the same pass) and one pass over the validation images per dynamic model (its confidences do not depend on
the channel). Each row names the artifact (`name`) and the sha256 of the weights it was measured on, so the
page can tell a table measured on the shipped files from a stale one.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from semcom_core import paths

REQUIRED = ("model", "channel", "snr_db", "budget", "accuracy", "n", "mean_macs")
BASE_COLUMNS = ("name", "model", "dataset", "channel", "snr_db", "budget", "accuracy", "ci95_low", "ci95_high", "n",
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
    row = {"name": res.get("name"), "model": res["model"], "dataset": res.get("dataset"), "channel": res["channel"],
           "snr_db": res["snr_db"], "budget": res.get("budget") if res["model"] == "dynamic" else None,
           "accuracy": res["accuracy"], "ci95_low": ci[0], "ci95_high": ci[1], "n": res["n"],
           "mean_macs": res["mean_macs"], "mean_macs_se": res.get("mean_macs_se", 0.0),
           "expected_macs": res.get("expected_macs", res["mean_macs"]), "status": res.get("status", "static"),
           "r": res.get("r"), "seed": res.get("seed"), "n_val": res.get("n_val"), "weights": res.get("weights"),
           "weights_sha256": res.get("weights_sha256")}
    fractions = list(res.get("exit_fractions") or [])
    at_exit = list(res.get("accuracy_at_exit") or ([res["accuracy"]] if len(fractions) == 1 else []))
    all_at = list(res.get("accuracy_if_all_leave_at") or ([res["accuracy"]] if len(fractions) == 1 else []))
    thresholds = [float(t) for t in res.get("threshold_values") or []]
    for k in range(k_max):
        row[f"exit_fraction_{k + 1}"] = fractions[k] if k < len(fractions) else None
        row[f"threshold_{k + 1}"] = thresholds[k] if k < len(thresholds) else None
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


def _run_model(run_dir: Path) -> tuple[str, str, Path, str]:
    """(model, dataset, weights, name) of a training run folder (its config.json and best.safetensors)."""
    cfg_path, weights = run_dir / "config.json", run_dir / "best.safetensors"
    if not cfg_path.is_file() or not weights.is_file():
        raise FileNotFoundError(f"{run_dir} is not a finished TOC run (needs config.json and best.safetensors); "
                                "train it with `python -m semcom_core toc train configs/toc_<model>_<dataset>.toml`")
    cfg = json.loads(cfg_path.read_text())
    return cfg["model"], cfg["dataset"], weights, cfg.get("name", run_dir.name)


def shipped_dir() -> Path:
    return paths.pretrained_dir() / "toc"


def canonical_name(model: str, dataset: str) -> str:
    """The artifact that stands for `model` on `dataset` in the results table: `toc_<model>_<dataset>`
    (e.g. toc_static_resnet20_cifar10); other shipped TOC models (the no-channel reference) are measured
    into tables of their own."""
    from semcom_core.zoo.naming import dataset_key
    return f"toc_{model.replace('-', '_')}_{dataset_key(dataset)}"


def shipped_cards(dataset: str | None = None) -> dict[str, dict]:
    """The TOC models shipped in pretrained/toc/ (a card `<name>.json` of kind "toc" beside its
    `<name>.safetensors`), name -> card, optionally of one dataset only. Unreadable cards are skipped."""
    out = {}
    for card_file in sorted(shipped_dir().glob("*.json")):
        if not card_file.with_suffix(".safetensors").is_file():
            continue
        try:
            card = json.loads(card_file.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if card.get("kind") != "toc" or (dataset is not None and card.get("dataset") != dataset):
            continue
        out[card_file.stem] = card
    return out


def _shipped_model(name: str) -> tuple[str, str, Path, str]:
    """(model, dataset, weights, name) of the shipped TOC model `name`; FileNotFoundError naming the
    command that ships one."""
    cards = shipped_cards()
    if name not in cards:
        have = ", ".join(cards) or "none"
        raise FileNotFoundError(f"no shipped TOC model {name!r} in {shipped_dir()} (shipped: {have}); ship a "
                                "finished run with `python -m semcom_core toc export runs/<name>`")
    card = cards[name]
    return card["config"]["model"], card["dataset"], shipped_dir() / f"{name}.safetensors", name


def default_shipped(dataset: str = "cifar10") -> list[str]:
    """The shipped models the results table of `dataset` measures by default: one per TOC model, the
    canonical artifact (`canonical_name`), in the order of `nets.toc.TOC_MODELS`."""
    from semcom_core.nets.toc import TOC_MODELS
    cards = shipped_cards(dataset)
    return [canonical_name(m, dataset) for m in TOC_MODELS if canonical_name(m, dataset) in cards]


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


def _static_from_card(name: str, sha: str, model: str, dataset: str, channels, snrs, n: int, seed: int,
                      policy=None) -> list[dict] | None:
    """A shipped static model's rows from its card, when the card holds every asked (channel, PSNR) point
    measured on this very file (sha256), in fp32, on the same first n test images with the same noise seed:
    `toc.export.measure_toc_card` ran the same `collect` on the same batches, so measuring again would give
    the same numbers (on the same kind of CPU and thread count: fp32 sums may round differently elsewhere;
    the card's `measured_on` says where). None otherwise, or when `policy` is not fp32 (then the points are
    measured)."""
    if policy is not None and (policy.amp_dtype is not None or policy.device.type != "cpu"):
        return None
    from semcom_core.data.registry import get_spec
    from semcom_core.toc.costs import toc_costs
    card = shipped_cards(dataset).get(name)
    if not card or card.get("sha256") != sha or card.get("measured_in") != "fp32" or card.get("test_seed") != seed:
        return None
    points = {(p["channel"], float(p["snr_db"])): p for p in card.get("table_iii", []) if p.get("snr_db") is not None}
    want = [(ch, float(snr)) for ch in channels for snr in snrs]
    from semcom_core.data.prepare import cache_path, read_meta
    try:  # the same images: the prepared test set the card was measured on
        meta = read_meta(cache_path(dataset))
    except Exception:  # not prepared or unreadable: measuring says how to fix it
        return None
    n_eff = min(n, int(meta.get("test", -1)))
    if meta.get("provenance") != card.get("dataset_provenance"):
        return None
    if any(w not in points or int(points[w]["n"]) != n_eff for w in want):
        return None
    cost = int(toc_costs(model, get_spec(dataset).num_classes, "paper").exit_macs[0])
    out = []
    for ch, snr in want:
        p = points[(ch, snr)]
        out.append({"accuracy": p["accuracy"], "ci95": list(p["ci95"]), "n": int(p["n"]), "mean_macs": float(cost),
                    "exit_fractions": [1.0], "exit_costs": [cost], "r": None, "thresholds": [None],
                    "model": model, "dataset": dataset, "channel": ch, "snr_db": snr, "seed": seed,
                    "weights": str(shipped_dir() / f"{name}.safetensors")})
    return out


def measure_results(run_dirs, channels=TABLE_III_CHANNELS, snrs=TABLE_III_SNRS, budgets=None, n: int = 10000,
                    seed: int = 0, n_val: int = 5000, policy=None, progress=print) -> pd.DataFrame:
    """The results table of the models in `run_dirs` (one per model: ValueError for two runs of the same
    model or of different datasets): every model at every channel and PSNR; the dynamic one at every budget
    (`default_budgets` when None)."""
    return _measure_sources([_run_model(Path(d)) for d in run_dirs], channels, snrs, budgets, n, seed, n_val,
                            policy, progress)


def measure_shipped(names=None, dataset: str = "cifar10", channels=TABLE_III_CHANNELS, snrs=TABLE_III_SNRS,
                    budgets=None, n: int = 10000, seed: int = 0, n_val: int = 5000, policy=None,
                    progress=print) -> pd.DataFrame:
    """`measure_results` of the models shipped in pretrained/toc/: `names` (artifact names), default
    `default_shipped(dataset)`. FileNotFoundError when none (or a named one) is shipped."""
    names = list(names) if names else default_shipped(dataset)
    if not names:
        raise FileNotFoundError(f"no shipped TOC model of {dataset} in {shipped_dir()}; ship a finished run with "
                                "`python -m semcom_core toc export runs/<name>`")
    return _measure_sources([_shipped_model(nm) for nm in names], channels, snrs, budgets, n, seed, n_val, policy,
                            progress)


def _measure_sources(sources, channels, snrs, budgets, n, seed, n_val, policy, progress) -> pd.DataFrame:
    """The results table of (model, dataset, weights, name) sources, one per model."""
    models = [m for m, _, _, _ in sources]
    dupes = sorted({m for m in models if models.count(m) > 1})
    if dupes:
        raise ValueError(f"two runs of {', '.join(dupes)} ({', '.join(nm for m, _, _, nm in sources if m in dupes)}): "
                         "one per model in a table; measure the other into its own --out")
    datasets = {ds for _, ds, _, _ in sources}
    if len(datasets) > 1:
        raise ValueError(f"models of different datasets {sorted(datasets)}: one table per dataset")
    rows = []
    for model, dataset, weights, name in sources:
        if model == "dynamic" and budgets is None:
            from semcom_core.data.registry import get_spec
            model_budgets = default_budgets(get_spec(dataset).num_classes)
        else:
            model_budgets = list(budgets) if model == "dynamic" else [None]
        sha = _sha256(weights)
        found = (_static_from_card(name, sha, model, dataset, channels, snrs, n, seed, policy) if model != "dynamic"
                 else None)
        if found is not None and progress:
            progress(f"{model}: every point from its card (the same measurement of the same file)")
        for res in found if found is not None else _measure_model(model, dataset, weights, channels, snrs,
                                                                  model_budgets, n, seed, n_val, policy, progress):
            res["weights_sha256"] = sha
            res["name"] = name
            if Path(weights).resolve().is_relative_to(paths.pretrained_dir().resolve()):  # shipped: say where
                res["weights"] = str(Path(weights).resolve().relative_to(paths.pretrained_dir().resolve()))
            rows.append(result_row(res))
    return pd.DataFrame(rows)


def write_results(run_dirs, out: Path | None = None, **kw) -> Path:
    """Measure (`measure_results`) and write the CSV atomically (default `results_path(dataset)`)."""
    return _write(measure_results(run_dirs, **kw), out)


def write_shipped(names=None, dataset: str = "cifar10", out: Path | None = None, **kw) -> Path:
    """Measure the shipped models (`measure_shipped`) and write the CSV atomically (default
    `results_path(dataset)`: the file the page reads)."""
    return _write(measure_shipped(names, dataset, **kw), out)


def _write(table: pd.DataFrame, out: Path | None) -> Path:
    dataset = str(table["dataset"].iloc[0]) if len(table) else "cifar10"
    out = Path(out) if out is not None else results_path(dataset)
    paths.atomic_write_text(out, table.to_csv(index=False))
    return out


def stale_rows(table: pd.DataFrame, dataset: str = "cifar10", cards: dict[str, dict] | None = None) -> dict[str, str]:
    """Models of a results table whose rows were not measured on the file shipped now: model -> reason
    (no such model shipped, or its sha256 differs). Empty when every row matches a shipped file (rows
    without `name`, from older tables, are checked under their model's canonical name). `cards`:
    `shipped_cards(dataset)` when None."""
    cards = shipped_cards(dataset) if cards is None else cards

    def first(rows: pd.DataFrame, col: str):
        return rows[col].dropna().iloc[0] if col in rows and rows[col].notna().any() else None

    out = {}
    for model, rows in table.groupby("model"):
        name = first(rows, "name") or canonical_name(str(model), dataset)
        sha = first(rows, "weights_sha256")
        if name not in cards:
            out[str(model)] = f"{name} is not shipped in pretrained/toc/"
        elif sha is None or sha != cards[name].get("sha256"):
            out[str(model)] = (f"measured on weights {str(sha)[:12]}..., the shipped {name} is "
                               f"{str(cards[name].get('sha256'))[:12]}...")
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
