"""The one device and precision policy.

CUDA when present (autocast fp16/bf16 as the GPU supports); otherwise the CPU, with bfloat16
autocast when the CPU has native bf16 matrix units (AMX / AVX512-BF16: 2-3x faster than fp32 for
these convnets), channels_last memory format, and a thread count equal to the usable cores.
"""
from __future__ import annotations

import contextlib
import functools
import os
from dataclasses import dataclass

import torch


def cpu_has_fast_bf16() -> bool:
    """True where the CPU has native bf16 matrix units (AVX512-BF16 or AMX), as torch's own CPU
    dispatch sees them; on AVX2-only CPUs bf16 autocast is an order of magnitude slower than fp32."""
    if torch.backends.cpu.get_cpu_capability() not in ("AVX512", "AVX512_BF16", "AMX"):
        return False
    probe = getattr(torch.cpu, "_is_avx512_bf16_supported", None)
    amx = getattr(torch.cpu, "_is_amx_tile_supported", None)
    return bool((probe and probe()) or (amx and amx()))


PRECISIONS = ("auto", "fp32", "bf16")


@dataclass(frozen=True)
class DevicePolicy:
    device: torch.device
    amp_dtype: torch.dtype | None  # None: run in fp32
    channels_last: bool
    threads: int

    @property
    def description(self) -> str:
        amp = {None: "fp32", torch.bfloat16: "bf16 autocast", torch.float16: "fp16 autocast"}[self.amp_dtype]
        name = torch.cuda.get_device_name(self.device) if self.device.type == "cuda" else "CPU"
        return f"{name} ({self.device.type}), {amp}, {self.threads} threads" + (
            ", channels_last" if self.channels_last else "")

    def autocast(self):
        """Context manager for mixed precision on this device (a no-op in fp32)."""
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.amp_dtype)

    def prepare_model(self, model: torch.nn.Module) -> torch.nn.Module:
        model = model.to(self.device)
        if self.channels_last:
            model = model.to(memory_format=torch.channels_last)
        return model

    def prepare_input(self, x: torch.Tensor) -> torch.Tensor:
        x = x.to(self.device, non_blocking=True)
        if self.channels_last and x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        return x


def get_policy(prefer: str = "auto", precision: str | None = None) -> DevicePolicy:
    """prefer: 'auto' (CUDA if available), 'cpu' or 'cuda' (env SEMCOM_DEVICE overrides 'auto').
    precision: 'auto' (bf16/fp16 autocast where the hardware is fast at it), 'fp32' (always: what a
    result must be reproduced in on any machine) or 'bf16'; default from env SEMCOM_PRECISION."""
    return _policy(prefer, precision or os.environ.get("SEMCOM_PRECISION", "auto"))


@functools.lru_cache(maxsize=None)
def _policy(prefer: str, precision: str) -> DevicePolicy:
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if prefer == "auto":
        prefer = os.environ.get("SEMCOM_DEVICE", "auto")
    use_cuda = torch.cuda.is_available() and prefer in ("auto", "cuda")
    if prefer == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("CUDA was requested but torch.cuda.is_available() is False")
    if use_cuda:
        dev = torch.device("cuda")
        amp = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        amp = None if precision == "fp32" else torch.bfloat16 if precision == "bf16" else amp
        torch.backends.cudnn.benchmark = True
        return DevicePolicy(dev, amp, True, torch.get_num_threads())
    threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    threads = int(os.environ.get("SEMCOM_THREADS", threads))
    torch.set_num_threads(max(1, threads))
    amp = None if precision == "fp32" else torch.bfloat16 if precision == "bf16" or cpu_has_fast_bf16() else None
    return DevicePolicy(torch.device("cpu"), amp, True, torch.get_num_threads())
