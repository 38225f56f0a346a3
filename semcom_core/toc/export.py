"""Shipping a finished TOC training run into the zoo: `pretrained/toc/<name>.safetensors` + `<name>.json`, in
the split zoo's card style (`semcom_core.zoo.store.export_run`: compact storage, sha256, command, epochs,
wall time, machine; the file loads through safetensors only, `zoo.store.load_shipped`).

What the card measures, on the shipped file (after compact storage, expanded to float32) in fp32, on the
first `n` test images (default all 10,000 of CIFAR-10), channel noise seeded by `seed` (0), one pass per
point exactly as `toc.evaluate.evaluate_model` and the results table (`toc.tables`) measure it:
- `table_iii`: every channel x PSNR of paper 001's Table III (AWGN and Rayleigh at 0, 6, 12, 18 dB):
  accuracy with its 95 % Wilson interval (`eval.stats`); for the dynamic model the accuracy when every
  image runs to the last exit (B >= C_K) and, per exit, the accuracy if every image left there;
- `test_accuracy` (with `noiseless_accuracy`, its interval): the 16 numbers received exactly, as the split
  zoo's cards state a plain classifier's accuracy with no channel (`eval.cards`; the no-channel
  reference's own setting); for the dynamic model every image run to the last exit.
The dynamic model's budgeted accuracy needs thresholds fitted on the validation split the run carved from
the training set: the shipped file keeps the run file's metadata (`n_val`, `split_seed`), which
`toc.evaluate` and `toc.tables` read; the card repeats it as `validation_split`. The per-budget numbers
(Table IV) are in the results table, not the card.
"""
from __future__ import annotations

import json
from pathlib import Path

from semcom_core import paths
from semcom_core.toc.tables import TABLE_III_CHANNELS, TABLE_III_SNRS

SUBDIR = "toc"


def shipped_name(run_config: dict) -> str:
    """A run's artifact name: its config's name (`configs/<name>.toml` trains `pretrained/toc/<name>.*`)."""
    return run_config["name"]


def _point(c, channel: str, snr_db: float | None) -> dict:
    """Card fields of one measured point: the last exit's accuracy (a static model has one) with its 95 %
    interval; for a multi-exit model every exit's accuracy if all images left there."""
    from semcom_core.eval.stats import wilson_interval
    n = len(c.labels)
    correct = int((c.rx_pred[:, -1] == c.labels).sum())
    out = {"channel": channel, "snr_db": snr_db, "accuracy": correct / max(1, n),
           "ci95": list(wilson_interval(correct, n)), "n": n}
    if c.rx_pred.shape[1] > 1:
        out["exit_accuracy"] = [float(a) for a in c.exit_accuracy]
    return out


def measure_toc_card(model, cfg: dict, n: int = 10000, seed: int = 0, channels=TABLE_III_CHANNELS,
                     snrs=TABLE_III_SNRS, progress=None) -> dict:
    """The card's accuracy fields for `model` (the shipped file as `zoo.store.load_shipped` builds it) at
    every (channel, PSNR), fp32, the first `n` test images, noise seeded by `seed`."""
    import os
    import platform
    import time

    import torch

    from semcom_core.data.loader import ImageData
    from semcom_core.device import get_policy
    from semcom_core.toc.evaluate import collect
    t0 = time.time()
    policy = get_policy(precision="fp32")
    data = ImageData(cfg["dataset"], policy.device, n_val=0)  # the test split is the same for any n_val
    net = policy.prepare_model(model)
    n = min(n, len(data.test))
    points = []
    for ch in channels:
        for snr in snrs:
            if progress:
                progress(f"{cfg['name']}: {ch} {snr:g} dB on {n} test images")
            points.append(_point(collect(net, data.batches("test", 500, limit=n), float(snr), ch, seed, policy),
                                 ch, float(snr)))
    if progress:
        progress(f"{cfg['name']}: noiseless on {n} test images")
    noiseless = _point(collect(net, data.batches("test", 500, limit=n), None, "noiseless", seed, policy),
                       "noiseless", None)
    dynamic = cfg["model"] == "dynamic"
    return {
        "test_accuracy": noiseless["accuracy"], "test_images": n,
        "test_accuracy_note": ("measured on the shipped file in fp32, no channel (the 16 numbers received exactly)"
                               + (", every image run to the last exit (B >= C_K)" if dynamic else "")
                               + f"; table_iii: {' and '.join(channels)} at PSNR "
                                 f"{', '.join(f'{s:g}' for s in snrs)} dB, noise seed {seed}"),
        "table_iii": points, "noiseless_accuracy": noiseless, "test_seed": seed, "measured_in": "fp32",
        "dataset_provenance": data.provenance,
        "measured_on": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
                       f"{torch.get_num_threads()} thread(s), {policy.description}",
        "measure_seconds": round(time.time() - t0, 1),
    }


def export_toc_run(run_dir: Path, name: str | None = None, dtype: str = "float32", command: str | None = None,
                   n: int = 10000, seed: int = 0, channels=TABLE_III_CHANNELS, snrs=TABLE_III_SNRS,
                   allow_unfinished: bool = False, progress=None) -> dict:
    """Ship the finished TOC run in `run_dir` (config.json, summary.json, best.safetensors) as
    `pretrained/toc/<name>` (default: its config's name) stored as `dtype`, with its card measured on the
    shipped file (`measure_toc_card`). ValueError for a run that is not a finished TOC run."""
    from semcom_core.toc.costs import toc_costs
    from semcom_core.zoo.store import export_run, sha256_file
    run_dir = Path(run_dir)
    need = [f for f in ("config.json", "summary.json", "best.safetensors") if not (run_dir / f).is_file()]
    if need:
        raise ValueError(f"{run_dir} is not a TOC training run with a result (missing {', '.join(need)}); train "
                         "it with `python -m semcom_core toc train configs/toc_<model>_<dataset>.toml`")
    cfg = json.loads((run_dir / "config.json").read_text())
    summary = json.loads((run_dir / "summary.json").read_text())
    if "model" not in cfg or cfg.get("kind") not in (None, "toc"):
        raise ValueError(f"{run_dir} is not a TOC run (its config has no TOC model); use `zoo export` for it")
    if not summary.get("finished") and not allow_unfinished:
        raise ValueError(f"{run_dir} has not finished ({summary.get('epochs_done')} of {summary.get('epochs')} "
                         "epochs); resume it with `toc train ... --resume` first")
    name = name or shipped_name(cfg)
    command = command or f"python -m semcom_core toc train {cfg.get('source_path') or 'configs/' + name + '.toml'}"

    def measure(model, cfg_d: dict) -> dict:
        return measure_toc_card(model, cfg_d, n=n, seed=seed, channels=channels, snrs=snrs, progress=progress)

    card = export_run(run_dir, name, SUBDIR, command, dtype, measure=measure, kind="toc", keep_metadata=True)
    extra = {"model": cfg["model"],
             "validation_split": {"n_val": cfg.get("n_val"), "seed": cfg.get("seed"),
                                  "carved_from": "the training set (toc.train; the dynamic model's thresholds are "
                                                 "fitted on it, never on the test set)"}}
    from semcom_core.data.registry import get_spec
    costs = toc_costs(cfg["model"], get_spec(cfg["dataset"]).num_classes, "paper")
    extra["transmitter_macs_per_exit"] = [int(c) for c in costs.exit_macs]
    extra["transmitter_parameters"] = int(costs.tx_params)
    if not summary.get("finished"):
        extra["unfinished"] = f"{summary.get('epochs_done')} of {summary.get('epochs')} epochs"
    init = card.get("init_from")
    if init and not init.get("sha256"):  # toc.train does not record it; the file as it is at export time
        p = Path(init["path"]) if Path(init["path"]).is_absolute() else paths.REPO_ROOT / init["path"]
        if p.is_file():
            init["sha256_at_export"] = sha256_file(p)
    card.update(extra)
    card_file = paths.pretrained_dir() / SUBDIR / f"{name}.json"
    paths.atomic_write_text(card_file, json.dumps(card, indent=2))
    return card
