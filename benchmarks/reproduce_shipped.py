"""Re-measure every number a shipped model card states, exactly as the card was measured: the shipped file,
fp32, the dataset's whole test set (a split model: every split point at k = k_max over a noiseless channel);
with --rows, also spot rows of every shipped sweep table (SP-2 k=16 0 dB and SP-4 k=64 5 dB, each channel
the table has) with `evaluate`, same seed and images. tests/test_shipped.py checks the IoT cards and one
row per table exactly, and the ResNet-18/34 cards on the first 250 test images within sampling noise: the
full re-measurement takes over an hour on two CPU cores. Run this before shipping a model or after
touching the measurement path; exit code 1 if any number differs by more than 0.001.

    python benchmarks/reproduce_shipped.py [NAME ...] [--rows]     (default: every card in pretrained/)

Needs the datasets prepared (`python -m semcom_core data prepare cifar10 mnist fashion-mnist`)."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from semcom_core import paths  # noqa: E402
from semcom_core.data.loader import ImageData  # noqa: E402
from semcom_core.device import get_policy  # noqa: E402
from semcom_core.eval.accuracy import evaluate_accuracy  # noqa: E402
from semcom_core.eval.split import evaluate, noiseless_split_accuracy  # noqa: E402
from semcom_core.toc.export import measure_toc_card  # noqa: E402
from semcom_core.zoo.store import load_shipped  # noqa: E402

TOLERANCE = 0.001
ROW_POINTS = (("SP-2", 16, 0.0), ("SP-4", 64, 5.0))  # (split, k, SNR dB), for each channel of a table


def card_files(names: list[str]) -> list[Path]:
    cards = sorted(p for p in paths.pretrained_dir().rglob("*.json") if p.with_suffix(".safetensors").is_file())
    return [p for p in cards if not names or p.stem in names]


def reproduce_toc_card(model, card: dict) -> int:
    """Re-measure a TOC card's noiseless accuracy and Table III points (`toc.export.measure_toc_card`, the
    function that wrote them: fp32, the card's images and seed); the number of points that differ."""
    t0 = time.time()
    points = card.get("table_iii", [])
    got = measure_toc_card(model, card["config"], n=int(card["test_images"]), seed=int(card.get("test_seed", 0)),
                           channels=tuple(dict.fromkeys(p["channel"] for p in points)),
                           snrs=tuple(dict.fromkeys(p["snr_db"] for p in points)))
    claimed = {(p["channel"], p["snr_db"]): p["accuracy"] for p in [*points, card["noiseless_accuracy"]]}
    measured = {(p["channel"], p["snr_db"]): p["accuracy"] for p in [*got["table_iii"], got["noiseless_accuracy"]]}
    bad = 0
    for key, want in claimed.items():
        have = measured.get(key)
        ok = have is not None and abs(have - want) <= TOLERANCE
        bad += not ok
        where = f"{key[0]} {key[1]:g} dB" if key[1] is not None else key[0]
        print(f"{card['name']:32s} {where:14s} card {want:.4f} measured {have if have is None else f'{have:.4f}'} "
              f"on {card['test_images']} {'ok' if ok else 'DIFFERS'}", flush=True)
    print(f"{card['name']}: {len(claimed)} points in {time.time() - t0:.0f} s", flush=True)
    return bad


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="card names (default: all)")
    ap.add_argument("--rows", action="store_true", help="also re-measure spot rows of every sweep table")
    args = ap.parse_args()
    policy = get_policy(precision="fp32")
    data: dict[str, ImageData] = {}
    bad = 0
    for f in card_files(args.names):
        card = json.loads(f.read_text())
        model, _ = load_shipped(card["name"])
        if card["dataset"] not in data:  # each dataset loaded once
            data[card["dataset"]] = ImageData(card["dataset"], "cpu", n_val=0)
        d = data[card["dataset"]]
        if card["kind"] == "toc":  # paper 001: every (channel, PSNR) point of its card, as export measured them
            bad += reproduce_toc_card(model, card)
            continue
        claims = dict(card["split_test_accuracy"]) if card["kind"] == "split" else {"test": card["test_accuracy"]}
        for key, want in claims.items():
            t0 = time.time()
            got = (noiseless_split_accuracy(model, key, d) if card["kind"] == "split"
                   else evaluate_accuracy(model, d, "test", policy, 500))
            ok = abs(got - want) <= TOLERANCE
            bad += not ok
            print(f"{card['name']:32s} {key:5s} card {want:.4f} measured {got:.4f} on {len(d.test)} "
                  f"({time.time() - t0:.0f} s) {'ok' if ok else 'DIFFERS'}", flush=True)
    if args.rows:
        import pandas as pd
        for f in sorted((paths.pretrained_dir() / "split").glob("sweep_*.csv")):
            t = pd.read_csv(f)
            for (sp, k, snr), ch in ((p, c) for p in ROW_POINTS for c in sorted(set(t.channel))):
                rows = t[(t.split == sp) & (t.k == k) & (t.snr_db == snr) & (t.channel == ch)]
                if rows.empty:
                    continue
                row, t0 = rows.iloc[0], time.time()
                if row.dataset not in data:
                    data[row.dataset] = ImageData(row.dataset, "cpu", n_val=0)
                got = evaluate(row.dataset, row.backbone, sp, k, snr, ch, int(row.n), seed=int(row.seed),
                               data=data[row.dataset])["accuracy"]
                ok = abs(got - row.accuracy) <= TOLERANCE
                bad += not ok
                print(f"{f.name:32s} {sp} k={k} {snr:g} dB {ch}: table {row.accuracy:.4f} measured {got:.4f} on "
                      f"{int(row.n)} ({time.time() - t0:.0f} s) {'ok' if ok else 'DIFFERS'}", flush=True)
    print("all numbers reproduce" if not bad else f"{bad} numbers differ by more than {TOLERANCE}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
