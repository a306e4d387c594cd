"""Deterministic, decodable audio for the TokenMarket text-to-speech mock.

The mock server must answer ``POST /audio/speech`` with *real* audio that a
client can play or decode, yet it has no speech model.  This module turns the
input text into a short melody instead: every character becomes one tone whose
pitch is derived from its code point (whitespace becomes a pause), so

* the duration follows the input (:data:`CHAR_SECONDS` per character, clamped
  to [:data:`MIN_SECONDS`, :data:`MAX_SECONDS`]) and is divided by ``speed``;
* the same ``(text, fmt, speed)`` always yields byte-identical output, within a
  process and across processes (all encoders and muxers run in FFmpeg's
  ``bitexact`` mode, so no timestamps, random stream serials or library-version
  strings end up in the bytes);
* the result is a well-formed file of the requested format.

The signal is 24 kHz, mono, signed 16-bit.  ``pcm`` is exactly those samples
(little-endian, no header) and ``wav`` wraps them in a RIFF/WAVE header; both
are produced with the standard library alone.  The compressed formats are
encoded with PyAV (the ``av`` package, whose wheels bundle FFmpeg):

========  ==============  ===============================================
format    codec           container / first bytes
========  ==============  ===============================================
``mp3``   LAME            raw MPEG-2 Layer III frames (sync ``0xFFE``)
``opus``  libopus         Ogg (``OggS``)
``aac``   FFmpeg AAC-LC   ADTS (sync ``0xFFF``)
``flac``  FFmpeg FLAC     native FLAC (``fLaC``)
========  ==============  ===============================================

Speed: a 100-character input (6 s of audio) takes roughly 0.1 ms for
``pcm``/``wav``, 3 ms for ``flac``, 15 ms for ``opus``, 30 ms for ``mp3`` and
45 ms for ``aac`` on one core, and encoding time grows linearly with the
duration; the encoder settings below trade a little quality for speed, which
is all a mock needs.
"""

from __future__ import annotations

import functools
import io
import math
import sys
import wave
from array import array
from typing import Final

import av

__all__ = [
    "CHANNELS",
    "CHAR_SECONDS",
    "FORMATS",
    "MAX_SECONDS",
    "MAX_SPEED",
    "MIN_SECONDS",
    "MIN_SPEED",
    "SAMPLE_RATE",
    "SAMPLE_WIDTH",
    "duration_seconds",
    "pcm_samples",
    "synthesize",
]


SAMPLE_RATE: Final = 24_000
"""Samples per second of the synthesised signal (and of ``pcm``/``wav``)."""

SAMPLE_WIDTH: Final = 2
"""Bytes per sample: signed 16-bit little-endian."""

CHANNELS: Final = 1
"""The signal is mono."""

CHAR_SECONDS: Final = 0.06
"""Seconds of audio per input character at ``speed == 1``."""

MIN_SECONDS: Final = 0.2
"""Shortest output at ``speed == 1`` (short or empty input is padded)."""

MAX_SECONDS: Final = 30.0
"""Longest output at ``speed == 1`` (characters past it are not voiced)."""

MIN_SPEED: Final = 0.25
"""Slowest accepted ``speed`` (the API's lower bound); 2 minutes at most."""

MAX_SPEED: Final = 4.0
"""Fastest accepted ``speed`` (the API's upper bound)."""

_AMPLITUDE: Final = 12_000  # peak sample value, about -8.7 dBFS
_BASE_HZ: Final = 220.0  # pitch of the lowest tone (A3)
_PITCHES: Final = 24  # distinct tones: two octaves of semitones above _BASE_HZ

# format -> (FFmpeg muxer, FFmpeg encoder, muxer options, encoder options).
# "+bitexact" keeps version strings, random Ogg serial numbers and the like
# out of the output so that it is byte-for-byte reproducible.
_ENCODERS: Final[dict[str, tuple[str, str, dict[str, str], dict[str, str]]]] = {
    "mp3": (
        "mp3",
        "libmp3lame",
        # No ID3v2 tag: the stream starts with the Xing/LAME "Info" frame,
        # which carries the exact length and encoder delay for gapless decode.
        {"fflags": "+bitexact", "id3v2_version": "0"},
        # LAME quality 7 of 0 (best) .. 9: ~1.5x faster than the default.
        {"flags": "+bitexact", "b": "48000", "compression_level": "7"},
    ),
    "opus": (
        "ogg",
        "libopus",
        {"fflags": "+bitexact"},
        # Complexity 5 of 0..10: ~4x faster than the default 10.
        {"flags": "+bitexact", "b": "32000", "compression_level": "5"},
    ),
    "aac": (
        "adts",
        "aac",
        {"fflags": "+bitexact"},
        # The "fast" coder is ~2x faster than the default "twoloop" and, unlike
        # it, keeps close to the requested bitrate.
        {"flags": "+bitexact", "b": "64000", "aac_coder": "fast"},
    ),
    "flac": (
        "flac",
        "flac",
        {"fflags": "+bitexact"},
        {"flags": "+bitexact"},
    ),
}

FORMATS: Final[tuple[str, ...]] = (*_ENCODERS, "wav", "pcm")
"""The formats this module can write (the spec's ``SpeechFormat`` says which the API offers
and their media types: ``generator.spec.Spec.media_types_of``)."""


def _check_speed(speed: float) -> None:
    """Raise :class:`ValueError` unless ``MIN_SPEED <= speed <= MAX_SPEED``."""
    if not MIN_SPEED <= speed <= MAX_SPEED:  # also rejects NaN
        raise ValueError(f"speed must be between {MIN_SPEED} and {MAX_SPEED}, got {speed!r}")


def duration_seconds(text: str, speed: float = 1.0) -> float:
    """Return the nominal duration, in seconds, of the audio for ``text``.

    It is ``len(text) * CHAR_SECONDS`` clamped to ``[MIN_SECONDS,
    MAX_SECONDS]`` and divided by ``speed``, rounded to whole samples.  The
    ``pcm``, ``wav`` and ``flac`` outputs have exactly this length, and so do
    ``mp3`` and ``opus`` once decoded (their headers record the encoder delay
    and padding).  ADTS cannot record them, so decoded ``aac`` is up to 2047
    samples (85 ms) longer.

    Raises:
        ValueError: if ``speed`` is outside ``[MIN_SPEED, MAX_SPEED]``.
    """
    return _total_samples(len(text), speed) / SAMPLE_RATE


def _total_samples(n_chars: int, speed: float) -> int:
    """Return the number of samples for ``n_chars`` characters at ``speed``."""
    _check_speed(speed)
    seconds = min(max(n_chars * CHAR_SECONDS, MIN_SECONDS), MAX_SECONDS)
    return max(1, round(seconds * SAMPLE_RATE / speed))


def _pitch(char: str) -> int | None:
    """Return the tone index (``0 <= i < _PITCHES``) for a character.

    Whitespace and control characters are silent and map to ``None``.
    """
    if char.isspace() or not char.isprintable():
        return None
    return ord(char) % _PITCHES


@functools.lru_cache(maxsize=512)
def _segment(pitch: int | None, n_samples: int) -> bytes:
    """Return one character's worth of 16-bit little-endian samples.

    A tone is a fundamental plus a softer octave, shaped by a Hann window so
    that every segment starts and ends at zero (no clicks between segments).
    Results are cached: a request only ever needs ``_PITCHES + 1`` distinct
    segments for a given speed.
    """
    samples = array("h", bytes(n_samples * SAMPLE_WIDTH))
    if pitch is not None and n_samples > 1:
        step = 2.0 * math.pi * _BASE_HZ * 2.0 ** (pitch / 12.0) / SAMPLE_RATE
        window = 2.0 * math.pi / (n_samples - 1)
        sin, cos = math.sin, math.cos
        for i in range(n_samples):
            envelope = 0.5 - 0.5 * cos(window * i)
            tone = 0.75 * sin(step * i) + 0.25 * sin(2.0 * step * i)
            samples[i] = round(_AMPLITUDE * envelope * tone)
    if sys.byteorder != "little":
        samples.byteswap()
    return samples.tobytes()


def pcm_samples(text: str, speed: float = 1.0) -> bytes:
    """Return the raw signal for ``text``: 24 kHz mono signed 16-bit LE.

    The signal is the concatenation of one tone per character (see the module
    docstring), cut or zero-padded to :func:`duration_seconds` exactly.  This
    is also the ``pcm`` response body.

    Raises:
        ValueError: if ``speed`` is outside ``[MIN_SPEED, MAX_SPEED]``.
    """
    total = _total_samples(len(text), speed)
    per_char = max(1, round(CHAR_SECONDS * SAMPLE_RATE / speed))
    voiced = min(len(text), -(-total // per_char))  # ceil(total / per_char)
    body = b"".join(_segment(_pitch(c), per_char) for c in text[:voiced])
    body = body[: total * SAMPLE_WIDTH]
    return body + bytes(total * SAMPLE_WIDTH - len(body))


def _wav(pcm: bytes) -> bytes:
    """Wrap 16-bit mono PCM in a canonical 44-byte RIFF/WAVE header."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(CHANNELS)
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm)
    return buf.getvalue()


def _encode(pcm: bytes, fmt: str) -> bytes:
    """Encode 16-bit mono PCM into a compressed ``fmt`` file with PyAV."""
    muxer, codec, mux_options, codec_options = _ENCODERS[fmt]
    frame = av.AudioFrame(format="s16", layout="mono", samples=len(pcm) // 2)
    frame.planes[0].update(pcm)
    frame.sample_rate = SAMPLE_RATE
    frame.pts = 0

    buf = io.BytesIO()
    with av.open(buf, mode="w", format=muxer, options=mux_options) as container:
        stream = container.add_stream(codec, rate=SAMPLE_RATE, options=codec_options)
        if not isinstance(stream, av.AudioStream):  # pragma: no cover
            raise TypeError(f"{codec} is not an audio encoder")
        stream.layout = "mono"
        # PyAV re-chunks the frame to the codec's frame size and converts the
        # sample format (s16 -> planar float for LAME and AAC) as needed.
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))  # flush the encoder
    return buf.getvalue()


def synthesize(text: str, fmt: str, speed: float = 1.0) -> bytes:
    """Return a complete audio file of format ``fmt`` "speaking" ``text``.

    Args:
        text: The input text.  Only its length and characters matter; any
            string, including the empty one, is accepted.
        fmt: One of :data:`FORMATS`.
        speed: Playback-rate multiplier, from :data:`MIN_SPEED` to
            :data:`MAX_SPEED`; the duration is divided by it.

    Returns:
        The encoded bytes, identical for identical arguments.  ``pcm`` is raw
        24 kHz mono s16le; ``wav`` is the same samples in RIFF/WAVE; ``mp3``,
        ``opus`` (Ogg), ``aac`` (ADTS) and ``flac`` are compressed files.

    Raises:
        ValueError: if ``fmt`` is not in :data:`FORMATS` or ``speed`` is
            outside ``[MIN_SPEED, MAX_SPEED]``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unsupported format {fmt!r}; expected one of {FORMATS}")
    pcm = pcm_samples(text, speed)
    if fmt == "pcm":
        return pcm
    if fmt == "wav":
        return _wav(pcm)
    return _encode(pcm, fmt)
