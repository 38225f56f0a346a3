import numpy as np
import pytest
import torch

from semcom_core.data.loader import (
    ImageData,
    cutout,
    normalize,
    random_crop_flip,
    split_indices,
)
from semcom_core.data.prepare import prepare

from .fixtures import write_cifar_pickles


def unique_images(b=16, c=3, h=8, w=8):
    """Images whose pixel values identify their position: every window is distinguishable."""
    base = torch.arange(c * h * w, dtype=torch.int64).reshape(c, h, w) % 250 + 1
    return torch.stack([(base + i) % 250 + 1 for i in range(b)]).to(torch.uint8)


def test_crop_flip_shapes_dtype_and_determinism():
    x = unique_images()
    a = random_crop_flip(x, 4, True, torch.Generator().manual_seed(1))
    b = random_crop_flip(x, 4, True, torch.Generator().manual_seed(1))
    c = random_crop_flip(x, 4, True, torch.Generator().manual_seed(2))
    assert a.shape == x.shape and a.dtype == torch.uint8
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_crop_stays_in_bounds_of_the_padded_image():
    x = unique_images(b=64)
    pad = 4
    out = random_crop_flip(x, pad, False, torch.Generator().manual_seed(0))
    padded = torch.nn.functional.pad(x, (pad,) * 4)
    h, w = x.shape[2:]
    offsets = set()
    for i in range(len(x)):
        matches = [(dy, dx) for dy in range(2 * pad + 1) for dx in range(2 * pad + 1)
                   if torch.equal(out[i], padded[i, :, dy:dy + h, dx:dx + w])]
        assert len(matches) == 1  # exactly one in-bounds window of the padded image
        offsets.add(matches[0])
    assert len(offsets) > 10  # and the windows really vary


def test_flip_really_flips_about_half():
    x = unique_images(b=400)
    out = random_crop_flip(x, 0, True, torch.Generator().manual_seed(0))
    flipped = [bool(torch.equal(out[i], x[i].flip(2))) for i in range(len(x))]
    same = [bool(torch.equal(out[i], x[i])) for i in range(len(x))]
    assert all(f ^ s for f, s in zip(flipped, same))
    assert 150 < sum(flipped) < 250
    assert torch.equal(random_crop_flip(x, 0, False), x)


def test_cutout_zeroes_one_square_per_image_clipped_at_the_border():
    torch.manual_seed(0)
    x = torch.randn(256, 3, 8, 8) + 5.0  # no zeros of its own
    out = cutout(x, 4, torch.Generator().manual_seed(3))
    assert out.shape == x.shape and torch.equal(cutout(x, 4, torch.Generator().manual_seed(3)), out)
    holes = out == 0
    assert torch.equal(holes.all(1), holes.any(1))  # every channel of a pixel, or none
    kept = ~holes
    assert torch.equal(out[kept], x[kept])  # the rest untouched
    sizes = set()
    for m in holes[:, 0]:
        r, c = m.any(1).nonzero().flatten(), m.any(0).nonzero().flatten()
        assert len(r) >= 2 and len(c) >= 2  # the centre is inside the image: at least half of 4 each way
        assert int(m.sum()) == len(r) * len(c)  # one axis-aligned rectangle
        assert r[-1] - r[0] + 1 == len(r) and c[-1] - c[0] + 1 == len(c)  # contiguous
        sizes.add((len(r), len(c)))
    assert sizes <= {(a, b) for a in (2, 3, 4) for b in (2, 3, 4)}  # never more than the side, at least half
    assert (4, 4) in sizes and any(s != (4, 4) for s in sizes)  # whole squares and squares cut by the border
    assert torch.equal(cutout(x, 0), x)


def test_normalize_matches_definition():
    x = torch.full((1, 3, 2, 2), 255, dtype=torch.uint8)
    m, s = torch.tensor([0.5, 0.25, 0.0]), torch.tensor([0.5, 0.25, 1.0])
    out = normalize(x, m, s)
    assert torch.allclose(out[0, :, 0, 0], torch.tensor([1.0, 3.0, 1.0]))


def test_validation_split_is_deterministic_disjoint_and_complete():
    tr, va = split_indices(1000, 100, seed=3)
    tr2, va2 = split_indices(1000, 100, seed=3)
    _, va3 = split_indices(1000, 100, seed=4)
    assert np.array_equal(va, va2) and np.array_equal(tr, tr2) and not np.array_equal(va, va3)
    assert len(va) == 100 and len(np.intersect1d(tr, va)) == 0
    assert np.array_equal(np.sort(np.concatenate([tr, va])), np.arange(1000))
    with pytest.raises(ValueError):
        split_indices(10, 10, 0)


def test_image_data_batches(tmp_path, cache_dir):
    write_cifar_pickles(tmp_path / "cifar-10-batches-py", 10, n_train=60, n_test=20)
    prepare("cifar10", tmp_path / "cifar-10-batches-py")
    d = ImageData("cifar10", n_val=10, seed=0)
    assert (len(d.train), len(d.val), len(d.test)) == (50, 10, 20)
    batches = list(d.batches("train", 16, shuffle=True, augment=True, seed=1))
    assert [len(y) for _, y in batches] == [16, 16, 16, 2]
    x, _ = batches[0]
    assert x.dtype == torch.float32 and x.shape == (16, 3, 32, 32)
    again = list(d.batches("train", 16, shuffle=True, augment=True, seed=1))
    assert all(torch.equal(a[0], b[0]) for a, b in zip(batches, again))
    g = torch.Generator().manual_seed(1)  # without Cutout: exactly the draws of crop and flip alone
    order = torch.randperm(50, generator=g)
    for i, (x, _) in enumerate(batches):
        assert torch.equal(x, d.normalize(random_crop_flip(d.train.images[order[16 * i:16 * (i + 1)]], 4, True, g)))
    cut = list(d.batches("train", 16, shuffle=True, augment=True, seed=1, cutout_size=8))
    zeros = [(c[0] == 0).all(1).flatten(1).sum(1) for c in cut]
    assert all(((z >= 16) & (z <= 64)).all() for z in zeros)  # 4x4 at a corner up to the whole 8x8
    assert not any((c[0] == 0).all(1).any() for c in d.batches("test", 20))  # never outside training
    first = next(d.batches("test", 5, limit=5))
    assert torch.equal(first[1], d.test.labels[:5])  # `limit` takes the first n, in order
