import math

import pytest
import torch

from semcom_core.channels import (
    Channel,
    from_complex,
    power_normalize,
    seeded_generator,
    snr_db_to_sigma,
    to_complex,
    transmit,
)

N = 1_000_000


@pytest.fixture(scope="module")
def z():
    return power_normalize(torch.randn(100, N // 100, generator=torch.Generator().manual_seed(0)))


def measured_snr_db(signal, received):
    return 10 * math.log10(float(signal.pow(2).mean()) / float((received - signal).pow(2).mean()))


@pytest.mark.parametrize("snr", [-10, -5, 0, 5, 10, 20, 30])
def test_real_awgn_snr(z, snr):
    y = transmit(z, snr, "awgn", generator=seeded_generator(snr + 100))
    assert abs(measured_snr_db(z, y) - snr) < 0.1


@pytest.mark.parametrize("snr", [-10, 0, 10, 20, 30])
def test_complex_awgn_snr_per_symbol(snr):
    z = power_normalize(torch.randn(100, 2 * N // 100, generator=torch.Generator().manual_seed(5)))
    y = transmit(z, snr, "complex_awgn", generator=seeded_generator(snr + 7))
    x, yc = to_complex(z), to_complex(y)
    assert x.numel() >= N  # 10^6 complex symbols
    est = 10 * math.log10(float(x.abs().pow(2).mean()) / float((yc - x).abs().pow(2).mean()))
    assert abs(est - snr) < 0.1
    assert abs(float(x.abs().pow(2).mean()) - 1.0) < 0.01  # unit power per complex symbol


@pytest.mark.parametrize("kind", ["rayleigh_block", "rayleigh_fast"])
def test_rayleigh_unit_gain_and_snr(z, kind):
    """Without equalization the receiver sees h x + n: E|h|^2 = 1 gives E|hx|^2 = E|x|^2, and the noise
    power is set by the SNR alone."""
    z = z.reshape(-1, 10)  # 100,000 blocks: enough independent h draws for block fading too
    g = seeded_generator(11)
    clean = transmit(z, 300.0, kind, "none", generator=g)  # noise negligible: y = h x
    gain = float(to_complex(clean).abs().pow(2).mean()) / float(to_complex(z).abs().pow(2).mean())
    assert abs(gain - 1.0) < 0.02
    y1 = transmit(z, 10.0, kind, "none", generator=seeded_generator(5))
    y0 = transmit(z, 300.0, kind, "none", generator=seeded_generator(5))  # same h, no noise
    noise = to_complex(y1) - to_complex(y0)
    est = 10 * math.log10(float(to_complex(y0).abs().pow(2).mean()) / float(noise.abs().pow(2).mean()))
    assert abs(est - 10.0) < 0.1


@pytest.mark.parametrize("eq", ["zf", "mmse"])
@pytest.mark.parametrize("kind", ["rayleigh_block", "rayleigh_fast"])
def test_equalized_rayleigh_approaches_noiseless(kind, eq):
    zz = power_normalize(torch.randn(64, 256, generator=torch.Generator().manual_seed(1)))
    errs = [float((transmit(zz, s, kind, eq, seeded_generator(3)) - zz).pow(2).mean()) for s in (10, 30, 60)]
    assert errs[0] > errs[1] > errs[2] and errs[2] < 1e-3


def test_same_seed_same_noise_and_noiseless():
    zz = power_normalize(torch.randn(4, 64))
    for kind in ("awgn", "complex_awgn", "rayleigh_block", "rayleigh_fast"):
        a = transmit(zz, 0.0, kind, generator=seeded_generator(42))
        b = transmit(zz, 0.0, kind, generator=seeded_generator(42))
        c = transmit(zz, 0.0, kind, generator=seeded_generator(43))
        assert torch.equal(a, b) and not torch.equal(a, c)
    assert torch.equal(Channel("noiseless")(zz, -10.0), zz)


def test_channels_are_differentiable():
    zz = torch.randn(3, 10, requires_grad=True)
    transmit(zz, 5.0, "awgn", generator=seeded_generator(0)).sum().backward()
    assert torch.allclose(zz.grad, torch.ones_like(zz))
    zz.grad = None
    transmit(zz, 5.0, "rayleigh_fast", "mmse", seeded_generator(0)).pow(2).sum().backward()
    assert zz.grad is not None and torch.isfinite(zz.grad).all()


def test_conventions_helpers():
    assert snr_db_to_sigma(0) == 1.0 and abs(snr_db_to_sigma(20) - 0.1) < 1e-12
    zz = torch.randn(2, 7)
    assert torch.allclose(from_complex(to_complex(zz), 7), zz, atol=1e-6)  # odd n: zero-padded
    p = power_normalize(zz)
    assert torch.allclose(p.pow(2).sum(-1), torch.full((2,), 7.0))
    per_row = transmit(torch.zeros(2, 200000), torch.tensor([0.0, 20.0]), "awgn", generator=seeded_generator(0))
    assert abs(float(per_row[0].std()) - 1.0) < 0.01 and abs(float(per_row[1].std()) - 0.1) < 0.001
    with pytest.raises(ValueError):
        Channel("carrier-pigeon")
