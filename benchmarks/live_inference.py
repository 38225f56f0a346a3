"""How long one image takes through a split model on this machine, as the explorer's live panel runs it
(transmitter once, a noiseless and a noisy receiver pass). Prints seconds per image for every backbone and
split point, and each as a fraction of the app's 0.1 s target.

    python benchmarks/live_inference.py [--repeats 5]

Untrained weights (timing does not depend on them), k = 64, AWGN 5 dB, current device policy."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from semcom_core.device import get_policy  # noqa: E402
from semcom_core.eval.live import live_split  # noqa: E402
from semcom_core.nets import build_backbone  # noqa: E402
from semcom_core.nets.multisplit import MultiSplitModel  # noqa: E402

BUDGET_S = 0.1  # the app's target for one image (issue: live inference for one image <= 0.1 s)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    print(f"device: {get_policy().description}")
    img = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    print(f"{'backbone':10} {'split':6} {'s/image':>9} {'of budget':>10}")
    for bb, k_max in (("resnet20", 256), ("resnet18", 1024), ("resnet34", 1024)):
        torch.manual_seed(0)
        multi = MultiSplitModel(build_backbone(bb, 10), None, k_max=k_max).eval()
        for sp in multi.all_splits:
            live_split(multi, sp, img, "cifar10", 64, 5.0, "awgn")  # warm-up
            t0 = time.perf_counter()
            for r in range(args.repeats):
                live_split(multi, sp, img, "cifar10", 64, 5.0, "awgn", seed=r)
            dt = (time.perf_counter() - t0) / args.repeats
            print(f"{bb:10} {sp:6} {dt:9.4f} {dt / BUDGET_S:9.1%}")


if __name__ == "__main__":
    main()
