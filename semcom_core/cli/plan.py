"""CLI command `plan`: the split planner (issue 29; `semcom_core.plan`), registered by cli.build_parser.

    python -m semcom_core plan --backbone resnet18 --device "pi 4" --edge a100 --link lte --snr 5 \\
        --min-accuracy 0.85 --objective latency --json

Presets are named by their full name or any unique part of it (case-insensitive), or given as numbers.
Infeasible constraints are an answer, not an error: exit 0 with "feasible": false and the binding one.
"""
from __future__ import annotations

import argparse
import json
import math


def cmd_plan(a) -> int:
    from semcom_core.cli.common import UsageError
    from semcom_core.plan import Constraints, inputs_from, plan
    from semcom_core.plan.planner import MODE_CHOICES
    from semcom_core.plan.presets import PresetError
    from semcom_core.zoo.tables import load_sweep

    for flag, v in (("--max-latency-ms", a.max_latency_ms), ("--max-device-macs", a.max_device_macs),
                    ("--max-energy-mj", a.max_energy_mj)):
        if v is not None and not (math.isfinite(v) and v >= 0):
            raise UsageError(f"{flag} must be a non-negative number, got {v:g}")
    if a.min_accuracy is not None and not 0 <= a.min_accuracy <= 1:
        raise UsageError(f"--min-accuracy is a fraction in [0, 1] (0.85 for 85 %), got {a.min_accuracy:g}")
    cons = Constraints(min_accuracy=a.min_accuracy,
                       max_latency_s=None if a.max_latency_ms is None else a.max_latency_ms / 1e3,
                       max_device_macs=a.max_device_macs,
                       max_energy_j=None if a.max_energy_mj is None else a.max_energy_mj / 1e3)
    try:
        inp = inputs_from(a.device, a.edge, a.link, a.snr, energy_per_mac=a.energy_per_mac,
                          energy_per_bit=a.energy_per_bit, backbone=a.backbone, dataset=a.dataset,
                          channel=a.channel, bits_per_number=a.bits, constraints=cons, objective=a.objective,
                          convention=a.convention, modes=MODE_CHOICES[a.mode], digital_link=a.digital_link,
                          digital_bits=tuple(a.digital_bits) if a.digital_bits else None,
                          analog_air=a.analog_air.replace("-", "_"), toc=a.toc)
    except (PresetError, ValueError) as e:
        raise UsageError(str(e)) from None
    table = load_sweep(a.backbone, a.dataset)  # DatasetError (exit 1) naming the command if not shipped
    if not (table.channel == a.channel).any():
        have = ", ".join(sorted(table.channel.unique()))
        raise UsageError(f"the {a.backbone} accuracy table has no {a.channel} rows (measured: {have})")
    p = plan(inp, table=table)
    out = p.to_dict(all_candidates=a.all)
    if a.json:
        print(json.dumps(out, indent=2, default=float))
    else:
        print(_text(out))
    return 0


def _ms(s: float) -> str:
    return f"{s * 1e3:,.3f} ms"


def _mj(j) -> str:
    return "—" if j is None else f"{j * 1e3:,.4f} mJ"


def _line(r: dict) -> str:
    iv = r.get("accuracy_interval")
    iv_s = f" [{100 * iv[0]:.1f}, {100 * iv[1]:.1f}]" if iv else ""
    mode = {"digital": f"digital {r['bits_per_number']} b", "label": "label"}.get(r.get("mode"), "analog")
    name = r["split"] if r.get("budget_macs") is None else f"{r['split']} B={r['budget_macs'] / 1e6:,.3g}M"
    return (f"  {name:>11} k={r['k']:<5} {mode:<11} {100 * r['accuracy']:5.1f} %{iv_s:<15} {_ms(r['latency_s']):>13} "
            f"(device {_ms(r['device_s'])}, air {_ms(r['air_s'])}, edge {_ms(r['edge_s'])})  {_mj(r['energy_j'])}"
            + (f"  worst image {_ms(r['peak_latency_s'])}, {r['peak_device_macs'] / 1e6:,.3g} M device MACs"
               + (f", {_mj(r['peak_energy_j'])}" if r.get("peak_energy_j") is not None else "")
               if r.get("worst_latency_s") is not None else "")
            + ("" if r.get("accuracy_reading", "measured") == "measured" else f"  {r['accuracy_reading']}")
            + (f"  link {r['link_figure']}" if r.get("link_figure") in ("interpolated", "modelled") else ""))


def _text(o: dict) -> str:
    i = o["inputs"]
    head = (f"plan: {i['backbone']} on {i['dataset']}, {i['channel']} at {i['snr_db']:g} dB; device "
            f"{i['presets']['device']}, edge {i['presets']['edge']}, link {i['presets']['link']}; "
            f"{i['bits_per_number']} bits per number; objective {i['objective']}; modes {'+'.join(i['modes'])}"
            + (f" (digital over {i['digital_link']})" if "digital" in i["modes"] else ""))
    count = f"feasible: {str(o['feasible']).lower()} ({o['counts']['feasible']} of {o['counts']['candidates']} candidates)"
    lines = [head, count, o["reason"], f"accuracy: {o['accuracy_readings']}",
             *(f"note: {n}" for n in o.get("notes") or []),
             "Pareto front, accuracy vs latency (feasible candidates):"]
    lines += [_line(r) for r in o["pareto"]["accuracy_vs_latency"]] or ["  (empty)"]
    lines.append("Pareto front, accuracy vs device energy (feasible candidates):")
    lines += [_line(r) for r in o["pareto"]["accuracy_vs_energy"]] or ["  (empty: no energy figures or nothing feasible)"]
    lines.append("baselines:")
    for name, r in o["baselines"].items():
        lines.append(f"  {name}: " + ("not in the table" if r is None else
                                       _line(r).strip() + f"  feasible: {str(r['feasible']).lower()}"))
    for r in o.get("candidates") or []:
        lines.append(_line(r) + ("" if r["feasible"] else "  infeasible"))
    return "\n".join(lines)


def register(sub) -> None:
    from semcom_core.channels import CHANNELS
    from semcom_core.nets import BACKBONES
    from semcom_core.plan import OBJECTIVES
    p = sub.add_parser("plan", help="split planner: the best split and k for a device, edge, link and constraints")
    p.add_argument("--backbone", default="resnet18", choices=BACKBONES)
    p.add_argument("--dataset", default="cifar10")
    p.add_argument("--device", default="microcontroller",
                   help="device preset (costs.compute.DEVICE_PRESETS; a unique part of the name will do) or FLOP/s")
    p.add_argument("--edge", default="A100", help="edge preset or FLOP/s")
    p.add_argument("--link", default="NB-IoT", help="link preset (costs.compute.LINK_PRESETS) or bit/s")
    p.add_argument("--snr", type=float, default=5.0, help="channel SNR in dB (docs/conventions.md)")
    p.add_argument("--channel", default="awgn", choices=tuple(CHANNELS))
    p.add_argument("--bits", type=int, default=32, help="bits per transmitted number for the air time (default 32)")
    p.add_argument("--energy-per-mac", help="device energy per MAC: preset (plan.presets) or joules "
                                            "(default: the device's sourced figure, else FP32 arithmetic, Horowitz 2014)")
    p.add_argument("--energy-per-bit", help="device energy per transmitted bit: preset or joules "
                                            "(default: the link's sourced figure, if it has one)")
    p.add_argument("--min-accuracy", type=float, help="minimum accuracy, a fraction (0.85)")
    p.add_argument("--max-latency-ms", type=float, help="maximum end-to-end latency in ms, per image (the dynamic TOC model: its worst image, at the deepest exit used; the objective uses the mean)")
    p.add_argument("--max-device-macs", type=float, help="maximum MACs on the device per image (the dynamic TOC model: its worst image)")
    p.add_argument("--max-energy-mj", type=float, help="maximum device energy per image in mJ (the dynamic TOC model: its worst image)")
    p.add_argument("--objective", choices=OBJECTIVES, default="latency")
    p.add_argument("--convention", choices=("paper", "true"), default="true", help="MAC counting convention")
    p.add_argument("--mode", choices=("analog", "digital", "both"), default="analog",
                   help="send the k numbers as analog symbols, as quantized entropy-coded bits (the b values of "
                        "pretrained/split/quant_*.csv), or let the planner choose per candidate (both)")
    p.add_argument("--digital-link", choices=("ldpc", "shannon"), default="ldpc",
                   help="digital candidates' link: the measured rate-1/2 LDPC + QPSK chain (1 bit per channel use; "
                        "frame loss from pretrained/split/ldpc_bler.csv) or the Shannon-capacity ideal")
    p.add_argument("--digital-bits", type=int, nargs="+", help="only these bits per number for digital candidates")
    p.add_argument("--analog-air", choices=("bits", "channel-uses"), default="bits",
                   help="analog air time: k x --bits / link rate (the cost model's, default) or ceil(k/2) complex "
                        "channel uses at the link rate in uses per second (as the digital link counts)")
    p.add_argument("--toc", action=argparse.BooleanOptionalAction, default=True,
                   help="paper 001's TOC models (pretrained/toc/) as candidates too, on CIFAR-10 (default: on)")
    p.add_argument("--all", action="store_true", help="also list every candidate")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_plan)
