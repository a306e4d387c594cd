"""``POST /v1/images/generations`` and the image files the mock serves itself.

Every image is a small, real picture drawn from a seed (a hash of the request and the
image's index): a diagonal two-colour gradient with a disc, square or diamond in a third
colour. It has the requested aspect ratio, scaled down so that its longer side is at most
:data:`MAX_SIDE` pixels (``size: auto`` means 1024x1024), and it is encoded as PNG (written
here with zlib), or as JPEG or WebP (PyAV's encoders) when ``output_format`` asks for them.

* ``response_format: b64_json`` returns the bytes base64-encoded;
* ``response_format: url`` (the default) returns
  ``<mock base URL>/files/images/<seed>-<W>x<H>.<ext>``, which the mock serves without
  authentication (like a CDN link) by drawing the same picture again; the last
  :data:`CACHED_FILES` files served are kept (a client fetching its URLs again, or many
  clients fetching one, costs one drawing).

``usage`` counts the prompt's tokens and, per image, one output token per 32x32 tile of the
*requested* size. ``revised_prompt`` is the prompt itself.
"""

from __future__ import annotations

import base64
import functools
import re
import struct
import zlib
from decimal import Decimal
from fractions import Fraction
from typing import Final

import av
import numpy as np
import numpy.typing as npt
from pydantic import MISSING
from tokenmarket_models import CreateImageRequest

from mock_server.answers import CREATED, Billing, Context, JsonAnswer
from mock_server.text import count_tokens, stable_hex

__all__ = [
    "CACHED_FILES",
    "FILE_RE",
    "MAX_SIDE",
    "MEDIA_TYPES",
    "cached_image_file",
    "draw",
    "encode",
    "handle",
    "image_file",
    "thumbnail_size",
]

CACHED_FILES: Final = 128
"""How many served image files are kept in memory (at most 256x256 pixels each)."""

MAX_SIDE: Final = 256
"""The longer side of every generated image, at most, in pixels."""

MEDIA_TYPES: Final = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
FILE_RE: Final = re.compile(r"([0-9a-f]{32})-([1-9][0-9]{0,2})x([1-9][0-9]{0,2})\.(png|jpeg|webp)")
"""The name of a served image file: seed, width, height and format."""

PRICE_PER_TOKEN: Final = Decimal("0.00001")
_TILE: Final = 32

Pixels = npt.NDArray[np.uint8]


def requested_size(size: str) -> tuple[int, int]:
    """``WIDTHxHEIGHT`` (or ``auto``, 1024x1024) as integers."""
    if size == "auto":
        return 1024, 1024
    width, _, height = size.partition("x")
    return int(width), int(height)


def thumbnail_size(width: int, height: int) -> tuple[int, int]:
    """The drawn size: the same aspect ratio, the longer side at most :data:`MAX_SIDE`."""
    scale = min(1.0, MAX_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def draw(seed: str, width: int, height: int) -> Pixels:
    """An RGB picture of ``width`` x ``height`` pixels determined by ``seed`` (hex)."""
    raw = bytes.fromhex(seed)
    start, end, ink = (np.frombuffer(raw[i : i + 3], dtype=np.uint8) for i in (0, 3, 6))
    y, x = np.mgrid[0:height, 0:width]
    t = ((x + 0.5) / width + (y + 0.5) / height)[..., None] / 2.0
    pixels = start * (1.0 - t) + end * t
    cx, cy = (x + 0.5) / width - 0.5, (y + 0.5) / height - 0.5
    shape = raw[9] % 3
    if shape == 0:
        mask = cx * cx + cy * cy <= 0.09
    elif shape == 1:
        mask = (abs(cx) <= 0.25) & (abs(cy) <= 0.25)
    else:
        mask = abs(cx) + abs(cy) <= 0.3
    pixels[mask] = ink
    return np.ascontiguousarray(pixels.round().astype(np.uint8))


def _png(pixels: Pixels) -> bytes:
    height, width, _ = pixels.shape
    rows = np.zeros((height, 1 + width * 3), dtype=np.uint8)  # filter type 0 on every row
    rows[:, 1:] = pixels.reshape(height, width * 3)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


def _pyav(pixels: Pixels, codec: str, pix_fmt: str) -> bytes:
    height, width, _ = pixels.shape
    context = av.CodecContext.create(codec, "w")
    if not isinstance(context, av.VideoCodecContext):  # pragma: no cover
        raise TypeError(f"{codec} is not a video encoder")
    context.width, context.height = width, height
    context.pix_fmt = pix_fmt
    context.time_base = Fraction(1, 1)
    context.options = {"flags": "+bitexact"}
    frame = av.VideoFrame.from_ndarray(pixels, format="rgb24").reformat(format=pix_fmt)
    frame.pts = 0
    packets = context.encode(frame) + context.encode(None)
    return b"".join(bytes(packet) for packet in packets)


def encode(pixels: Pixels, fmt: str) -> bytes:
    """The picture as a ``png``, ``jpeg`` or ``webp`` file."""
    if fmt == "png":
        return _png(pixels)
    if fmt == "jpeg":
        return _pyav(pixels, "mjpeg", "yuvj420p")
    if fmt == "webp":
        return _pyav(pixels, "libwebp", "yuv420p")
    raise ValueError(f"unsupported image format {fmt!r}")


def image_file(name: str) -> tuple[bytes, str] | None:
    """The bytes and media type of a served file name, or None when there is no such file."""
    match = FILE_RE.fullmatch(name)
    if match is None:
        return None
    seed, width, height, fmt = match.groups()
    if int(width) > MAX_SIDE or int(height) > MAX_SIDE:
        return None
    return encode(draw(seed, int(width), int(height)), fmt), MEDIA_TYPES[fmt]


@functools.lru_cache(maxsize=CACHED_FILES)
def cached_image_file(name: str) -> tuple[bytes, str] | None:
    """:func:`image_file`, remembering the last :data:`CACHED_FILES` names (thread-safe)."""
    return image_file(name)


def handle(req: CreateImageRequest, ctx: Context) -> JsonAnswer:
    """Answer a validated image generation request."""
    width, height = requested_size(req.size if req.size is not MISSING else "auto")
    thumb_w, thumb_h = thumbnail_size(width, height)
    fmt = req.output_format.value if req.output_format is not MISSING else "png"
    data = []
    for index in range(req.n):
        seed = stable_hex(ctx.key, str(index), length=32)
        item: dict[str, str | None] = {"url": None, "b64_json": None, "revised_prompt": req.prompt}
        if req.response_format == "b64_json":
            pixels = draw(seed, thumb_w, thumb_h)
            item["b64_json"] = base64.b64encode(encode(pixels, fmt)).decode("ascii")
        else:
            item["url"] = f"{ctx.base_url}files/images/{seed}-{thumb_w}x{thumb_h}.{fmt}"
        data.append(item)
    input_tokens = count_tokens(req.prompt)
    output_tokens = req.n * (-(-width // _TILE)) * (-(-height // _TILE))
    usage = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
    }
    body = {"created": CREATED, "data": data, "usage": usage}
    return JsonAnswer(body, Billing(usage["total_tokens"], "token", PRICE_PER_TOKEN))
