"""Energy presets of the split planner and the one rule for picking any preset by name.

Device energy = E_MAC * (transmitter MACs) + E_bit * (bits sent). Both figures are per-operation
energies taken from published sources (cited beside each value); they are orders of magnitude for
comparing candidates, not measurements of this project. Compute and link throughput come from the cost
model's presets (`costs.compute.DEVICE_PRESETS` in FLOP/s, `LINK_PRESETS` in bit/s).
"""
from __future__ import annotations

# Joules per multiply-accumulate on the device.
ENERGY_PER_MAC_PRESETS: dict[str, float] = {
    # M. Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014, 45 nm, 0.9 V:
    # 32-bit float multiply 3.7 pJ + add 0.9 pJ. Arithmetic only (no memory access): a lower bound.
    "FP32 MAC, arithmetic only (Horowitz, ISSCC 2014, 45 nm)": 4.6e-12,
    # Same table: 8-bit integer multiply 0.2 pJ + add 0.03 pJ (for an int8-quantized transmitter).
    "INT8 MAC, arithmetic only (Horowitz, ISSCC 2014, 45 nm)": 0.23e-12,
    # S. Han et al., "Learning both Weights and Connections for Efficient Neural Networks", NeurIPS 2015,
    # Table 1 (45 nm, after Horowitz): a 32-bit DRAM access costs 640 pJ. A FP32 MAC that reads its weight
    # from DRAM every time (no reuse): the pessimistic end for a device that cannot hold the weights on chip.
    "FP32 MAC with one DRAM weight read (Han et al., NeurIPS 2015)": 4.6e-12 + 640e-12,
    # NVIDIA Jetson Orin Nano 8GB module datasheet: 15 W power mode; at the cost model's 1.28 TFLOP/s FP32
    # (0.64e12 MAC/s) that is 15 / 0.64e12 J per MAC: module power at peak throughput (derived, not measured).
    "Jetson Orin Nano module at 15 W, peak FP32": 15.0 / 0.64e12,
}

# Joules per transmitted bit on the device's radio.
ENERGY_PER_BIT_PRESETS: dict[str, float] = {
    # Semtech SX1276/77/78/79 datasheet, "Power Consumption Specification": 120 mA supply current in
    # transmit mode at +20 dBm on PA_BOOST; at 3.3 V that is 0.396 W, over LoRa SF7/125 kHz (DR5,
    # 5.47 kbit/s, LoRaWAN Regional Parameters): 0.396 / 5470 J per bit. Radio only, no MCU.
    "LoRa SX1276 at +20 dBm, SF7/125 kHz": 0.120 * 3.3 / 5.47e3,
    # J. Huang et al., "A Close Examination of Performance and Power Characteristics of 4G LTE Networks",
    # MobiSys 2012: smartphone uplink power P = alpha_u * t_u + beta with alpha_u = 438.39 mW/Mbit/s
    # (= 438.39 nJ per bit) for LTE; the marginal energy per uplink bit, without the 1.29 W base power and
    # the radio's tail. Fitted at a few Mbit/s.
    "LTE uplink, marginal (Huang et al., MobiSys 2012)": 438.39e-9,
    # Same paper, Wi-Fi (802.11g/n phone): alpha_u = 283.17 mW/Mbit/s, marginal, without the 132.86 mW base.
    "Wi-Fi uplink, marginal (Huang et al., MobiSys 2012)": 283.17e-9,
}

# The energy-per-bit preset each link preset of the cost model uses by default (None: no sourced figure;
# type one with --energy-per-bit).
LINK_ENERGY_DEFAULT: dict[str, str | None] = {
    "LoRa (SF7, 125 kHz)": "LoRa SX1276 at +20 dBm, SF7/125 kHz",
    "NB-IoT (Cat NB2 uplink)": None,
    "LTE Cat-4 uplink": "LTE uplink, marginal (Huang et al., MobiSys 2012)",
    "Wi-Fi 5 (802.11ac, 1x1, 80 MHz)": "Wi-Fi uplink, marginal (Huang et al., MobiSys 2012)",
    "5G NR uplink (typical peak)": None,
}
# The energy-per-MAC preset each device preset uses by default.
DEVICE_ENERGY_DEFAULT: dict[str, str] = {
    "edge GPU (Jetson Orin Nano)": "Jetson Orin Nano module at 15 W, peak FP32",
}
DEFAULT_ENERGY_PER_MAC = "FP32 MAC, arithmetic only (Horowitz, ISSCC 2014, 45 nm)"


class PresetError(ValueError):
    """A preset name that matches none or several presets."""


def resolve(name: str, presets: dict[str, float], what: str) -> str:
    """The preset `name` denotes: its exact name, or the one preset whose name contains `name`
    (case-insensitive, e.g. "pi 4", "a100", "lte"). PresetError naming the choices otherwise."""
    if name in presets:
        return name
    hits = [p for p in presets if name.lower() in p.lower()]
    if len(hits) == 1:
        return hits[0]
    known = "; ".join(presets)
    if not hits:
        raise PresetError(f"no {what} preset matches {name!r}; known: {known}")
    raise PresetError(f"{what} preset {name!r} is ambiguous ({'; '.join(hits)})")
