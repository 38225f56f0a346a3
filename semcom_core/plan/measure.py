"""The measurements behind the planner's digital candidates (issue 29, "Digital link"), written by the CLI
group `python -m semcom_core digital`. (Here and not in `digital`, which is below `eval` in the layering:
these run the split models and use `eval`'s statistics.)

`quantize_sweep`: accuracy and bits per image of the split model after quantization,
`pretrained/split/quant_<backbone>_<dataset>.csv`.

For each split the transmitter runs once on the first n test images and on n_fit validation images (held
out from the training set, never the test set), in fp32 (`eval.split.MEASURE_PRECISION`); every k is a
prefix of that output (`SplitModel.to_channel`: keep the first k, power-normalize), every b reuses it.
Per (split, k, b), on the validation images: fit both scales of `digital.quantize` and keep the one with
the smaller quantization MSE (`scale` column; both validation MSEs are in the CSV), fit the
entropy model; then on the test images: quantize, entropy-code each image (and decode it back: the
`exact` column), dequantize and run the receiver with error-free bits ("the digital link either delivers
the bits or fails"). The float row (bits 32, `scale` "none") is the same images unquantized: the reference
an 8-bit row must match within sampling error.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from semcom_core.digital import quantize as Q
from semcom_core.digital.link import BLER_SIZES, BLER_SNRS, CHAIN_CHANNEL
from semcom_core.eval.stats import wilson_interval

FLOAT_BITS = 32  # the float reference row's bits per number (fp32, the cost model's default)


QUANT_KEY = ("split", "k", "bits")  # one row of the quantization table per (split, k, b)


def merge_rows(table: pd.DataFrame, new: pd.DataFrame, key=QUANT_KEY) -> pd.DataFrame:
    """`table` with each row of `new` in place of its row of the same key (order kept), new keys appended."""
    index = {tuple(r): i for i, r in enumerate(table[list(key)].itertuples(index=False))}
    out = table.to_dict("records")
    for r in new.to_dict("records"):
        i = index.get(tuple(r[c] for c in key))
        if i is None:
            index[tuple(r[c] for c in key)] = len(out)
            out.append(r)
        else:
            out[i] = r
    return pd.DataFrame(out, columns=list(dict.fromkeys([*table.columns, *new.columns])))


@torch.no_grad()
def _features(view, data, split_name: str, n: int, policy, batch: int = 500) -> torch.Tensor:
    out = []
    for x, _ in data.batches(split_name, batch, limit=n):
        with policy.autocast():
            out.append(view.transmitter(policy.prepare_input(x)).float())
    return torch.cat(out)


@torch.no_grad()
def _accuracy(view, z_sent: np.ndarray, k: int, k_max: int, labels: torch.Tensor, batch: int = 500) -> int:
    """Correct count of the receiver on the received vectors (N, k), zero-filled to k_max."""
    correct = 0
    for i in range(0, len(z_sent), batch):
        y = torch.zeros(len(z_sent[i:i + batch]), k_max)
        y[:, :k] = torch.from_numpy(z_sent[i:i + batch])
        correct += int((view.decode(y, k).argmax(1) == labels[i:i + batch]).sum())
    return correct


def quantize_sweep(dataset: str, backbone: str, splits, ks, bits=tuple(range(1, 9)), n: int = 2000,
                   n_fit: int = 2000, seed: int = 0, out: Path | None = None, progress: bool = True,
                   data=None) -> pd.DataFrame:
    """Rows of the quantization table (see the module's docstring); `data`: an `ImageData` with the 5,000-image
    validation split (seed 0) already loaded (default: read from the cache). Written to `out` row by row."""
    from semcom_core.data.loader import ImageData
    from semcom_core.device import get_policy
    from semcom_core.eval.split import MEASURE_PRECISION, load_split
    from semcom_core.paths import atomic_write_text
    torch.manual_seed(seed)
    policy = get_policy(precision=MEASURE_PRECISION)
    data = data or ImageData(dataset, policy.device, n_val=5000, seed=0)
    n = min(n, len(data.test))
    labels = data.test.labels[:n].cpu()
    multi, card = load_split(backbone, dataset, policy.device)
    rows: list[dict] = []

    def emit(r: dict) -> None:
        rows.append(r)
        if progress:
            print(f"{r['split']} k={r['k']:<4} b={r['bits']:<2} {r['scale']:>6}: acc {100 * r['accuracy']:.2f} % "
                  f"(float {100 * r['float_accuracy']:.2f} %), {r['bits_per_image']:.1f} bits/image, "
                  f"{r['cpu_s']:.1f} s CPU", flush=True)
        if out is not None:
            atomic_write_text(Path(out), pd.DataFrame(rows).to_csv(index=False))

    feats = {}
    for sp in splits:  # the transmitter once per split; every k is a prefix of its output
        view = policy.prepare_model(multi.view(sp)).eval()
        t0 = time.process_time()
        feats[sp] = (view, _features(view, data, "test", n, policy), _features(view, data, "val", n_fit, policy),
                     time.process_time() - t0)
    for k_req in ks:  # k outermost: the first k of the list is measured at every split first
        for sp in splits:
            view, f_test, f_fit, tx_s = feats[sp]
            k = view.check_k(k_req)
            z_test = view.to_channel(f_test, k)[:, :k].numpy()
            z_fit = view.to_channel(f_fit, k)[:, :k].numpy()
            t0 = time.process_time()
            float_correct = _accuracy(view, z_test, k, view.k_max, labels)
            base = {"backbone": backbone, "dataset": dataset, "split": sp, "k": k, "channel": "noiseless",
                    "n": n, "n_fit": n_fit, "seed": seed, "model": card["name"], "precision": MEASURE_PRECISION}
            fa = float_correct / n
            lo, hi = wilson_interval(float_correct, n)
            emit({**base, "bits": FLOAT_BITS, "scale": "none", "accuracy": fa, "ci_low": lo, "ci_high": hi,
                  "float_accuracy": fa, "bits_per_image": float(k * FLOAT_BITS), "bits_p95": float(k * FLOAT_BITS),
                  "bits_max": k * FLOAT_BITS, "raw_bits": k * FLOAT_BITS, "side_bits": 0, "ideal_bits": float("nan"),
                  "ans_bits": float("nan"), "clip": float("nan"), "sqnr_db": float("inf"), "mse_vector_fit": float("nan"),
                  "mse_fixed_fit": float("nan"), "exact": True, "tx_cpu_s": round(tx_s, 1),
                  "cpu_s": round(time.process_time() - t0, 1)})
            for b in bits:
                t0 = time.process_time()
                c_fixed = Q.fit_fixed_scale(z_fit, b)
                s_fit = Q.vector_scale(z_fit)
                mse = {"vector": float(np.mean((Q.dequantize(Q.quantize(z_fit, b, s_fit), b, s_fit) - z_fit) ** 2)),
                       "fixed": float(np.mean((Q.dequantize(Q.quantize(z_fit, b, c_fixed), b, c_fixed) - z_fit) ** 2))}
                scale = min(Q.SCALES, key=lambda s: mse[s])
                fit_c = s_fit if scale == "vector" else c_fixed
                probs = Q.fit_model(Q.quantize(z_fit, b, fit_c), b)
                c_test = Q.vector_scale(z_test) if scale == "vector" else c_fixed
                q = Q.quantize(z_test, b, c_test)
                coded = Q.code_all(q, b, probs, Q.SIDE_BITS[scale])
                z_hat = Q.dequantize(q, b, c_test)
                correct = _accuracy(view, z_hat, k, view.k_max, labels)
                lo, hi = wilson_interval(correct, n)
                emit({**base, "bits": b, "scale": scale, "accuracy": correct / n, "ci_low": lo, "ci_high": hi,
                      "float_accuracy": fa, "bits_per_image": float(coded.bits.mean()),
                      "bits_p95": float(np.percentile(coded.bits, 95)), "bits_max": int(coded.bits.max()),
                      "raw_bits": coded.raw_bits + Q.FLAG_BITS + coded.side_bits, "side_bits": coded.side_bits,
                      "ideal_bits": float(coded.ideal_bits.mean()), "ans_bits": float(coded.ans_bits.mean()),
                      "clip": c_fixed if scale == "fixed" else float("nan"), "sqnr_db": Q.sqnr_db(z_test, z_hat),
                      "mse_vector_fit": mse["vector"], "mse_fixed_fit": mse["fixed"], "exact": coded.exact,
                      "tx_cpu_s": round(tx_s, 1), "cpu_s": round(time.process_time() - t0, 1)})
    return pd.DataFrame(rows)


def measure_bler(sizes=BLER_SIZES, snrs=BLER_SNRS, channels=("awgn",), frames: int = 300, seed: int = 0,
                 iterations: int = 20, on_row: Callable[[dict], None] | None = None) -> pd.DataFrame:
    """Block error rate of one rate-1/2 LDPC + QPSK codeword per (channel, size, SNR), `frames` random frames
    each (seeded). SNRs are scanned upwards; once two consecutive SNRs have no frame error, the higher SNRs
    are not decoded but recorded with bler 0 and measured False (BLER falls with SNR); below the first SNR
    with a correct frame, the same from above: once two consecutive SNRs lose every frame, lower ones are
    recorded with bler 1, measured False."""
    import torch

    from semcom_core.digital.separation import qpsk_ldpc_chain
    rows = []
    snrs = sorted(float(s) for s in snrs)
    for ch in channels:
        for size in sizes:
            g = torch.Generator().manual_seed(seed * 1_000_003 + int(size))
            results: dict[float, dict] = {}

            def run(s: float) -> dict:
                t0 = time.process_time()
                bits = torch.randint(0, 2, (frames, 1, int(size)), generator=g).float()
                dec, _ = qpsk_ldpc_chain(bits, s, CHAIN_CHANNEL[ch], iterations, g)
                errors = int((dec != bits).any(-1).sum())
                lo, hi = wilson_interval(errors, frames)
                return {"channel": ch, "info_bits": int(size), "channel_uses": int(size), "snr_db": s,
                        "frames": frames, "frame_errors": errors, "bler": errors / frames, "ci_low": lo,
                        "ci_high": hi, "measured": True, "seed": seed, "iterations": iterations,
                        "cpu_s": round(time.process_time() - t0, 2)}
            # start at the middle of the grid's low end and walk: down while frames still get through,
            # up until two error-free points
            start = min(snrs, key=lambda s: abs(s - 0.0))
            i0 = snrs.index(start)
            zeros = 0
            for s in snrs[i0:]:
                if zeros >= 2:
                    results[s] = {**_filled(ch, size, s, 0.0, seed, iterations, frames)}
                    continue
                results[s] = run(s)
                zeros = zeros + 1 if results[s]["frame_errors"] == 0 else 0
            fulls = 0
            for s in reversed(snrs[:i0]):
                if fulls >= 2:
                    results[s] = _filled(ch, size, s, 1.0, seed, iterations, frames)
                    continue
                results[s] = run(s)
                fulls = fulls + 1 if results[s]["frame_errors"] == frames else 0
            for s in snrs:
                rows.append(results[s])
                if on_row:
                    on_row(results[s])
    return pd.DataFrame(rows)


def _filled(ch, size, s, bler, seed, iterations, frames) -> dict:
    return {"channel": ch, "info_bits": int(size), "channel_uses": int(size), "snr_db": s, "frames": 0,
            "frame_errors": 0, "bler": bler, "ci_low": float("nan"), "ci_high": float("nan"), "measured": False,
            "seed": seed, "iterations": iterations, "cpu_s": 0.0}
