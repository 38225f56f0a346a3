"""Uploads: a corpus of awkward files built here (Pillow, numpy, hand-written PNG chunks) through
`to_model_image`, the function the explorer and IoT pages use. Each file is either converted correctly
(checked on the pixels: a 16-bit gradient stays a gradient, CMYK red stays red, EXIF orientation is
applied) with a note saying what was done, or refused with a ValueError saying why."""
import io
import struct
import zipfile
import zlib

import numpy as np
import pytest
from PIL import Image, ImageOps

from semcom_core.data.images import MAX_PIXELS, to_model_image

RED, BLUE, GREEN = (220, 20, 20), (20, 20, 220), (20, 200, 20)


def encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def png_chunks(width: int, height: int, depth: int, color_type: int, raw_rows: bytes | None) -> bytes:
    """A PNG written chunk by chunk (Pillow cannot write 16-bit RGB, and a bomb needs a header only)."""
    def chunk(tag, body):
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 0))
    if raw_rows is not None:
        body += chunk(b"IDAT", zlib.compress(raw_rows))
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IEND", b"")


def png16(arr: np.ndarray, color_type: int) -> bytes:
    """(H, W) or (H, W, C) uint16 as a 16-bit PNG (color type 0 grey, 2 RGB, 6 RGBA)."""
    h, w = arr.shape[:2]
    rows = b"".join(b"\x00" + arr[y].astype(">u2").tobytes() for y in range(h))
    return png_chunks(w, h, 16, color_type, rows)


def gradient16(hi: int = 65535, w: int = 64, h: int = 64) -> np.ndarray:
    return np.tile(np.linspace(0, hi, w).round().astype(np.uint16), (h, 1))


def is_color(px, want, tol=45) -> bool:
    return bool(np.all(np.abs(np.asarray(px, float) - np.asarray(want, float)) <= tol))


def assert_gradient(arr: np.ndarray):
    """Left to right, dark to light, over most of 0..255 (neither clipped white nor crushed black)."""
    row = arr[arr.shape[0] // 2, :, 0].astype(int)
    assert row[0] <= 20 and row[-1] >= 235, row
    assert np.all(np.diff(row) >= 0), row
    assert len(np.unique(row)) >= 20, row  # a ramp, not two levels


# ----------------------------------------------------------------------------- deep images: scaled, not clipped
@pytest.mark.parametrize("name,data", [
    ("I;16 PNG", lambda: encode(Image.fromarray(gradient16()), "PNG")),
    ("I;16 TIFF", lambda: encode(Image.fromarray(gradient16()), "TIFF")),
    ("I;16B TIFF", lambda: encode(Image.frombytes("I;16B", (64, 64), gradient16().astype(">u2").tobytes()), "TIFF")),
    ("16-bit PNG by hand", lambda: png16(gradient16(), 0)),
    ("12-bit values in a 16-bit PNG", lambda: png16(gradient16(4095), 0)),
    ("I (32-bit) TIFF", lambda: encode(Image.fromarray(gradient16().astype(np.int32)), "TIFF")),
    ("I with negative values", lambda: encode(Image.fromarray(gradient16().astype(np.int32) - 30000), "TIFF")),
    ("F 0..1 TIFF", lambda: encode(Image.fromarray(gradient16().astype(np.float32) / 65535), "TIFF")),
])
@pytest.mark.parametrize("channels", [1, 3])
def test_deep_greyscale_is_scaled_to_8_bits_not_clipped(name, data, channels):
    arr, notes = to_model_image(data(), (32, 32), channels)
    assert arr.shape == (32, 32, channels) and arr.dtype == np.uint8
    assert_gradient(arr)
    if channels == 3:
        assert np.array_equal(arr[..., 0], arr[..., 1]) and np.array_equal(arr[..., 1], arr[..., 2])
    assert any("scaled" in n and "not clipped" in n or "0..1" in n for n in notes), notes


def test_a_large_16_bit_image_is_reduced_and_still_scaled():
    """2560x2560 16-bit (a scanner or camera raw export): box-averaged before scaling, still a full ramp."""
    big = gradient16(65535, 2560, 2560)
    arr, notes = to_model_image(encode(Image.fromarray(big), "TIFF"), (32, 32), 3)
    assert_gradient(arr)
    assert any("large 2560x2560" in n for n in notes) and any("not clipped" in n for n in notes), notes


def test_float_images_with_missing_values_keep_the_rest():
    f = gradient16().astype(np.float32) / 65535
    f[:4, :4] = np.nan
    arr, notes = to_model_image(encode(Image.fromarray(f), "TIFF"), (32, 32), 1)
    assert_gradient(arr)
    with pytest.raises(ValueError, match="no finite"):
        to_model_image(encode(Image.fromarray(np.full((8, 8), np.nan, np.float32)), "TIFF"), (32, 32), 1)


def test_16_bit_values_keep_their_brightness_not_stretched():
    """A dim 16-bit picture stays dim: the scale is the bit depth's, not the picture's own maximum."""
    dim = np.full((32, 32), 16384, np.uint16)  # a quarter of full scale
    dim[:, 16:] = 8192
    arr, notes = to_model_image(png16(dim, 0), (32, 32), 1)
    assert abs(int(arr[5, 2, 0]) - 64) <= 1 and abs(int(arr[5, 30, 0]) - 32) <= 1, (arr[5, 2], arr[5, 30])
    assert any("16-bit data" in n for n in notes), notes


def test_16_bit_light_background_digit_is_inverted_for_the_iot_models():
    """The IoT page's path: a white 16-bit page with a dark stroke becomes a light stroke on black."""
    img = np.full((56, 56), 65535, np.uint16)
    img[8:48, 24:32] = 0
    arr, notes = to_model_image(png16(img, 0), (28, 28), 1, invert_light_background=True)
    assert arr[2, 2, 0] <= 10 and arr[14, 14, 0] >= 240, (arr[2, 2], arr[14, 14])
    assert any("inverted" in n for n in notes)


def test_16_bit_rgb_png_keeps_its_colours():
    a = np.zeros((32, 32, 3), np.uint16)
    a[..., 0] = 65535  # red everywhere
    a[..., 1] = gradient16(65535, 32, 32)  # green rising left to right: red → yellow
    arr, notes = to_model_image(png16(a, 2), (32, 32), 3)
    assert np.all(arr[..., 0] >= 250) and np.all(arr[..., 2] <= 5)
    assert arr[16, 0, 1] <= 10 and arr[16, -1, 1] >= 245
    assert any("16-bit" in n and "not clipped" in n for n in notes), notes
    rgba = np.dstack([a, np.full((32, 32), 65535, np.uint16)])
    arr2, _ = to_model_image(png16(rgba, 6), (32, 32), 3)
    assert np.abs(arr2.astype(int) - arr.astype(int)).max() <= 2


# ----------------------------------------------------------------------------- colour modes
def halves(left, right, size=(64, 64), mode="RGB") -> Image.Image:
    img = Image.new("RGB", size, left)
    img.paste(right, (size[0] // 2, 0, size[0], size[1]))
    return img.convert(mode) if mode != "RGB" else img


@pytest.mark.parametrize("fmt", ["TIFF", "JPEG"])
def test_cmyk_red_comes_out_red(fmt):
    cmyk = Image.new("CMYK", (48, 48), (0, 255, 255, 0))  # pure red ink
    cmyk.paste((255, 255, 0, 0), (24, 0, 48, 48))  # cyan + magenta = blue
    arr, notes = to_model_image(encode(cmyk, fmt), (32, 32), 3)
    assert is_color(arr[16, 4], (255, 0, 0)) and is_color(arr[16, 28], (0, 0, 255)), (arr[16, 4], arr[16, 28])
    assert any("CMYK" in n for n in notes)


@pytest.mark.parametrize("fmt", ["PNG", "GIF", "BMP"])
def test_palette_images_keep_their_colours(fmt):
    img = halves(RED, BLUE).quantize(colors=4)
    assert img.mode == "P"
    arr, notes = to_model_image(encode(img, fmt), (32, 32), 3)
    assert is_color(arr[16, 4], RED, 10) and is_color(arr[16, 28], BLUE, 10)


def test_palette_transparency_and_alpha_are_flattened_onto_white():
    p = halves(RED, BLUE).quantize(colors=4)
    blue_index = p.getpixel((60, 10))
    arr, notes = to_model_image(encode(p, "PNG", transparency=blue_index), (32, 32), 3)
    assert is_color(arr[16, 4], RED, 10) and is_color(arr[16, 28], (255, 255, 255), 3)
    assert any("transparency" in n for n in notes)
    rgba = Image.new("RGBA", (64, 64), (*GREEN, 255))
    rgba.paste((0, 0, 0, 0), (32, 0, 64, 64))  # transparent black: must not come out black
    arr, notes = to_model_image(encode(rgba, "PNG"), (32, 32), 3)
    assert is_color(arr[16, 4], GREEN, 10) and is_color(arr[16, 28], (255, 255, 255), 3)
    la = Image.new("LA", (64, 64), (40, 255))
    la.paste((0, 0), (32, 0, 64, 64))
    arr, _ = to_model_image(encode(la, "PNG"), (28, 28), 1)
    assert abs(int(arr[14, 3, 0]) - 40) <= 3 and arr[14, 25, 0] >= 252


def test_one_bit_and_greyscale_to_rgb():
    img = Image.new("1", (40, 40), 0)
    img.paste(1, (20, 0, 40, 40))
    arr, _ = to_model_image(encode(img, "PNG"), (32, 32), 3)
    assert arr[16, 3].max() <= 5 and arr[16, 28].min() >= 250


# ----------------------------------------------------------------------------- frames and orientation
@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP", "TIFF"])
def test_animated_files_use_the_first_frame(fmt):
    frames = [Image.new("RGB", (40, 40), c) for c in (RED, BLUE, GREEN)]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], **({"duration": 100} if fmt != "TIFF" else {}))
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 3
    arr, notes = to_model_image(data, (32, 32), 3)
    assert is_color(arr[16, 16], RED, 25), arr[16, 16]
    assert any("first of its 3 frames" in n for n in notes), notes


def exif_jpeg(img: Image.Image, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(img, "JPEG", exif=exif.tobytes(), quality=95)


def test_exif_orientation_6_is_turned_upright():
    """A phone held upright stores its picture rotated and says so in EXIF (orientation 6: rotate 90°
    clockwise to display). The upright picture: red top half, blue bottom half."""
    upright = Image.new("RGB", (64, 64), RED)
    upright.paste(BLUE, (0, 32, 64, 64))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # as the sensor stored it: red left, blue right
    plain, _ = to_model_image(exif_jpeg(stored, 1), (32, 32), 3)
    assert is_color(plain[16, 3], RED) and is_color(plain[16, 28], BLUE)  # orientation 1: shown as stored
    arr, notes = to_model_image(exif_jpeg(stored, 6), (32, 32), 3)
    assert is_color(arr[3, 16], RED) and is_color(arr[28, 16], BLUE), (arr[3, 16], arr[28, 16])
    assert any("EXIF orientation 6" in n for n in notes), notes


@pytest.mark.parametrize("orientation", [3, 8])
def test_other_exif_orientations_match_pillows_transpose(orientation):
    stored = Image.new("RGB", (60, 40), RED)
    stored.paste(BLUE, (0, 0, 15, 15))  # a corner marker
    data = exif_jpeg(stored, orientation)
    arr, _ = to_model_image(data, (32, 32), 3)
    want = ImageOps.fit(ImageOps.exif_transpose(Image.open(io.BytesIO(data))), (32, 32), Image.Resampling.LANCZOS)
    assert np.abs(arr.astype(int) - np.asarray(want, int)).max() <= 3


# ----------------------------------------------------------------------------- sizes
def test_decompression_bombs_are_refused_before_decoding():
    header_only = png_chunks(30000, 30000, 8, 0, None)  # 900 megapixels claimed by a 60-byte file
    with pytest.raises(ValueError, match="megapixels"):
        to_model_image(header_only, (32, 32), 3)
    side = int(np.sqrt(MAX_PIXELS)) + 100  # just above the limit, and real: a small file of 1-bit zeros
    bomb = encode(Image.new("1", (side, side), 0), "PNG")
    assert len(bomb) < 2_000_000
    with pytest.raises(ValueError, match=f"{side}x{side}.*megapixels"):
        to_model_image(bomb, (32, 32), 3)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_large_images_are_downscaled_keeping_the_picture(fmt):
    img = halves(RED, BLUE, size=(4000, 3000))
    arr, notes = to_model_image(encode(img, fmt), (32, 32), 3)
    assert arr.shape == (32, 32, 3)
    assert is_color(arr[16, 3], RED, 30) and is_color(arr[16, 28], BLUE, 30)
    assert any("large" in n for n in notes), notes


@pytest.mark.parametrize("mode,value", [("RGB", (200, 60, 10)), ("L", 77), ("P", None), ("I;16", 50000)])
def test_a_1x1_image_becomes_a_flat_image_of_its_colour(mode, value):
    img = Image.new("RGB", (1, 1), (200, 60, 10)).quantize(4) if mode == "P" else Image.new(mode, (1, 1), value)
    arr, notes = to_model_image(encode(img, "PNG"), (32, 32), 3)
    assert arr.shape == (32, 32, 3) and len(np.unique(arr.reshape(-1, 3), axis=0)) == 1
    want = {"RGB": (200, 60, 10), "L": (77,) * 3, "P": (200, 60, 10), "I;16": (round(50000 * 255 / 65535),) * 3}[mode]
    assert is_color(arr[0, 0], want, 2), arr[0, 0]
    assert any("1x1" in n and "upscaled" in n for n in notes), notes


# ----------------------------------------------------------------------------- refusals
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF"])
def test_truncated_files_are_refused(fmt):
    rng = np.random.default_rng(0)
    noisy = Image.fromarray(rng.integers(0, 256, (200, 200, 3), dtype=np.uint8))
    data = encode(noisy.quantize(256) if fmt == "GIF" else noisy, fmt)
    with pytest.raises(ValueError, match="truncated|damaged"):
        to_model_image(data[: len(data) // 2], (32, 32), 3)
    to_model_image(data, (32, 32), 3)  # the whole file is fine


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("picture.png", encode(Image.new("RGB", (8, 8)), "PNG"))
    return buf.getvalue()


@pytest.mark.parametrize("data,says", [
    (b"", "empty"),
    ("a cat, described in words\n".encode() * 20, "text"),
    (zip_bytes(), "zip"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "PDF"),
    (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "PostScript"),  # EPS: not run through Ghostscript
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "SVG"),
    (bytes(np.random.default_rng(1).integers(0, 256, 3000, dtype=np.uint8)), "not a readable image"),
], ids=["empty", "text", "zip", "pdf", "eps", "svg", "random-bytes"])
def test_non_images_are_refused_with_a_message_saying_what_they_are(data, says):
    with pytest.raises(ValueError, match="not a readable image") as e:
        to_model_image(data, (32, 32), 3)
    assert says in str(e.value)


def test_oversized_files_are_refused_by_size():
    from semcom_core.data.images import MAX_UPLOAD_BYTES
    with pytest.raises(ValueError, match="MB"):
        to_model_image(b"\x89PNG" + b"\x00" * MAX_UPLOAD_BYTES, (32, 32), 3)


def damaged_copies(data: bytes, rng, n: int):
    """`n` copies of `data` with a few bytes changed, cut out or inserted."""
    for _ in range(n):
        d = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            op, pos = rng.random(), rng.randrange(len(d))
            if op < 0.6:
                d[pos] = rng.choice([0, 255, 0x7F, 0x80, rng.randrange(256)])
            elif op < 0.8:
                del d[pos:pos + rng.randint(1, 16)]
            else:
                d[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        yield bytes(d)


def test_damaged_files_give_a_picture_or_a_message_never_another_error():
    """Fixed-seed byte mutations of every format above: each comes out as a model input or a ValueError
    (the only error the pages turn into a message); e.g. a TIFF whose frame table is damaged makes Pillow
    raise TypeError while counting frames."""
    import random
    import warnings
    rng = np.random.default_rng(0)
    rgb = Image.fromarray(rng.integers(0, 256, (48, 40, 3), dtype=np.uint8))
    seeds = [encode(rgb, f) for f in ("PNG", "JPEG", "BMP", "TIFF", "WEBP", "ICO", "PPM", "TGA", "PCX", "SGI")]
    seeds += [encode(rgb.quantize(16), "GIF", save_all=True, append_images=[rgb.quantize(8)] * 2),
              encode(rgb, "PNG", save_all=True, append_images=[rgb] * 2), encode(rgb.convert("CMYK"), "JPEG"),
              png16(rng.integers(0, 65535, (40, 40)).astype(np.uint16), 0),
              encode(Image.fromarray(rng.integers(-5, 70000, (40, 40)).astype(np.int32)), "TIFF"),
              encode(Image.fromarray(rng.random((40, 40)).astype(np.float32)), "TIFF"), exif_jpeg(rgb, 6)]
    r, converted, refused = random.Random(2), 0, 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow warns about skipped TIFF tags
        for data in seeds:
            for bad in damaged_copies(data, r, 300):
                try:
                    arr, _ = to_model_image(bad, (32, 32), 3)
                except ValueError as e:
                    assert str(e), "a message"
                    refused += 1
                else:
                    assert arr.shape == (32, 32, 3) and arr.dtype == np.uint8
                    converted += 1
    assert converted > 100 and refused > 100  # both paths were exercised
