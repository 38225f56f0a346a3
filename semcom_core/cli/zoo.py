"""CLI: `zoo list`, `zoo export` (ship a finished run), `zoo merge` (split points trained in runs of their
own into a shipped split model) and `zoo targets` (the accuracy targets checked against the shipped card
and sweep table, optionally re-measured with `evaluate`)."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path


def cmd_zoo_export(a) -> int:
    from semcom_core.cli.common import UsageError
    from semcom_core.zoo.store import backbone_users, card_path, export_run, sha256_file
    measure = None
    if a.measure:
        from semcom_core.eval.cards import measure_for_card as measure
    dtype = "float16" if a.half else a.dtype
    users = backbone_users(a.name)
    before = card_path(a.name).with_suffix(".safetensors") if users else None
    sha_before = sha256_file(before) if before is not None and before.is_file() else None
    try:
        card = export_run(Path(a.run), a.name, a.subdir, a.command, dtype, measure, replace_shared=a.replace_shared)
    except ValueError as e:  # a shared backbone that would be replaced: one line, nothing written
        raise UsageError(str(e)) from None
    print(json.dumps(card, indent=2))
    for user, reads in users.items():  # replaced with --replace-shared: what each split model needs now
        if user == a.name or card["sha256"] == sha_before:
            continue
        if reads:
            print(f"{user} cannot be loaded until its {', '.join(reads)}, which read the replaced backbone, are "
                  f"trained on the new one and merged (`python -m semcom_core zoo merge {user} RUN...`)", file=sys.stderr)
        else:
            print(f"{user} cannot be loaded until `python -m semcom_core zoo merge {user}` points it to the new "
                  "backbone (none of its split points reads it)", file=sys.stderr)
    return 0


def cmd_zoo_merge(a) -> int:
    from semcom_core.cli.common import UsageError
    from semcom_core.eval.cards import measure_for_card, merge_changes
    from semcom_core.zoo.store import card_path, merge_split_runs, shipped_card
    if a.command and len(a.command) != len(a.runs):
        raise UsageError(f"--command is given once per run: {len(a.command)} for {len(a.runs)} runs")
    if bad := [x for x in [*a.splits, *a.restore] if not re.fullmatch(r"SP-\d+", x)]:
        raise UsageError(f"{bad[0]!r} is not a split point (SP-N): --splits and --restore take split points, "
                         "so put the run folders before them")
    before = shipped_card(a.name)
    measured: list[str] = []  # the split points the merge measured again (merged, re-stored, or all with --base-dtype)

    def measure(model, mcfg):
        measured.extend(mcfg.splits)
        return measure_for_card(model, mcfg)
    try:
        card = merge_split_runs(a.name, [Path(r) for r in a.runs], a.dtype, commands=a.command,
                                measure=measure, base_dtype=a.base_dtype, embed_backbone=a.embed_backbone,
                                restore=a.restore, allow_worse=a.allow_worse, only=a.splits)
    except ValueError as e:  # a run that does not fit, or would ship a worse model: one line, nothing written
        raise UsageError(str(e)) from None
    print(json.dumps({k: card.get(k) for k in ("name", "sha256", "weights_dtype", "split_test_accuracy",
                                                "test_accuracy", "parameters")}, indent=2))
    for line in merge_changes(before, card, measured):
        print(line, file=sys.stderr)
    files = [card_path(a.name).with_suffix(".safetensors"), card_path(a.name)]
    print(f"replaced {' and '.join(map(str, files))} (if they are in git, `git checkout -- FILE` brings back the "
          "committed ones)", file=sys.stderr)
    return 0


def cmd_zoo_list(a) -> int:
    from semcom_core.zoo.status import shipped_models
    rows = shipped_models()
    if a.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            acc = r.get("test_accuracy")
            print(f"{r['name']:>30}: {r.get('kind', '?')}, {r.get('dataset', '?')}, "
                  f"test accuracy {acc if acc is not None else 'n/a'}, {r['size_mb']} MB")
        if not rows:
            print("no shipped models in pretrained/")
    return 0


def cmd_zoo_targets(a) -> int:
    import pandas as pd

    from semcom_core.cli.common import UsageError
    from semcom_core.data.registry import DatasetError, get_spec
    from semcom_core.eval.split import evaluate
    from semcom_core.eval.targets import (
        agreement,
        monotonicity_summary,
        target_report,
        targets_for,
    )
    from semcom_core.nets.split import K_CHOICES
    from semcom_core.zoo.naming import shipped_names
    from semcom_core.zoo.store import shipped_card
    from semcom_core.zoo.tables import load_sweep
    if a.n is not None and a.n < 1:
        raise UsageError("--n must be at least 1")
    dataset = get_spec(a.dataset).name
    try:
        table, table_note = load_sweep(a.backbone, dataset), None
    except DatasetError as e:
        table, table_note = None, str(e)
    card = shipped_card(shipped_names(a.backbone, dataset)[0])  # its test accuracy: the "within" targets' reference
    split_card = shipped_card(shipped_names(a.backbone, dataset)[1])
    rep = target_report(table, a.backbone, card.get("test_accuracy"), card.get("test_images"),
                        split_card.get("split_test_accuracy"), split_card.get("test_images"))
    if a.measure:
        from semcom_core.data.loader import ImageData
        from semcom_core.device import get_policy
        data = ImageData(dataset, get_policy().device, n_val=0)  # loaded once for every point
        seed = int(table.seed.iloc[0]) if table is not None and "seed" in table else 0
        ceilings = [r.target.removesuffix(" ceiling") for r in rep.itertuples() if r.target.endswith(" ceiling")]
        points = [None] + [("ceiling", sp) for sp in ceilings] + targets_for(a.backbone)
        measured, measured_n, agrees = [], [], []
        for (_, row), t in zip(rep.iterrows(), points):
            n = a.n or (int(row.n) if not pd.isna(row.n) else 10000)
            print(f"measuring {row.setting} on {n} test images ...", file=sys.stderr, flush=True)
            try:
                if t is None:
                    r = evaluate(dataset, a.backbone, None, 1, 0.0, "noiseless", n, data=data)
                elif isinstance(t, tuple):  # a split's noiseless ceiling at its largest k
                    k_max = int(split_card.get("config", {}).get("k_max", K_CHOICES[-1]))
                    r = evaluate(dataset, a.backbone, t[1], k_max, 0.0, "noiseless", n, data=data)
                else:
                    r = evaluate(dataset, a.backbone, t.split, t.k, t.snr_db, t.channel, n, seed=seed, data=data)
            except DatasetError as e:
                print(f"  not measured: {e}", file=sys.stderr)
                r = None
            measured.append(r["accuracy"] if r else None)
            measured_n.append(r["n"] if r else None)
            agrees.append(None if r is None or pd.isna(row.accuracy) else
                          agreement(row.accuracy, int(row.n), r["accuracy"], r["n"]))
        rep["measured"], rep["measured_n"], rep["agrees_with_table"] = measured, measured_n, agrees
    mono = monotonicity_summary(table)
    if a.json:
        out = {"backbone": a.backbone, "dataset": dataset, "targets": json.loads(rep.to_json(orient="records")),
               "monotonicity": mono}
        if table_note:
            out["table"] = table_note
        print(json.dumps(out, indent=2))
        return 0
    print(f"{a.backbone} on {dataset}: the split models' accuracy targets" + ("" if a.backbone in ("resnet18", "resnet34") else
          " (a demo model: its numbers at the target points, not judged)"))
    for _, r in rep.iterrows():
        acc = "—" if pd.isna(r.accuracy) else f"{100 * r.accuracy:.2f} % (n = {int(r.n)})"
        req = "" if pd.isna(r.required) else f", needs >= {100 * r.required:.2f} %"
        line = f"  {r.setting:<28} {acc}{req}: {r.verdict}"
        if a.measure and r.measured is not None and not pd.isna(r.measured):
            line += f"; re-measured {100 * r.measured:.2f} %" + ("" if r.agrees_with_table is None else
                                                                 " (agrees)" if r.agrees_with_table else " (DISAGREES)")
        print(line)
    if table_note:
        print(f"  {table_note}")
    print(f"  monotonicity: {mono}")
    return 0


def register(sub) -> None:
    from semcom_core.nets import BACKBONES
    from semcom_core.zoo.storage import DTYPES
    zoo = sub.add_parser("zoo", help="shipped models").add_subparsers(dest="zoo_cmd", required=True)
    zl = zoo.add_parser("list")
    zl.add_argument("--json", action="store_true")
    zl.set_defaults(func=cmd_zoo_list)
    ze = zoo.add_parser("export", help="ship a finished run: weights + model card in pretrained/")
    ze.add_argument("run", help="run folder (with best.safetensors, config.json, summary.json)")
    ze.add_argument("--name", required=True)
    ze.add_argument("--subdir", default="", help="folder under pretrained/")
    ze.add_argument("--command", help="the command that trained it, for the card (default: the command lines the "
                                      "run recorded, the first and each resume that trained)")
    ze.add_argument("--dtype", default="float32", choices=DTYPES, help="storage (see semcom_core/zoo/storage.py)")
    ze.add_argument("--half", action="store_true", help="same as --dtype float16")
    ze.add_argument("--measure", action="store_true", help="measure test accuracy on the shipped file")
    ze.add_argument("--replace-shared", action="store_true",
                    help="replace a shipped backbone even though split models share it (their split points that "
                         "read it then need training on the new one and `zoo merge`)")
    ze.set_defaults(func=cmd_zoo_export)
    zm = zoo.add_parser("merge", help="put split points trained in separate runs into a shipped split model")
    zm.add_argument("name", help="the shipped split model, e.g. split_resnet18_cifar10")
    zm.add_argument("runs", nargs="*", help="split run folders")
    zm.add_argument("--dtype", default="int8", choices=DTYPES, help="storage of the merged splits")
    zm.add_argument("--embed-backbone", action="store_true",
                    help="copy the shared backbone into the file (then its own artifact may be replaced)")
    zm.add_argument("--base-dtype", choices=DTYPES,
                    help="also re-store the rest (backbone, other splits) as this dtype; every split is re-measured")
    zm.add_argument("--splits", nargs="+", default=[], metavar="SPLIT",
                    help="merge only these split points of the runs (default: every split point they trained)")
    zm.add_argument("--restore", nargs="+", default=[], metavar="SPLIT",
                    help="re-store these split points' weights as --dtype (not retrained; they are measured again)")
    zm.add_argument("--command", action="append", metavar="CMD",
                    help="how a run was trained, for the card (once per run, in order; default: the command lines "
                         "each run recorded)")
    zm.add_argument("--allow-worse", action="store_true",
                    help="merge a run of the shipped split's own config even if its best validation accuracy is lower")
    zm.set_defaults(func=cmd_zoo_merge)
    zt = zoo.add_parser("targets", help="the accuracy targets against the shipped cards and sweep table")
    zt.add_argument("--backbone", default="resnet18", choices=BACKBONES)
    zt.add_argument("--dataset", default="cifar10")
    zt.add_argument("--measure", action="store_true",
                    help="re-measure each point with `evaluate` on the shipped files (the table's n and seed)")
    zt.add_argument("--n", type=int, default=None, help="with --measure: use this many test images instead")
    zt.add_argument("--json", action="store_true")
    zt.set_defaults(func=cmd_zoo_targets)
