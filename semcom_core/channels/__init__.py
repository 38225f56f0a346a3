"""Channels (AWGN, complex AWGN, Rayleigh fading) with one set of conventions, and the registry of
channel names. See `core` for the maths and its units."""
from semcom_core.channels.core import (  # noqa: F401
    CHANNEL_KINDS,
    CONVENTIONS,
    EQUALIZERS,
    Channel,
    complex_channel_uses,
    from_complex,
    power_normalize,
    seeded_generator,
    snr_db_to_sigma,
    to_complex,
    transmit,
    transmit_with_csi,
)
from semcom_core.channels.registry import CHANNELS, get_channel  # noqa: F401
