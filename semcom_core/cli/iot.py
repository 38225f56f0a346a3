"""CLI: `iot evaluate`, `iot sweep` (paper 003)."""
from __future__ import annotations

import json
import time
from pathlib import Path

from semcom_core.paths import atomic_write_text
from semcom_core.zoo.naming import iot_sweep_path


def cmd_iot_evaluate(a) -> int:
    from semcom_core.cli.common import UsageError
    from semcom_core.digital.separation import SeparationConfig
    from semcom_core.eval.iot import iot_evaluate
    from semcom_core.zoo.iot import load_iot_models, quality_for, test_images
    if a.quality is not None and not 1 <= a.quality <= 95:
        raise UsageError("--quality must be in 1..95")
    learned, clf, _, _ = load_iot_models(a.dataset)
    x, y = test_images(a.dataset, a.n)
    t0 = time.time()
    res = iot_evaluate(learned, clf, x, y, a.dataset, a.snr, a.channel,
                       SeparationConfig(quality_for(a.dataset, a.quality), a.send_headers), a.seed)
    res["seconds"] = round(time.time() - t0, 1)
    print(json.dumps(res, indent=2) if a.json else "\n".join(f"{k}: {v}" for k, v in res.items()))
    return 0


def cmd_iot_sweep(a) -> int:
    import pandas as pd
    from tqdm.auto import tqdm

    from semcom_core.digital.separation import SeparationConfig
    from semcom_core.eval.iot import SNR_GRID, iot_evaluate
    from semcom_core.zoo.iot import load_iot_models, quality_for, test_images
    out = Path(a.out) if a.out else iot_sweep_path()
    rows = []
    if out.is_file() and a.resume:
        rows = pd.read_csv(out).to_dict("records")
    done = {(r["dataset"], r["channel"], float(r["snr_db"])) for r in rows}
    jobs = [(d, c, s) for d in a.datasets for c in a.channels for s in SNR_GRID if (d, c, float(s)) not in done]
    t_start = time.time()
    for d, c, s in tqdm(jobs, desc="iot sweep", unit="point"):
        learned, clf, _, _ = load_iot_models(d)
        x, y = test_images(d, a.n)
        r = iot_evaluate(learned, clf, x, y, d, float(s), c,
                         SeparationConfig(quality_for(d, a.quality), a.send_headers), a.seed)
        r["learned_ci_low"], r["learned_ci_high"] = r.pop("learned_ci95")
        r["separation_ci_low"], r["separation_ci_high"] = r.pop("separation_ci95")
        jpeg = r.pop("jpeg")
        r.update(jpeg_quality=jpeg["quality"], jpeg_headers_sent=jpeg["send_headers"], ldpc_iterations=jpeg["ldpc_iterations"])
        rows.append(r)
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out, pd.DataFrame(rows).sort_values(["dataset", "channel", "snr_db"]).to_csv(index=False))  # checkpoint
    print(f"{len(jobs)} points in {time.time() - t_start:.0f}s -> {out}")
    return 0


def register(sub) -> None:
    from semcom_core.eval.iot import IOT_CHANNELS
    iot = sub.add_parser("iot", help="paper 003: learned transceiver vs JPEG+LDPC+QPSK").add_subparsers(
        dest="iot_cmd", required=True)
    for name, fn in (("evaluate", cmd_iot_evaluate), ("sweep", cmd_iot_sweep)):
        p = iot.add_parser(name)
        if name == "evaluate":
            p.add_argument("--dataset", default="mnist")
            p.add_argument("--snr", type=float, default=0.0, help="SNR in dB (Es/N0 per complex channel use)")
            p.add_argument("--channel", default="complex_awgn", choices=IOT_CHANNELS,
                           help="complex_awgn, or rayleigh (per-symbol fading, MMSE with perfect CSI)")
            p.add_argument("--json", action="store_true")
        else:
            p.add_argument("--datasets", nargs="+", default=["mnist", "fashion-mnist"])
            p.add_argument("--channels", nargs="+", default=list(IOT_CHANNELS), choices=IOT_CHANNELS)
            p.add_argument("--out", help="CSV path (default pretrained/iot/iot_sweep.csv)")
            p.add_argument("--resume", action="store_true", help="skip points already in the CSV")
        p.add_argument("--n", type=int, default=2000, help="first n test images")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--quality", type=int, default=None,
                       help="JPEG quality of the separation chain (default per dataset: 10 MNIST, 50 Fashion-MNIST)")
        p.add_argument("--send-headers", action="store_true", help="send JPEG headers too (default: scan data only)")
        p.set_defaults(func=fn)
