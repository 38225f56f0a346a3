"""Channels, with one set of conventions (the UI quotes `CONVENTIONS`).

- What is sent is a real vector z of n numbers with unit average power per real element
  (`power_normalize` gives ||z||^2 = n).
- Real AWGN: y = z + sigma*w, w ~ N(0, 1), sigma = 10^(-SNR_dB/20) (paper 000's code).
- Complex channels: consecutive pairs (z[2i], z[2i+1]) form one complex symbol
  x = (z[2i] + j z[2i+1]) / sqrt(2), so E|x|^2 = 1 and one complex channel use carries two real
  numbers; noise CN(0, sigma^2), sigma^2 = 10^(-SNR_dB/10) (sigma^2/2 per real dimension).
  SNR = E|x|^2 / E|n|^2 per complex symbol. After unpacking (times sqrt(2)) each real number sees
  noise of variance sigma^2, so complex AWGN and real AWGN at the same SNR are equivalent.
- Rayleigh fading: y = h x + n, h ~ CN(0, 1) (E|h|^2 = 1), either one h per transmitted vector
  ("block") or one per complex symbol ("fast"). The receiver knows h and equalizes:
  "zf" (y / h), "mmse" (h* y / (|h|^2 + sigma^2)) or "none" (passes h x + n on, rotated
  and scaled, for a learned receiver that copes by itself).
- Noise is drawn per call from an optional torch.Generator, so results are reproducible from
  a seed; every operation is differentiable with respect to z.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

CONVENTIONS = (
    "SNR is signal power over noise power per channel symbol. Transmitted vectors have unit average "
    "power per real number. Real AWGN: sigma = 10^(-SNR/20) per real number. Complex channels pack two "
    "real numbers into one complex channel use (unit power), noise CN(0, 10^(-SNR/10)). Rayleigh: "
    "h ~ CN(0,1) per vector (block) or per symbol (fast), receiver has perfect channel knowledge."
)

CHANNEL_KINDS = ("noiseless", "awgn", "complex_awgn", "rayleigh_block", "rayleigh_fast")
EQUALIZERS = ("zf", "mmse", "none")


def snr_db_to_sigma(snr_db: float) -> float:
    """Noise standard deviation per real dimension for real AWGN at unit signal power."""
    return 10.0 ** (-snr_db / 20.0)


def power_normalize(z: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Scale each vector (last dim) so that ||z||^2 = n, i.e. unit average power per element."""
    n = z.shape[-1]
    return z * (math.sqrt(n) / z.norm(dim=-1, keepdim=True).clamp_min(eps))


def _randn(shape, like: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    if generator is not None and generator.device != like.device:
        # draw on the generator's device, then move: reproducible whatever the model's device
        return torch.randn(shape, generator=generator, device=generator.device, dtype=torch.float32
                           ).to(like.device, like.dtype)
    return torch.randn(shape, generator=generator, device=like.device, dtype=like.dtype)


def to_complex(z: torch.Tensor) -> torch.Tensor:
    """(…, n) real -> (…, ceil(n/2)) complex with unit power per symbol (zero-pads odd n)."""
    n = z.shape[-1]
    if n % 2:
        z = torch.nn.functional.pad(z, (0, 1))
    pairs = z.float().reshape(*z.shape[:-1], -1, 2)
    return torch.complex(pairs[..., 0], pairs[..., 1]) / math.sqrt(2.0)


def from_complex(x: torch.Tensor, n: int) -> torch.Tensor:
    """Inverse of `to_complex`: (…, m) complex -> (…, n) real."""
    r = torch.stack((x.real, x.imag), dim=-1).reshape(*x.shape[:-1], -1) * math.sqrt(2.0)
    return r[..., :n]


def complex_channel_uses(n_real: int) -> int:
    return (n_real + 1) // 2


@dataclass(frozen=True)
class Channel:
    """A channel model; call `channel(z, snr_db, generator)` to transmit real vectors z (B, n)."""
    kind: str = "awgn"
    equalizer: str = "zf"

    def __post_init__(self):
        if self.kind not in CHANNEL_KINDS:
            raise ValueError(f"unknown channel {self.kind!r}; known: {', '.join(CHANNEL_KINDS)}")
        if self.equalizer not in EQUALIZERS:
            raise ValueError(f"unknown equalizer {self.equalizer!r}; known: {', '.join(EQUALIZERS)}")

    @property
    def label(self) -> str:
        names = {"noiseless": "noiseless", "awgn": "AWGN (real)", "complex_awgn": "AWGN (complex)",
                 "rayleigh_block": "Rayleigh block fading", "rayleigh_fast": "Rayleigh fast fading"}
        lab = names[self.kind]
        return lab + (f", {self.equalizer.upper()} equalizer" if self.kind.startswith("rayleigh") else "")

    def __call__(self, z: torch.Tensor, snr_db: float | torch.Tensor,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        return transmit(z, snr_db, self.kind, self.equalizer, generator)


def _sigma_per_row(snr_db, z: torch.Tensor, power_exp: float) -> torch.Tensor | float:
    """snr_db may be a float or a (B,) tensor (one SNR per vector, used in training)."""
    if isinstance(snr_db, torch.Tensor):
        return (10.0 ** (-snr_db.to(z.device, torch.float32) / power_exp)).reshape(-1, *([1] * (z.dim() - 1)))
    return 10.0 ** (-float(snr_db) / power_exp)


def transmit(z: torch.Tensor, snr_db, kind: str = "awgn", equalizer: str = "zf",
             generator: torch.Generator | None = None) -> torch.Tensor:
    """Pass real vectors z (…, n) through the channel; returns what the receiver sees (…, n)."""
    return transmit_with_csi(z, snr_db, kind, equalizer, generator)[0]


def transmit_with_csi(z: torch.Tensor, snr_db, kind: str = "awgn", equalizer: str = "zf",
                      generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Like `transmit`, also returning the channel power gain |h|^2 per complex symbol (…, ceil(n/2))
    (ones for AWGN, None for real channels): a soft demapper needs it after zero-forcing, where
    the noise variance per symbol becomes sigma^2 / |h|^2."""
    if kind == "noiseless":
        return z, None
    if kind == "awgn":
        sigma = _sigma_per_row(snr_db, z, 20.0)
        return z + sigma * _randn(z.shape, z, generator), None
    if kind not in CHANNEL_KINDS:
        raise ValueError(f"unknown channel {kind!r}")
    n = z.shape[-1]
    x = to_complex(z)
    sigma = _sigma_per_row(snr_db, x.real, 20.0)  # std of the complex noise: E|n|^2 = sigma^2
    noise = torch.complex(_randn(x.shape, x.real, generator), _randn(x.shape, x.real, generator)) \
        * (sigma / math.sqrt(2.0))
    if kind == "complex_awgn":
        return from_complex(x + noise, n).to(z.dtype), torch.ones(x.shape, device=z.device)
    hshape = (*x.shape[:-1], 1) if kind == "rayleigh_block" else x.shape
    h = torch.complex(_randn(hshape, x.real, generator), _randn(hshape, x.real, generator)) / math.sqrt(2.0)
    y = h * x + noise
    if equalizer == "zf":
        y = y / h
    elif equalizer == "mmse":
        s2 = sigma ** 2 if not isinstance(sigma, torch.Tensor) else sigma.pow(2)
        y = h.conj() * y / (h.abs() ** 2 + s2)
    return from_complex(y, n).to(z.dtype), (h.abs() ** 2).expand(x.shape)


def seeded_generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    return torch.Generator(device=device).manual_seed(int(seed))
