"""CLI commands about models: train, costs, evaluate, zoo (registered by cli.build_parser)."""
from __future__ import annotations

import json
import shlex
from pathlib import Path

from semcom_core.paths import atomic_write_text


def cmd_train(a) -> int:
    from semcom_core.config import TrainConfig
    from semcom_core.train.loop import recorded_config, train
    cfg = TrainConfig.load(a.config)
    if a.epochs is not None:
        cfg.epochs = a.epochs
    if a.lr is not None:
        cfg.lr = a.lr
    from semcom_core import paths
    from semcom_core.cli.common import UsageError
    if a.cutout is not None and a.cutout < 0:
        raise UsageError(f"--cutout is a square's side in pixels (0: none), got {a.cutout}")
    ran = recorded_config(Path(a.out) if a.out else paths.runs_dir() / cfg.name) if a.resume else None
    recorded = None if ran is None else ran.get("cutout", 0)  # 0: a run from before the option
    if recorded is not None and a.cutout is not None and a.cutout != recorded:
        raise UsageError(f"this run trained with cutout {recorded}; a run keeps the augmentation it began with "
                         f"(resume without --cutout, or train into another --out)")
    if recorded is not None:
        cfg.cutout = recorded
    elif a.cutout is not None:
        cfg.cutout = a.cutout
    if a.init_from:
        cfg.init_from = a.init_from
    if a.scratch:
        cfg.init_from = ""
    if a.continue_shipped:
        cfg.continue_from = cfg.name
    argv = getattr(a, "argv", None)
    command = "python -m semcom_core " + shlex.join(argv) if argv else None
    summary = train(cfg, Path(a.out) if a.out else None, resume=a.resume,
                    max_epochs_this_run=a.max_epochs, limit_train=a.limit_train, command=command)
    print(json.dumps(summary, indent=2))
    return 0


def cmd_costs(a) -> int:
    from semcom_core.cli.common import UsageError, _print
    from semcom_core.costs.compute import CONVENTION_NOTES, split_costs
    from semcom_core.nets.split import K_CHOICES
    if a.k < 1 or a.k > K_CHOICES[-1]:
        raise UsageError(f"k must be in 1..{K_CHOICES[-1]} (the bottleneck is designed for at most "
                         f"{K_CHOICES[-1]} numbers), got {a.k}")
    if a.num_classes < 2:
        raise UsageError(f"--num-classes must be at least 2, got {a.num_classes}")
    if a.decompress not in (1, 2):
        raise UsageError(f"--decompress is 1 or 2 ConvTranspose2d stages, got {a.decompress}")
    try:
        c = split_costs(a.backbone, a.num_classes, a.split, a.k, a.decompress, a.convention)
    except ValueError as e:
        raise UsageError(str(e)) from None
    out = c.to_dict()
    out["note"] = CONVENTION_NOTES[a.convention]
    _print(out, a.json)
    return 0


def cmd_evaluate(a) -> int:
    from semcom_core.cli.common import UsageError
    from semcom_core.eval.split import evaluate
    from semcom_core.nets.split import K_CHOICES
    if not 1 <= a.k <= K_CHOICES[-1]:
        raise UsageError(f"k must be in 1..{K_CHOICES[-1]}, got {a.k}")
    if a.n < 1:
        raise UsageError("--n must be at least 1")
    split = None if a.split.lower() == "none" else a.split
    if split is not None and not (split.startswith("SP-") and split[3:].isdigit()):
        raise UsageError(f"--split is SP-0..SP-6 or none, got {a.split!r}")
    try:
        res = evaluate(a.dataset, a.backbone, split, a.k, a.snr, a.channel, a.n, a.seed)
    except ValueError as e:
        raise UsageError(str(e)) from None
    print(json.dumps(res, indent=2) if a.json else "\n".join(f"{k}: {v}" for k, v in res.items()))
    return 0


def _point(row: dict) -> tuple:
    return row["split"], int(row["k"]), row["channel"], float(row["snr_db"])


def cmd_sweep(a) -> int:
    import pandas as pd

    from semcom_core.cli.common import UsageError
    from semcom_core.eval.split import sweep
    from semcom_core.zoo.naming import sweep_path
    if (a.redo or a.refresh) and not a.splits:
        raise UsageError(f"--{'redo' if a.redo else 'refresh'} needs --splits (the split points whose models changed)")
    if a.refresh and (a.redo or a.resume):
        raise UsageError("--refresh re-measures the table's own rows: it goes without --redo and --resume")
    out = Path(a.out) if a.out else sweep_path(a.backbone, a.dataset)
    if a.refresh:
        return _refresh_sweep(a, out)
    rows = pd.read_csv(out).to_dict("records") if ((a.resume or a.redo) and out.is_file()) else []
    if a.redo:  # those splits' models changed: their rows are measured again, the others are kept
        rows = [r for r in rows if r["split"] not in a.splits]
    done = {(r["split"], int(r["k"]), r["channel"], float(r["snr_db"]), int(r["n"]), int(r["seed"])) for r in rows}

    def save(row):  # replaces a row of the same point measured with another n or seed
        rows[:] = [r for r in rows if _point(r) != _point(row)] + [row]
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out, pd.DataFrame(rows).to_csv(index=False))  # after every row: a crash loses one point
    sweep(a.dataset, a.backbone, a.n, a.seed, splits=a.splits, channels=tuple(a.channels), done=done, on_row=save)
    print(f"{len(rows)} rows -> {out}")
    return 0


def _refresh_sweep(a, out: Path) -> int:
    """`sweep --splits ... --refresh`: measure every row of those splits again at its own point, n and seed
    (the table keeps its shape: a 1,000-image row stays a 1,000-image row, a 10,000-image target point stays
    one), in place; the other splits' rows are kept as they are."""
    import pandas as pd

    from semcom_core.cli.common import UsageError
    from semcom_core.data.loader import ImageData
    from semcom_core.device import get_policy
    from semcom_core.eval.split import MEASURE_PRECISION, load_split, sweep
    if not out.is_file():
        raise UsageError(f"--refresh re-measures the rows of {out}, which does not exist (measure it with sweep)")
    table = pd.read_csv(out)
    key = ["backbone", "dataset", "split", "k", "channel", "snr_db", "n", "seed"]
    if set(key) - set(table.columns) or table[key].isna().any().any():
        raise UsageError(f"{out} is not a sweep table with every row's {', '.join(key)}")
    other = table[(table.backbone != a.backbone) | (table.dataset != a.dataset)]
    if len(other):
        raise UsageError(f"{out} holds rows of {other.backbone.iloc[0]} on {other.dataset.iloc[0]}, not "
                         f"--backbone {a.backbone} --dataset {a.dataset}")
    rows = table.to_dict("records")
    where = {_point(r): i for i, r in enumerate(rows)}
    groups: dict[tuple, set] = {}  # (split, n, seed) -> its points (k, channel, snr_db)
    for r in rows:
        if r["split"] in a.splits:
            groups.setdefault((r["split"], int(r["n"]), int(r["seed"])), set()).add(_point(r)[1:])
    missing = sorted(set(a.splits) - {g[0] for g in groups})
    if missing:
        raise UsageError(f"{out} has no rows of {', '.join(missing)}: nothing to refresh "
                         f"(add them with sweep --splits {' '.join(missing)} --resume)")
    before = {i: rows[i]["accuracy"] for i, r in enumerate(rows) if r["split"] in a.splits}

    fresh = set()
    policy = get_policy(precision=MEASURE_PRECISION)  # model and images read once for every group below
    data, model = ImageData(a.dataset, policy.device, n_val=0), load_split(a.backbone, a.dataset, policy.device)

    def save(row):  # in place: the table's order and every other row stay as they were
        i = where.get(_point(row))
        if i is not None:
            rows[i] = row
            fresh.add(i)
            atomic_write_text(out, pd.DataFrame(rows).to_csv(index=False))
    for (sp, n, seed), points in sorted(groups.items()):
        ks, channels, snrs = (sorted({p[i] for p in points}) for i in range(3))
        skip = {(sp, k, c, s, n, seed) for k in ks for c in channels for s in snrs} - \
               {(sp, k, c, s, n, seed) for k, c, s in points}  # the grid's points the table does not hold
        print(f"{sp}: {len(points)} rows on the first {n:,} test images (seed {seed})", flush=True)
        sweep(a.dataset, a.backbone, n, seed, splits=[sp], ks=tuple(ks), snrs=tuple(snrs),
              channels=tuple(channels), done=skip, on_row=save, data=data, model=model)
    stale = sorted(set(before) - fresh)
    if stale:  # e.g. a k the retrained model no longer serves: not left looking re-measured
        raise UsageError(f"{len(stale)} rows could not be measured again (first: {_point(rows[stale[0]])}); "
                         f"the other {len(fresh)} were re-measured in {out}")
    for sp in a.splits:
        changes = [100 * (rows[i]["accuracy"] - before[i]) for i in before if rows[i]["split"] == sp]
        print(f"{sp}: {len(changes)} rows re-measured, accuracy change mean {sum(changes) / len(changes):+.2f} "
              f"points (min {min(changes):+.2f}, max {max(changes):+.2f})")
    print(f"{len(rows)} rows -> {out}")
    return 0


def register(sub) -> None:
    from semcom_core.channels import CHANNELS
    from semcom_core.nets import BACKBONES
    e = sub.add_parser("evaluate", help="test accuracy of a shipped split model at one configuration")
    e.add_argument("--dataset", default="cifar10")
    e.add_argument("--backbone", default="resnet18", choices=BACKBONES)
    e.add_argument("--split", default="SP-3", help="SP-0..SP-6, or none for the unsplit backbone")
    e.add_argument("--k", type=int, default=64)
    e.add_argument("--snr", type=float, default=5.0)
    e.add_argument("--channel", default="awgn", choices=tuple(CHANNELS))
    e.add_argument("--n", type=int, default=10000, help="the first n test images")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_evaluate)
    sw = sub.add_parser("sweep", help="accuracy table over split x k x channel x SNR for a shipped split model")
    sw.add_argument("--dataset", default="cifar10")
    sw.add_argument("--backbone", default="resnet18", choices=BACKBONES)
    sw.add_argument("--n", type=int, default=10000)
    sw.add_argument("--seed", type=int, default=0)
    sw.add_argument("--channels", nargs="+", default=["awgn"], choices=tuple(CHANNELS))
    sw.add_argument("--out", help="CSV (default pretrained/split/sweep_<backbone>_<dataset>.csv)")
    sw.add_argument("--splits", nargs="+", metavar="SP", help="only these split points (default: all)")
    sw.add_argument("--redo", action="store_true",
                    help="with --splits: drop those splits' rows from the table and measure them again (other rows kept)")
    sw.add_argument("--resume", action="store_true", help="keep rows already in the CSV that were measured with this --n and --seed")
    sw.add_argument("--refresh", action="store_true",
                    help="with --splits: measure those splits' rows of the table again, each at its own n and seed "
                         "(after their model was retrained); --n, --seed and --channels are not used")
    sw.set_defaults(func=cmd_sweep)

    c = sub.add_parser("costs", help="per-part MACs, parameters and z size of a split model")
    c.add_argument("--backbone", default="resnet18", choices=BACKBONES)
    c.add_argument("--num-classes", type=int, default=10)
    c.add_argument("--split", default="SP-2", help="SP-0 (send the image) .. SP-6 (send the logits; the receiver takes the label)")
    c.add_argument("--k", type=int, default=1024, help="numbers sent (1..1024)")
    c.add_argument("--decompress", type=int, default=2, help="ConvTranspose2d stages at the receiver (1 or 2)")
    c.add_argument("--convention", choices=("paper", "true"), default="true",
                   help="paper: as paper 000's code counts; true: real MACs of every layer")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_costs)

    t = sub.add_parser("train", help="train a model from a config (resumable)")
    t.add_argument("config", help="TOML config, e.g. configs/resnet18_cifar10.toml")
    t.add_argument("--out", help="run folder (default runs/<name>)")
    t.add_argument("--resume", action="store_true", help="continue from the run folder's last.pt")
    t.add_argument("--epochs", type=int, help="override the config's epoch count (e.g. 100 on a GPU)")
    t.add_argument("--lr", type=float, help="override the config's peak learning rate")
    t.add_argument("--cutout", type=int, help="override the config's Cutout square side in pixels (0: none); "
                   "--resume keeps the run's own")
    t.add_argument("--init-from", help="start from these weights instead of the config's init_from")
    t.add_argument("--scratch", action="store_true",
                   help="ignore the config's init_from: start from random weights (e.g. the paper's recipe on a GPU)")
    t.add_argument("--continue-shipped", action="store_true",
                   help="start from the shipped model of this config's name and train it further (a new schedule: "
                        "warm-up, then cosine over --epochs); the new card lists the training before it")
    t.add_argument("--max-epochs", type=int, help="stop after this many epochs in this invocation")
    t.add_argument("--limit-train", type=int, help="train on the first N training images (smoke tests)")
    t.set_defaults(func=cmd_train)
