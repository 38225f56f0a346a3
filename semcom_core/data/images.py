"""Turn a user's image (any common format, size or mode) into a model input, saying what was done.

Pillow only decodes image formats (a fixed list of raster formats: no EPS/PDF, which would run an
external interpreter); nothing a user uploads is ever unpickled. Every file either comes out as an
(H, W, C) uint8 array with notes saying what was done to it, or raises ValueError with a message a
user can act on:

- 16-bit and 32-bit greyscale (I;16, I;16B, I, F) is *scaled* to 8 bits (never clipped): by the
  smallest common bit depth (8, 10, 12, 14, 16) that holds its values, or by its own range when it has
  negative or larger values. 16-bit RGB(A) PNGs are read by Pillow as their high bytes (also scaled).
- palette, CMYK, 1-bit, grey+alpha: converted; transparency is flattened onto white.
- animated files (GIF, APNG, multi-page TIFF): the first frame.
- EXIF orientation: applied (a phone photo taken upright is shown upright).
- more than MAX_PIXELS pixels (a decompression bomb or an absurd size): refused before decoding;
  large but allowed images are reduced (box filter) before the final resize.
- tiny images (down to 1x1): upscaled, and said so.
- truncated or damaged files, empty files, non-images (text, zip, PDF, ...): refused.
"""
from __future__ import annotations

import io
import struct
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 64_000_000  # 8000x8000; above this a file is refused before it is decoded
# raster formats a user may upload; Pillow identifies only these (EPS would call Ghostscript, etc.)
FORMATS = ("PNG", "JPEG", "MPO", "GIF", "BMP", "DIB", "TIFF", "WEBP", "ICO", "PPM", "TGA", "QOI", "PCX", "SGI",
           "AVIF", "JPEG2000")
_ORIENTATION = 0x0112
_ROTATION_WORDS = {2: "mirrored", 3: "rotated 180°", 4: "flipped", 5: "transposed", 6: "rotated 90° clockwise",
                   7: "transversed", 8: "rotated 90° counter-clockwise"}


def _formats() -> tuple[str, ...]:
    """FORMATS this Pillow build can open (Image.open fails on a name it has no plugin for)."""
    Image.init()
    return tuple(f for f in FORMATS if f in Image.OPEN)


def _open(data: bytes) -> Image.Image:
    if not data:
        raise ValueError("not a readable image: the file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(f"the file is {len(data) / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES / 1e6:.0f} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit is checked below
            im = Image.open(io.BytesIO(data), formats=_formats())
    except Image.DecompressionBombError as e:
        raise ValueError(f"the image is too large to decode safely ({e}); the limit is "
                         f"{MAX_PIXELS / 1e6:.0f} megapixels") from e
    except UnidentifiedImageError as e:
        kind = _what_it_is(data)
        raise ValueError(f"not a readable image{f': it looks like {kind}' if kind else ''}; "
                         "upload a PNG, JPEG, GIF, BMP, TIFF or WebP picture") from e
    except (OSError, SyntaxError, ValueError, struct.error, EOFError) as e:
        raise ValueError(f"not a readable image: its header is damaged ({type(e).__name__}: {e})") from e
    w, h = im.size
    if w <= 0 or h <= 0:
        raise ValueError(f"the image has no pixels ({w}x{h})")
    if w * h > MAX_PIXELS:
        raise ValueError(f"the image is {w}x{h} = {w * h / 1e6:,.0f} megapixels; the limit is "
                         f"{MAX_PIXELS / 1e6:.0f} megapixels (files this large are refused before decoding: "
                         "a small file can expand to gigabytes). Downscale it and upload again")
    return im


def _what_it_is(data: bytes) -> str | None:
    head = data[:8]
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(b"\x1f\x8b"):
        return "a gzip archive"
    if head.startswith(b"%!PS"):
        return "a PostScript file"
    if head.startswith(b"<svg") or b"<svg" in data[:512]:
        return "an SVG drawing (vector images are not supported)"
    try:
        data[:4096].decode("utf-8")
        return "a text file"
    except UnicodeDecodeError:
        return None


def _load(im: Image.Image, notes: list[str], target: tuple[int, int]) -> Image.Image:
    """Decode the first frame (a JPEG at a reduced scale when it is much larger than needed)."""
    try:
        frames = getattr(im, "n_frames", 1)  # counting frames walks the file: damage shows up here too
        if frames > 1:
            im.seek(0)
    except (OSError, SyntaxError, ValueError, TypeError, EOFError, struct.error) as e:
        raise ValueError(f"not a readable image: its frames are damaged ({type(e).__name__}: {e})") from e
    if frames > 1:
        notes.append(f"used the first of its {frames} frames")
    if im.format in ("JPEG", "MPO"):
        before = im.size
        im.draft(im.mode if im.mode in ("L", "RGB") else None, (4 * target[0], 4 * target[1]))
        if im.size != before:
            notes.append(f"decoded the large JPEG at reduced scale ({im.width}x{im.height})")
    try:
        im.load()
    except Image.DecompressionBombError as e:
        raise ValueError(f"the image is too large to decode safely; the limit is {MAX_PIXELS / 1e6:.0f} megapixels") \
            from e
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        msg = str(e)
        if "truncated" in msg.lower() or isinstance(e, EOFError):
            raise ValueError("not a readable image: the file is truncated (it ends before the image data does); "
                             "upload the whole file") from e
        raise ValueError(f"not a readable image: its data is damaged ({type(e).__name__}: {msg})") from e
    return im


def _exif_upright(im: Image.Image, notes: list[str]) -> Image.Image:
    try:
        orientation = im.getexif().get(_ORIENTATION, 1)
    except Exception:  # a damaged EXIF block: keep the pixels as stored
        return im
    if orientation in _ROTATION_WORDS:
        im = ImageOps.exif_transpose(im)
        notes.append(f"turned upright as its EXIF orientation {orientation} says ({_ROTATION_WORDS[orientation]})")
    return im


def _scale_to_8bit(arr: np.ndarray, what: str, notes: list[str], lo: float, hi: float) -> np.ndarray:
    """Integer or float greyscale values to uint8 by a linear scale, never by clipping. `lo`..`hi`: the
    range of the finite values of the whole picture (`arr` may be a reduced copy of it)."""
    a = arr.astype(np.float64)
    finite = np.isfinite(a)
    if not finite.all():
        a = np.where(finite, a, lo)
        notes.append("non-finite pixel values set to the lowest value")
    if np.issubdtype(arr.dtype, np.floating) and lo >= 0.0 and hi <= 1.0:
        notes.append(f"scaled {what} values 0..1 to 0..255")
        return np.rint(a * 255.0).astype(np.uint8)
    if lo >= 0 and hi <= 255:
        notes.append(f"{what} values already in 0..255: kept")
        return np.rint(a).astype(np.uint8)
    if lo >= 0 and hi <= 65535:
        bits = next(b for b in (10, 12, 14, 16) if hi <= 2 ** b - 1)
        top = 2 ** bits - 1
        notes.append(f"scaled {what} values to 8 bits ({bits}-bit data: 0..{top} → 0..255, not clipped)")
        return np.rint(a * (255.0 / top)).astype(np.uint8)
    span = hi - lo if hi > lo else 1.0
    notes.append(f"scaled {what} values by their range ({lo:g}..{hi:g} → 0..255, not clipped)")
    return np.rint((np.clip(a, lo, hi) - lo) * (255.0 / span)).astype(np.uint8)


def _to_8bit(im: Image.Image, source_tile: str, notes: list[str], target: tuple[int, int]) -> Image.Image:
    """Deep greyscale (I;16*, I, F) to L by a linear scale; a large one is box-averaged first, in numpy
    (Pillow cannot reduce 16-bit images, and a float copy of a large one would take gigabytes)."""
    if im.mode.startswith("I;16") or im.mode in ("I", "F"):
        what = {"I": "32-bit integer", "F": "floating-point"}.get(im.mode, "16-bit")
        arr = np.asarray(im)
        if np.issubdtype(arr.dtype, np.floating):
            finite = arr[np.isfinite(arr)]
            if finite.size == 0:
                raise ValueError(f"not a usable image: the {what} image has no finite pixel values")
            lo, hi = float(finite.min()), float(finite.max())
        else:
            lo, hi = float(arr.min()), float(arr.max())
        f = min(arr.shape[0] // (4 * target[1]), arr.shape[1] // (4 * target[0]))
        if f >= 2:
            h, w = arr.shape[0] // f * f, arr.shape[1] // f * f
            arr = arr[:h, :w].reshape(h // f, f, w // f, f).mean(axis=(1, 3))
            notes.append(f"downscaled the large {im.width}x{im.height} image")
        return Image.fromarray(_scale_to_8bit(arr, what, notes, lo, hi), mode="L")
    if ";16" in source_tile:
        notes.append(f"16-bit {im.mode} read as 8 bits (the high byte of each value: scaled, not clipped)")
    return im


def _flatten(im: Image.Image, notes: list[str]) -> Image.Image:
    has_alpha = im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (im.mode == "P" and "transparency" in im.info) \
        or (im.mode in ("L", "RGB") and "transparency" in im.info)
    if has_alpha:
        rgba = im.convert("RGBA")
        if rgba.getextrema()[3][0] < 255:
            notes.append("flattened transparency onto white")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(bg, rgba).convert("RGB")
    return im


def to_model_image(data: bytes, size: tuple[int, int], channels: int,
                   invert_light_background: bool = False) -> tuple[np.ndarray, list[str]]:
    """Returns ((H, W, C) uint8, notes) for a model taking `size` = (H, W) images with `channels` (1 or 3).
    Raises ValueError with a readable message if the file is unusable, and only ValueError: Pillow's
    plugins raise many kinds of error on damaged files, and the pages show a ValueError as a message."""
    try:
        return _to_model_image(data, size, channels, invert_light_background)
    except ValueError:
        raise
    except MemoryError as e:
        raise ValueError("the image is too large to process in this server's memory") from e
    except Exception as e:  # a decoder failing in a way not foreseen above: still a message, not a traceback
        raise ValueError(f"not a readable image: decoding failed ({type(e).__name__}: {e})") from e


def _to_model_image(data: bytes, size: tuple[int, int], channels: int,
                    invert_light_background: bool) -> tuple[np.ndarray, list[str]]:
    h, w = size
    im = _open(data)
    notes = [f"read {im.format or 'image'} {im.width}x{im.height} in mode {im.mode}"]
    tile = im.tile[0].args if im.tile and isinstance(im.tile[0].args, str) else ""
    im = _load(im, notes, (w, h))
    im = _exif_upright(im, notes)
    im = _to_8bit(im, tile, notes, (w, h))
    im = _flatten(im, notes)
    target_mode = "L" if channels == 1 else "RGB"
    if im.mode != target_mode:
        mode = im.mode
        try:
            im = im.convert(target_mode) if mode in ("L", "RGB") else im.convert("RGB").convert(target_mode)
        except (ValueError, OSError) as e:
            raise ValueError(f"not a usable image: mode {mode} cannot be converted to {target_mode} ({e})") from e
        notes.append(f"converted {mode} to {'greyscale' if channels == 1 else 'RGB'}")
    factor = min(im.width // (4 * w), im.height // (4 * h))
    if factor >= 2:  # much larger than needed: a box-filter reduction first (fast, and no aliasing)
        big = im.size
        im = im.reduce(factor)
        notes.append(f"downscaled the large {big[0]}x{big[1]} image")
    if im.size != (w, h):
        small = im.width < w or im.height < h
        was = im.size
        im = ImageOps.fit(im, (w, h), Image.Resampling.LANCZOS if not small else Image.Resampling.BICUBIC,
                          centering=(0.5, 0.5))
        if was[0] != was[1]:
            notes.append(f"center-cropped to a square and resized to {w}x{h}")
        else:
            notes.append(f"resized to {w}x{h}")
        if was[0] * was[1] < (w * h) // 4:
            notes.append(f"very small ({was[0]}x{was[1]}): upscaled, so it carries little detail")
    arr = np.asarray(im, dtype=np.uint8)
    if arr.ndim == 2:
        arr = arr[..., None]
    if invert_light_background and channels == 1 and arr.mean() > 127:
        arr = 255 - arr
        notes.append("inverted (light background; the dataset has light digits on black)")
    return np.ascontiguousarray(arr), notes
