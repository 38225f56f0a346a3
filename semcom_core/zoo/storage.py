"""Compact weight storage for shipped files, and its exact inverse on load.

- "float32": as trained.
- "float16": every floating tensor in half precision.
- "int8": weight matrices and kernels (floating tensors with 2+ dimensions) as symmetric int8 with one
  float32 scale per slice of the first dimension (per output channel for Linear / Conv2d, per input
  channel for ConvTranspose2d), stored as `<name>` (int8) plus `<name>::scale`; vectors (biases,
  batch-norm parameters and statistics) in float16. About a quarter of float32's size.
Accuracies written in a model card are measured on the shipped file after `expand`, never on the
float32 weights before `compact`.
"""
from __future__ import annotations

import torch

DTYPES = ("float32", "float16", "int8")
SCALE_SUFFIX = "::scale"


def compact(state: dict[str, torch.Tensor], dtype: str) -> dict[str, torch.Tensor]:
    """The tensors to write for `dtype` (non-floating tensors, e.g. batch counters, pass unchanged)."""
    if dtype not in DTYPES:
        raise ValueError(f"storage dtype must be one of {', '.join(DTYPES)}, not {dtype!r}")
    out = {}
    for name, t in state.items():
        if not t.is_floating_point() or dtype == "float32":
            out[name] = t.contiguous()
        elif dtype == "int8" and t.dim() >= 2:
            w = t.detach().float().reshape(t.shape[0], -1)
            scale = w.abs().amax(dim=1).clamp_min(1e-12) / 127.0
            out[name] = torch.round(w / scale[:, None]).clamp_(-127, 127).to(torch.int8).reshape(t.shape).contiguous()
            out[name + SCALE_SUFFIX] = scale.contiguous()
        else:
            out[name] = t.detach().half().contiguous()
    return out


def expand(stored: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """float32 tensors from what `compact` wrote (any of its dtypes, or a mix of them)."""
    out = {}
    for name, t in stored.items():
        if name.endswith(SCALE_SUFFIX):
            continue
        scale = stored.get(name + SCALE_SUFFIX)
        if scale is not None:
            out[name] = (t.float().reshape(t.shape[0], -1) * scale.float()[:, None]).reshape(t.shape)
        else:
            out[name] = t.float() if t.is_floating_point() else t
    return out


def stored_dtype(stored: dict[str, torch.Tensor]) -> str:
    """How a file was stored: "int8" if any tensor is quantized, else the floating dtype (or "mixed")."""
    if any(n.endswith(SCALE_SUFFIX) for n in stored):
        return "int8"
    kinds = {str(t.dtype).removeprefix("torch.") for t in stored.values() if t.is_floating_point()}
    return kinds.pop() if len(kinds) == 1 else "mixed"
