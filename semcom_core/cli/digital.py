"""CLI group `digital` (issue 29, the digital link): measure what the planner's digital candidates read.

    python -m semcom_core digital bler [--channels awgn rayleigh] [--frames 300]
        -> pretrained/split/ldpc_bler.csv: block error rate of the rate-1/2 LDPC + QPSK chain per codeword
           size and SNR
    python -m semcom_core digital quantize-sweep --backbone resnet18 --splits SP-2 SP-3 SP-4 --n 2000
        -> pretrained/split/quant_resnet18_cifar10.csv: accuracy after b-bit quantization (b = 1..8), noiseless
           bits, and the measured entropy-coded bits per image

Both are measurements in fp32 with seeded randomness; run them one at a time, single-threaded on a shared
machine (SEMCOM_THREADS=1 OMP_NUM_THREADS=1).
"""
from __future__ import annotations

import time
from pathlib import Path


def cmd_digital_bler(a) -> int:
    import pandas as pd

    from semcom_core.digital.link import BLER_FILE, BLER_SIZES
    from semcom_core.plan.measure import measure_bler
    from semcom_core.paths import atomic_write_text, pretrained_dir
    out = Path(a.out) if a.out else pretrained_dir() / "split" / BLER_FILE
    rows = []
    t0 = time.process_time()

    def on_row(r: dict) -> None:
        rows.append(r)
        if r["measured"]:
            print(f"{r['channel']:>8} {r['info_bits']:>5} bits {r['snr_db']:>5.1f} dB: BLER {r['bler']:.3f} "
                  f"({r['frame_errors']}/{r['frames']}, {r['cpu_s']} s CPU)", flush=True)
        atomic_write_text(out, pd.DataFrame(rows).to_csv(index=False))
    measure_bler(sizes=tuple(a.sizes or BLER_SIZES), channels=tuple(a.channels), frames=a.frames, seed=a.seed,
                 on_row=on_row)
    print(f"{len(rows)} rows -> {out} ({time.process_time() - t0:.0f} s CPU)")
    return 0


def cmd_digital_quantize_sweep(a) -> int:
    import pandas as pd

    from semcom_core.plan.measure import merge_rows, quantize_sweep
    from semcom_core.paths import atomic_write_text, pretrained_dir
    out = Path(a.out) if a.out else pretrained_dir() / "split" / f"quant_{a.backbone}_{a.dataset}.csv"
    table = pd.read_csv(out) if out.is_file() and not a.replace else None
    # into an existing table: rows go to a side file as they come (a crash loses one row, never the table),
    # then replace the table's rows of the same (split, k, b); every other row is kept
    work = out if table is None else out.with_name(out.stem + ".partial.csv")
    t0 = time.process_time()
    try:
        df = quantize_sweep(a.dataset, a.backbone, a.splits, tuple(a.ks), tuple(a.bits), n=a.n, n_fit=a.n_fit,
                            seed=a.seed, out=work)
    finally:  # also after a crash or Ctrl-C: the rows measured so far go into the table
        if table is not None and work.is_file():
            df = pd.read_csv(work)
            merged = merge_rows(table, df)
            atomic_write_text(out, merged.to_csv(index=False))
            work.unlink()
            print(f"{len(df)} rows measured, {len(merged) - len(df)} kept from the table")
    print(f"{len(df) if table is None else len(merged)} rows -> {out} ({time.process_time() - t0:.0f} s CPU)")
    return 0


def register(sub) -> None:
    from semcom_core.nets import BACKBONES
    g = sub.add_parser("digital", help="the digital link: quantization, entropy coding, LDPC block error rates")
    gs = g.add_subparsers(dest="digital_cmd", required=True)
    b = gs.add_parser("bler", help="measure the LDPC + QPSK block error rate per codeword size and SNR")
    b.add_argument("--channels", nargs="+", default=["awgn"], choices=("awgn", "rayleigh"))
    b.add_argument("--sizes", nargs="+", type=int, help="information bits per codeword (default: link.BLER_SIZES)")
    b.add_argument("--frames", type=int, default=300, help="frames per (size, SNR)")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--out", help="CSV to write (default pretrained/split/ldpc_bler.csv)")
    b.set_defaults(func=cmd_digital_bler)
    q = gs.add_parser("quantize-sweep", help="accuracy and entropy-coded bits per image after b-bit quantization")
    q.add_argument("--backbone", default="resnet18", choices=BACKBONES)
    q.add_argument("--dataset", default="cifar10")
    q.add_argument("--splits", nargs="+", default=["SP-2", "SP-3", "SP-4"])
    from semcom_core.nets.split import K_CHOICES
    q.add_argument("--ks", nargs="+", type=int, default=list(K_CHOICES),
                   help="k values (default: every k of the sweep table, 1..1024)")
    q.add_argument("--bits", nargs="+", type=int, default=list(range(1, 9)))
    q.add_argument("--n", type=int, default=2000, help="test images (the first n)")
    q.add_argument("--n-fit", type=int, default=2000, help="validation images the entropy model is fitted on")
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--out", help="CSV to write (default pretrained/split/quant_<backbone>_<dataset>.csv); if it exists, "
                                 "the rows measured replace its rows of the same (split, k, bits), the rest are kept")
    q.add_argument("--replace", action="store_true", help="overwrite --out with only the rows measured now")
    q.set_defaults(func=cmd_digital_quantize_sweep)
