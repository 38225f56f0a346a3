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


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def cpu_has_fast_bf16() -> bool:
    flags = _cpu_flags()
    return bool(flags & {"amx_bf16", "avx512_bf16"})


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


@functools.lru_cache(maxsize=None)
def get_policy(prefer: str = "auto") -> DevicePolicy:
    """prefer: 'auto' (CUDA if available), 'cpu' or 'cuda'. Env SEMCOM_DEVICE overrides 'auto'."""
    if prefer == "auto":
        prefer = os.environ.get("SEMCOM_DEVICE", "auto")
    use_cuda = torch.cuda.is_available() and prefer in ("auto", "cuda")
    if prefer == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("CUDA was requested but torch.cuda.is_available() is False")
    if use_cuda:
        dev = torch.device("cuda")
        amp = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        torch.backends.cudnn.benchmark = True
        return DevicePolicy(dev, amp, True, torch.get_num_threads())
    threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    threads = int(os.environ.get("SEMCOM_THREADS", threads))
    torch.set_num_threads(max(1, threads))
    amp = torch.bfloat16 if cpu_has_fast_bf16() else None
    return DevicePolicy(torch.device("cpu"), amp, True, torch.get_num_threads())
