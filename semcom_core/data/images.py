"""Turn a user's image (any common format, size or mode) into a model input, saying what was done.
Pillow only decodes image formats; nothing a user uploads is ever unpickled."""
from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def to_model_image(data: bytes, size: tuple[int, int], channels: int,
                   invert_light_background: bool = False) -> tuple[np.ndarray, list[str]]:
    """Returns (H, W, C) uint8 and notes. Raises ValueError with a readable message if unusable."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(f"file is {len(data) / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 10**6} MB")
    try:
        im = Image.open(io.BytesIO(data))
        im.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise ValueError(f"not a readable image ({type(e).__name__})") from e
    notes = [f"read {im.format or 'image'} {im.width}x{im.height} in mode {im.mode}"]
    if getattr(im, "n_frames", 1) > 1:
        notes.append("used the first frame")
    has_alpha = im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info)
    if has_alpha:
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(bg, im.convert("RGBA"))
        notes.append("flattened transparency onto white")
    target_mode = "L" if channels == 1 else "RGB"
    if im.mode != target_mode:
        notes.append(f"converted {im.mode} to {'grayscale' if channels == 1 else 'RGB'}")
        im = im.convert(target_mode)
    w, h = size[1], size[0]
    if im.size != (w, h):
        fit = ImageOps.fit(im, (w, h), Image.Resampling.LANCZOS, centering=(0.5, 0.5))
        notes.append(f"center-cropped to a square and resized to {w}x{h}" if im.width != im.height
                     else f"resized to {w}x{h}")
        im = fit
    arr = np.asarray(im, dtype=np.uint8)
    if arr.ndim == 2:
        arr = arr[..., None]
    if invert_light_background and channels == 1 and arr.mean() > 127:
        arr = 255 - arr
        notes.append("inverted (light background; the dataset has light digits on black)")
    return arr, notes
