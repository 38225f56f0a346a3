"""The channel names used everywhere (CLI flags, sweep tables' `channel` column, URL parameters, page
controls): one name, one channel. Conventions: `semcom_core.channels.core.CONVENTIONS`."""
from __future__ import annotations

from semcom_core.channels.core import Channel

CHANNELS: dict[str, Channel] = {
    "noiseless": Channel("noiseless"),
    "awgn": Channel("awgn"),  # real AWGN, one noise sample per real number (paper 000)
    "complex_awgn": Channel("complex_awgn"),  # two reals per complex channel use (paper 003)
    "rayleigh": Channel("rayleigh_fast", "mmse"),  # per-symbol fading, MMSE equalization (paper 001)
    "rayleigh_block": Channel("rayleigh_block", "mmse"),  # one fade per transmitted vector
}


def get_channel(name: str) -> Channel:
    """The channel called `name`; ValueError naming the known ones otherwise."""
    try:
        return CHANNELS[name]
    except KeyError:
        raise ValueError(f"unknown channel {name!r}; known: {', '.join(CHANNELS)}") from None
