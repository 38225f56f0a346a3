"""CLI: `toc costs`, `toc evaluate`, `toc train`, `toc export` (ship a finished run into pretrained/toc/) and
`toc table` (the results table the page reads, measured on the shipped models) (paper 001: budgeted
task-oriented communication).

Budgets are per image, in multiply-accumulates by default: paper 001's "FLOPs" are MACs (its Table III
ResNet-20 is 40.81 M = our count of its MACs, see `semcom_core.toc.costs`); `--budget-unit flops` reads
real FLOPs (2 per MAC)."""
from __future__ import annotations

import json
import math
import time
from pathlib import Path

BUDGET_UNITS = ("macs", "flops")


def _budgets_macs(a) -> list[float | None]:
    from semcom_core.cli.common import UsageError
    from semcom_core.costs.compute import FLOPS_PER_MAC
    from semcom_core.toc.budget import BudgetError, parse_budget
    if not a.budget:
        return [None]
    out = []
    for text in a.budget:
        try:
            b = parse_budget(text)
        except BudgetError as e:
            raise UsageError(str(e)) from None
        out.append(b / FLOPS_PER_MAC if a.budget_unit == "flops" else b)
    return out


def cmd_toc_costs(a) -> int:
    from semcom_core.cli.common import UsageError
    from semcom_core.costs.compute import CONVENTIONS
    from semcom_core.toc.costs import all_toc_costs, paper_table_reconciliation
    if a.num_classes < 2:
        raise UsageError(f"--num-classes must be at least 2, got {a.num_classes}")
    conventions = CONVENTIONS if a.convention == "both" else (a.convention,)
    rows = all_toc_costs(a.num_classes, conventions)
    out = {"unit": "MACs per image (1 MAC = 2 FLOPs); paper 001's 'FLOPs' are MACs",
           "charged_to_transmitter": "static: encoder + channel encoder; dynamic exit k: blocks 1..k, confidence "
                                     "heads 1..k, channel encoder k",
           "models": rows}
    if a.reconcile:
        out["paper_table_iii_reconciliation"] = paper_table_reconciliation(100)
    if a.json:
        print(json.dumps(out, indent=2))
        return 0
    print(out["unit"])
    for r in rows:
        macs = ", ".join(f"{m / 1e6:.2f}" for m in r["exit_macs"])
        print(f"{r['model']:>17} ({r['convention']}): exit MACs [M] {macs}; receiver {r['rx_macs'][0]:,}; "
              f"params tx {r['tx_params']:,} rx {r['rx_params']:,}")
    for r in out.get("paper_table_iii_reconciliation", []):
        print(f"{r['encoder']:>9}: paper {r['paper_macs'] / 1e6:.2f} M, ours {r['encoder_macs'] / 1e6:.2f} M "
              f"({r['encoder_minus_paper'] / 1e6:+.2f}), paper-style {r['paper_style_macs'] / 1e6:.2f} M "
              f"({r['paper_style_minus_paper'] / 1e6:+.3f})")
    return 0


def cmd_toc_evaluate(a) -> int:
    from semcom_core.cli.common import UsageError
    from semcom_core.nets.toc import TOC_MODELS
    from semcom_core.toc.budget import BudgetError, plan_budget
    from semcom_core.toc.costs import toc_costs
    if a.model not in TOC_MODELS:
        raise UsageError(f"unknown --model {a.model!r}; known: {', '.join(TOC_MODELS)}")
    if a.n < 1 or a.n_val < 1:
        raise UsageError("--n and --n-val must be at least 1")
    budgets = _budgets_macs(a)
    from semcom_core.data.registry import get_spec
    spec = get_spec(a.dataset)
    costs = toc_costs(a.model, spec.num_classes, "paper")
    if a.model == "dynamic" and budgets == [None]:
        raise UsageError("the dynamic model needs --budget (MACs per image)")
    try:  # a budget the model cannot meet is a usage error, found before any weights or images load
        for budget in budgets:
            if budget is not None and a.model == "dynamic":
                plan_budget(budget, costs.exit_macs)
            elif budget is not None and budget < costs.exit_macs[0]:
                raise BudgetError(f"budget {budget:,.0f} MACs is below {a.model}'s cost ({costs.exit_macs[0]:,} "
                                  f"per image): it cannot run; pick a smaller encoder or the dynamic model")
    except BudgetError as e:
        raise UsageError(str(e)) from None

    from semcom_core.toc.evaluate import evaluate_budgets
    t0 = time.time()
    results = evaluate_budgets(a.model, a.dataset, Path(a.weights) if a.weights else None, budgets, a.snr,
                               a.channel, a.n, a.seed, a.n_val, a.val_seed)
    for res in results:
        res["seconds"] = round(time.time() - t0, 1)
    out = results[0] if len(results) == 1 else results
    if a.json:
        print(json.dumps(out, indent=2))
    else:
        for res in results:
            for k, v in res.items():
                print(f"{k:>24}: {v}")
    return 0


def cmd_toc_train(a) -> int:
    from semcom_core.toc.train import TOCConfig, train_toc
    cfg = TOCConfig.load(a.config)
    if a.epochs is not None:
        cfg.epochs = a.epochs
    summary = train_toc(cfg, Path(a.out) if a.out else None, resume=a.resume, max_epochs_this_run=a.max_epochs,
                        max_steps=a.max_steps, limit_train=a.limit_train)
    print(json.dumps(summary, indent=2))
    return 0


def cmd_toc_targets(a) -> int:
    from semcom_core.cli.common import UsageError
    from semcom_core.data.registry import get_spec
    from semcom_core.toc.costs import toc_costs
    from semcom_core.toc.tables import canonical_name, load_results, shipped_cards
    from semcom_core.toc.targets import REFERENCE_STATIC, static_channel_gap, target_report
    try:
        table = load_results(a.dataset)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if table is None:
        raise UsageError(f"no TOC results table for {a.dataset}; measure the shipped models with "
                         "`python -m semcom_core toc table`")
    cost = toc_costs(REFERENCE_STATIC, get_spec(a.dataset).num_classes, "paper").exit_macs[0]
    rows = target_report(table, cost)
    if a.no_channel_accuracy is not None:
        card = shipped_cards(a.dataset).get(canonical_name(REFERENCE_STATIC, a.dataset))
        g = static_channel_gap(card or {}, a.no_channel_accuracy)
        rows.append({"target": "static ResNet-20 at AWGN 18 dB within 1.5 points of the no-channel encoder",
                     "verdict": g["verdict"],
                     "detail": "" if "gap" not in g else f"{100 * g['accuracy']:.2f} vs {100 * g['reference']:.2f} % "
                                                         f"({100 * g['gap']:+.2f} points)"})
    if a.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            print(f"{r['verdict']:>12}  {r['target']}: {r['detail']}")
    return 0


def cmd_toc_export(a) -> int:
    from semcom_core.cli.common import UsageError
    from semcom_core.toc.export import export_toc_run
    if a.n < 1:
        raise UsageError("--n must be at least 1")
    bad = [s for s in a.snr if not math.isfinite(s)]
    if bad:
        raise UsageError(f"--snr must be finite dB values, got {bad[0]}")
    try:
        card = export_toc_run(Path(a.run), a.name, a.dtype, a.command, n=a.n, seed=a.seed,
                              channels=tuple(dict.fromkeys(a.channel)), snrs=tuple(dict.fromkeys(a.snr)),
                              allow_unfinished=a.allow_unfinished, progress=lambda m: print(m, flush=True))
    except ValueError as e:  # not a (finished) TOC run, a bad dtype: one line, exit 2
        raise UsageError(str(e).splitlines()[0]) from None
    keys = ("name", "model", "file", "weights_dtype", "sha256", "parameters", "epochs", "wall_seconds", "machine",
            "test_accuracy", "test_images", "test_accuracy_note")
    print(json.dumps({k: card.get(k) for k in keys}, indent=2))
    return 0


def cmd_toc_table(a) -> int:
    import math

    from semcom_core.cli.common import UsageError
    from semcom_core.data.registry import DatasetError
    from semcom_core.toc.tables import write_shipped
    if a.n < 1:
        raise UsageError("--n must be at least 1")
    if not all(math.isfinite(s) for s in a.snr):
        raise UsageError("--snr values must be finite numbers (dB)")
    t0 = time.time()
    try:
        out = write_shipped(a.names or None, a.dataset, Path(a.out) if a.out else None, channels=a.channel,
                            snrs=a.snr, n=a.n, seed=a.seed, progress=lambda m: print(m, flush=True))
    except (ValueError, FileNotFoundError, DatasetError) as e:  # nothing shipped, an unknown name, two of a
        raise UsageError(str(e).splitlines()[0]) from None     # model, no prepared dataset: one line, exit 2
    print(f"wrote {out} ({time.time() - t0:.0f} s)")
    return 0


def register(sub) -> None:
    from semcom_core.channels import CHANNELS
    toc = sub.add_parser("toc", help="paper 001: budgeted task-oriented communication (static and dynamic TOC)"
                         ).add_subparsers(dest="toc_cmd", required=True)
    c = toc.add_parser("costs", help="per-exit transmitter MACs and parameters of every TOC model")
    c.add_argument("--num-classes", type=int, default=10)
    c.add_argument("--convention", choices=("paper", "true", "both"), default="both")
    c.add_argument("--reconcile", action="store_true", help="also compare with paper 001's Table III")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_toc_costs)

    e = toc.add_parser("evaluate", help="test accuracy (and measured MACs per image) at a channel, SNR and budget")
    e.add_argument("--model", required=True, help="dynamic, static-resnet20, ..., static-resnet110")
    e.add_argument("--dataset", default="cifar10")
    e.add_argument("--weights", help="safetensors file (default: pretrained/toc/<model>_<dataset>.safetensors)")
    e.add_argument("--budget", nargs="+", help="MACs per image (e.g. 3e7 or 30M); required for dynamic; several "
                                                "budgets -> a JSON list from one pass over the images (Table IV)")
    e.add_argument("--budget-unit", choices=BUDGET_UNITS, default="macs",
                   help="macs (paper 001's 'FLOPs', default) or flops (2 per MAC)")
    e.add_argument("--snr", type=float, default=0.0, help="PSNR in dB (signal power / noise power)")
    e.add_argument("--channel", default="awgn", choices=tuple(CHANNELS))
    e.add_argument("--n", type=int, default=10000, help="the first n test images")
    e.add_argument("--seed", type=int, default=0, help="channel noise seed")
    e.add_argument("--n-val", type=int, default=5000,
                   help="validation images for the thresholds (carved from train by --val-seed, as in training)")
    e.add_argument("--val-seed", type=int, default=0, help="the seed the training run carved its validation split with")
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_toc_evaluate)

    t = toc.add_parser("train", help="train a TOC model from a config (resumable)")
    t.add_argument("config", help="e.g. configs/toc_static_resnet20_cifar10.toml")
    t.add_argument("--out", help="run folder (default runs/<name>)")
    t.add_argument("--resume", action="store_true")
    t.add_argument("--epochs", type=int)
    t.add_argument("--max-epochs", type=int, help="stop after this many epochs in this invocation")
    t.add_argument("--max-steps", type=int, help="stop after this many steps in this invocation (pilots)")
    t.add_argument("--limit-train", type=int, help="train on the first N training images (smoke tests)")
    t.set_defaults(func=cmd_toc_train)

    x = toc.add_parser("export", help="ship a finished TOC run into pretrained/toc/ (safetensors + model card "
                                      "measured on the shipped file)")
    x.add_argument("run", help="run folder (config.json, summary.json, best.safetensors), e.g. "
                               "runs/toc_static_resnet20_cifar10")
    x.add_argument("--name", help="artifact name (default: the run's config name)")
    x.add_argument("--dtype", choices=("float32", "float16", "int8"), default="float32",
                   help="storage of the shipped file (the card's accuracies are measured on it, in fp32)")
    x.add_argument("--command", help="what trained it, for the card (default: toc train <the run's config>)")
    x.add_argument("--n", type=int, default=10000, help="test images the card is measured on (first n)")
    x.add_argument("--seed", type=int, default=0, help="channel noise seed of the card's measurements")
    x.add_argument("--snr", type=float, nargs="+", default=[0.0, 6.0, 12.0, 18.0],
                   help="PSNRs (dB) of the card's table_iii points (default Table III's)")
    x.add_argument("--channel", nargs="+", default=["awgn", "rayleigh"], choices=tuple(CHANNELS),
                   help="channels of the card's table_iii points")
    x.add_argument("--allow-unfinished", action="store_true", help="ship a run that has not finished (the card says so)")
    x.set_defaults(func=cmd_toc_export)

    tg = toc.add_parser("targets", help="issue 28's measured targets on the shipped results table (budget respected, "
                                        "accuracy non-decreasing in B, dynamic vs static ResNet-20)")
    tg.add_argument("--dataset", default="cifar10")
    tg.add_argument("--no-channel-accuracy", type=float,
                    help="accuracy of static ResNet-20 trained without a channel (not shipped): also checks the "
                         "1.5-point target at AWGN 18 dB against the shipped ResNet-20's card")
    tg.add_argument("--json", action="store_true")
    tg.set_defaults(func=cmd_toc_targets)

    tb = toc.add_parser("table", help="measure the shipped TOC models into pretrained/toc/toc_results_<dataset>.csv "
                                      "(Table III/IV analogues; the page reads it)")
    tb.add_argument("names", nargs="*", help="shipped artifact names (default: toc_<model>_<dataset> of every model "
                                             "shipped); one per model")
    tb.add_argument("--dataset", default="cifar10")
    tb.add_argument("--out", help="CSV path (default pretrained/toc/toc_results_<dataset>.csv)")
    tb.add_argument("--n", type=int, default=10000, help="the first n test images")
    tb.add_argument("--seed", type=int, default=0, help="channel noise seed")
    tb.add_argument("--snr", type=float, nargs="+", default=[0.0, 6.0, 12.0, 18.0], help="PSNRs in dB")
    tb.add_argument("--channel", nargs="+", default=["awgn", "rayleigh"], choices=tuple(CHANNELS))
    tb.set_defaults(func=cmd_toc_table)
