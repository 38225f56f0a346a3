"""Measuring paper 001's TOC models: accuracy at a channel and SNR, and the dynamic model under a budget
B (Algorithms 2-3: thresholds fitted on the validation split, applied to the test split).

Every exit of every image is computed (a simulation: one forward pass gives all K exits); which exit an
image *leaves* from is decided by its transmitter-side confidences and the thresholds, and its cost is
C_exit of `semcom_core.toc.costs` (the blocks and confidence checks it would have run). The reported
`mean_macs` is the mean of those costs over the test images: the measured cost per image. The
confidences never depend on the channel (they are computed before it), so the thresholds for a budget
are the same at every SNR; the receiver's predictions do depend on it.

Noise: drawn from one generator seeded by `seed`, batch after batch in order, so a result is
reproducible from (weights, images, channel, SNR, seed).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from semcom_core import paths
from semcom_core.channels import seeded_generator
from semcom_core.costs.compute import FLOPS_PER_MAC
from semcom_core.eval.stats import wilson_interval
from semcom_core.nets.toc import StaticTOC, build_toc_model
from semcom_core.toc import budget as B


@dataclass
class Collected:
    """Per image and exit (N, K): receiver predictions, transmitter confidences and predictions; labels (N,)."""
    labels: np.ndarray
    rx_pred: np.ndarray
    confidences: np.ndarray
    tx_pred: np.ndarray

    @property
    def exit_accuracy(self) -> np.ndarray:
        """Receiver accuracy of every exit if all images left there (K,)."""
        return (self.rx_pred == self.labels[:, None]).mean(0)


@torch.no_grad()
def collect(model: torch.nn.Module, x_batches, snr_db, channel: str, seed: int = 0,
            policy=None) -> Collected:
    """Run `model` (StaticTOC or DynamicTOC) over batches of (normalized images, labels). snr_db None or
    channel "noiseless" = no noise. For a static model K = 1 and its confidence is the receiver's top
    softmax probability (no early exit to decide)."""
    was = model.training
    model.eval()
    dev = next(model.parameters()).device
    gen = seeded_generator(seed, dev)
    ys, rx, conf, tx = [], [], [], []
    try:
        for x, y in x_batches:
            if policy is not None:
                x = policy.prepare_input(x)
            ctx = policy.autocast() if policy is not None else torch.autocast("cpu", enabled=False)
            with ctx:
                out = model(x, snr_db, channel, gen)
            if isinstance(model, StaticTOC):
                logits = out.float()
                rx.append(logits.argmax(1)[:, None])
                p = logits.softmax(1)
                conf.append(p.amax(1)[:, None])
                tx.append(p.argmax(1)[:, None])
            else:
                rx.append(torch.stack([r.float().argmax(1) for r in out.rx_logits], 1))
                conf.append(out.confidences())
                tx.append(torch.stack([t.float().argmax(1) for t in out.tx_logits], 1))
            ys.append(y)
    finally:
        model.train(was)
    cat = lambda a: torch.cat(a).cpu().numpy()  # noqa: E731
    return Collected(cat(ys), cat(rx), cat(conf), cat(tx))


def budget_result(val: Collected, test: Collected, budget, exit_costs) -> dict:
    """Fit thresholds for `budget` on `val` (never the test split), apply them to `test`; returns the
    measured accuracy, mean cost, exit fractions, r, thresholds, and per-exit accuracies.
    BudgetError when the budget is unreadable or below the first exit's cost."""
    plan = B.plan_budget(budget, exit_costs)
    k = len(exit_costs)
    theta = B.fit_thresholds(val.confidences, plan.probabilities)
    exits = B.assign_exits(test.confidences, theta)
    correct = test.rx_pred[np.arange(len(exits)), exits] == test.labels
    n = len(exits)
    costs = np.asarray(exit_costs, dtype=float)
    per_exit = []
    for j in range(k):
        sel = exits == j
        per_exit.append(float(correct[sel].mean()) if sel.any() else None)
    cost_sd = float(costs[exits].std()) if n else 0.0
    return {
        "accuracy": float(correct.mean()), "ci95": list(wilson_interval(int(correct.sum()), n)), "n": n,
        "budget": plan.budget, "mean_macs": B.measured_cost(exits, costs),
        "mean_macs_se": cost_sd / max(1.0, np.sqrt(n)), "expected_macs": plan.expected_cost,
        "status": plan.status, "message": plan.message,
        "r": None if np.isinf(plan.r) else plan.r, "exit_probabilities": list(plan.probabilities),
        "thresholds": [None if not np.isfinite(t) else float(t) for t in theta],
        # the same, exact and JSON-safe: "inf" = nobody leaves at that exit, "-inf" = everyone still in does
        "threshold_values": [float(t) if np.isfinite(t) else ("inf" if t > 0 else "-inf") for t in theta],
        "exit_fractions": B.exit_fractions(exits, k).tolist(), "exit_costs": [int(c) for c in costs],
        "accuracy_at_exit": per_exit, "accuracy_if_all_leave_at": test.exit_accuracy.tolist(),
        "n_val": len(val.labels),
    }


def static_result(test: Collected, cost: int, budget=None) -> dict:
    """Accuracy of a static model; with a budget, BudgetError if the model does not fit it."""
    n = len(test.labels)
    correct = int((test.rx_pred[:, 0] == test.labels).sum())
    out = {"accuracy": correct / max(1, n), "ci95": list(wilson_interval(correct, n)), "n": n,
           "mean_macs": float(cost), "exit_fractions": [1.0], "exit_costs": [int(cost)], "r": None,
           "thresholds": [None]}
    if budget is not None:
        b = B.parse_budget(budget)
        if b < cost:
            raise B.BudgetError(f"budget {b:,.0f} is below this static model's cost ({cost:,.0f} per image): "
                                "it cannot run; pick a smaller encoder or the dynamic model")
        out["budget"] = b
    return out


# ----------------------------------------------------------------------------- from files
def default_weights(model: str, dataset: str) -> Path:
    """Where a shipped TOC model lives: pretrained/toc/toc_<model>_<dataset>.safetensors."""
    return paths.pretrained_dir() / "toc" / f"toc_{model.replace('-', '_')}_{dataset}.safetensors"


def load_toc_model(model: str, num_classes: int, weights: Path) -> tuple[nn.Module, dict]:
    """The TOC network `model` with the float tensors of `weights` (safetensors, strict; a shipped file's
    compact storage, `zoo.storage`, expanded to float32). Returns (model in eval mode, the file's
    metadata). FileNotFoundError naming the command that makes the file."""
    from safetensors import safe_open
    from safetensors.torch import load_file
    weights = Path(weights)
    if not weights.is_file():
        cfg = f"configs/toc_{model.replace('-', '_')}_<dataset>.toml"
        raise FileNotFoundError(f"no weights at {weights}: train them with `python -m semcom_core toc train {cfg}` "
                                f"and pass --weights runs/<name>/best.safetensors, or ship the run with "
                                f"`python -m semcom_core toc export runs/<name>`")
    with safe_open(str(weights), "pt") as f:
        meta = f.metadata() or {}
    if meta.get("model") and meta["model"] != model:
        raise ValueError(f"{weights} holds a {meta['model']} model, not {model}")
    from semcom_core.zoo.storage import expand
    net = build_toc_model(model, num_classes)
    net.load_state_dict(expand(load_file(str(weights))), strict=True)  # a shipped file may be stored compact
    return net.eval(), meta


def evaluate_model(model: str, dataset: str, weights: Path | None, budget, snr_db: float, channel: str,
                   n: int, seed: int = 0, n_val: int = 5000, val_seed: int = 0, policy=None) -> dict:
    """Test accuracy of a TOC model on the first n test images at (channel, snr_db), noise seeded by
    `seed`; for the dynamic model under `budget` (MACs per image) with thresholds fitted on the first
    `n_val` images of the validation split the training run carved (its n_val and seed, from the file's
    metadata; `val_seed` when the file has none). Measured in fp32 (the project's measuring precision)."""
    return evaluate_budgets(model, dataset, weights, [budget], snr_db, channel, n, seed, n_val, val_seed, policy)[0]


def evaluate_budgets(model: str, dataset: str, weights: Path | None, budgets: list, snr_db: float, channel: str,
                     n: int, seed: int = 0, n_val: int = 5000, val_seed: int = 0, policy=None) -> list[dict]:
    """`evaluate_model` at several budgets from one pass over the images (Table IV: the exits' outputs
    do not depend on the budget, only which exit each image leaves from)."""
    from semcom_core.data.loader import ImageData
    from semcom_core.data.registry import get_spec
    from semcom_core.device import get_policy
    from semcom_core.toc.costs import toc_costs
    policy = policy or get_policy(precision="fp32")
    spec = get_spec(dataset)
    weights = Path(weights) if weights else default_weights(model, dataset)
    net, meta = load_toc_model(model, spec.num_classes, weights)
    net = policy.prepare_model(net)
    carve = int(meta.get("n_val", n_val if n_val else 5000))
    data = ImageData(dataset, policy.device, n_val=carve, seed=int(meta.get("split_seed", val_seed)))
    n = min(n, len(data.test))
    costs = toc_costs(model, spec.num_classes, "paper")
    test = collect(net, data.batches("test", 500, limit=n), snr_db, channel, seed, policy)
    if model == "dynamic":
        val = collect(net, data.batches("val", 500, limit=min(n_val, len(data.val))), None, "noiseless", seed,
                      policy)  # confidences are computed before the channel: no noise needed
        results = [budget_result(val, test, b, costs.exit_macs) for b in budgets]
    else:
        results = [static_result(test, costs.exit_macs[0], b) for b in budgets]
    for res in results:
        res.update(model=model, dataset=dataset, provenance=data.provenance, channel=channel, snr_db=snr_db,
                   seed=seed, weights=str(weights), budget_unit="MACs per image (paper 001's 'FLOPs')",
                   mean_flops=res["mean_macs"] * FLOPS_PER_MAC, precision=policy.description)
    return results
