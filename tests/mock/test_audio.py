"""Tests for ``mock_server.audio``: the TTS mock must emit real, decodable audio.

Every format is decoded back and measured.  Compressed formats are decoded with
FFmpeg's own decoders through PyAV (``mp3float``, ``opus``, ``aac``, ``flac``);
for mp3 and opus these are independent of the encoders that produced the bytes
(LAME and libopus).  ``wav`` is read with the standard library's ``wave``.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import subprocess
import sys
import wave
from array import array
from pathlib import Path
from typing import NamedTuple

import av
import pytest

from mock_server import audio
from tests.mock.support import SPEECH_FORMATS

SHORT = "Hi there"  # 8 characters -> 0.48 s
LONG = "The quick brown fox jumps over the lazy dog."  # 44 characters -> 2.64 s

# Lossy codecs may keep encoder priming/padding after decoding.  ADTS has no
# field for the AAC encoder delay, so decoders keep its 1024 priming samples and
# the padding of the last frame: up to 2047 extra samples (85 ms at 24 kHz).
TOLERANCE = {"aac": 0.09}
DEFAULT_TOLERANCE = 0.01


class Decoded(NamedTuple):
    """Decoded audio, converted to signed 16-bit mono at its own sample rate."""

    rate: int
    channels: int
    samples: array[int]

    @property
    def seconds(self) -> float:
        """Duration of the decoded audio."""
        return len(self.samples) / self.rate

    @property
    def rms(self) -> float:
        """Root-mean-square level, in sample units."""
        return math.sqrt(sum(s * s for s in self.samples) / max(1, len(self.samples)))


def decode(data: bytes, fmt: str) -> Decoded:
    """Decode ``data`` of format ``fmt`` with a decoder other than the encoder."""
    if fmt == "pcm":
        return Decoded(audio.SAMPLE_RATE, 1, array("h", data))
    if fmt == "wav":
        with wave.open(io.BytesIO(data), "rb") as w:
            assert w.getsampwidth() == 2
            frames = w.readframes(w.getnframes())
            return Decoded(w.getframerate(), w.getnchannels(), array("h", frames))
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.audio[0]
        assert container.format.name == {"opus": "ogg", "aac": "aac"}.get(fmt, fmt)
        to_s16 = av.AudioResampler(format="s16", layout="mono")
        pcm = bytearray()
        rate = channels = 0
        for frame in container.decode(stream):
            rate = frame.sample_rate
            channels = frame.layout.nb_channels
            for out in to_s16.resample(frame):
                pcm += bytes(out.planes[0])[: out.samples * 2]
        for out in to_s16.resample(None):
            pcm += bytes(out.planes[0])[: out.samples * 2]
    return Decoded(rate, channels, array("h", bytes(pcm)))


@pytest.mark.parametrize("fmt", audio.FORMATS)
def test_magic_bytes(fmt: str) -> None:
    """Each format starts with its container's signature."""
    data = audio.synthesize(LONG, fmt)
    if fmt == "mp3":
        # MPEG audio frame sync (11 set bits), or an ID3v2 tag before it.
        assert data[:3] == b"ID3" or (data[0] == 0xFF and data[1] & 0xE0 == 0xE0)
    elif fmt == "opus":
        assert data[:4] == b"OggS"
        assert data[28:36] == b"OpusHead"
    elif fmt == "aac":
        # ADTS sync word 0xFFF, MPEG-4, layer 0, profile AAC LC.
        assert data[0] == 0xFF
        assert data[1] & 0xF6 == 0xF0
        assert (data[2] >> 6) == 1
    elif fmt == "flac":
        assert data[:4] == b"fLaC"
    elif fmt == "wav":
        assert data[:4] == b"RIFF"
        assert data[8:16] == b"WAVEfmt "
        assert int.from_bytes(data[4:8], "little") == len(data) - 8
    else:
        assert fmt == "pcm"
        assert len(data) == round(audio.duration_seconds(LONG) * 24_000) * 2


@pytest.mark.parametrize("fmt", audio.FORMATS)
def test_decodes_to_expected_duration(fmt: str) -> None:
    """Decoded audio is mono, audible and as long as the text asks for."""
    tolerance = TOLERANCE.get(fmt, DEFAULT_TOLERANCE)
    for text, speed in ((SHORT, 1.0), (LONG, 1.0), (LONG, 2.0)):
        decoded = decode(audio.synthesize(text, fmt, speed), fmt)
        expected = len(text) * audio.CHAR_SECONDS / speed
        assert decoded.channels == 1
        # Ogg Opus is always decoded at 48 kHz; the header keeps the 24 kHz.
        assert decoded.rate == (48_000 if fmt == "opus" else 24_000)
        assert expected <= decoded.seconds + 0.001
        assert decoded.seconds <= expected + tolerance
        assert decoded.rms > 1_000, "decoded audio should not be silent"


@pytest.mark.parametrize("fmt", audio.FORMATS)
def test_duration_grows_with_text_and_shrinks_with_speed(fmt: str) -> None:
    """More text means longer audio; double speed halves it."""

    def seconds(text: str, speed: float) -> float:
        """Return the decoded duration of ``text`` at ``speed``."""
        return decode(audio.synthesize(text, fmt, speed), fmt).seconds

    short, long_, fast = seconds(SHORT, 1.0), seconds(LONG, 1.0), seconds(LONG, 2.0)
    assert long_ > short + 1.5
    assert fast < long_ - 1.0
    assert fast == pytest.approx(long_ / 2, abs=TOLERANCE.get(fmt, 0.01))


@pytest.mark.parametrize("fmt", ["flac", "wav"])
def test_lossless_formats_round_trip_the_pcm_exactly(fmt: str) -> None:
    """FLAC and WAV decode to exactly the ``pcm`` samples."""
    pcm = audio.synthesize(LONG, "pcm", 1.25)
    assert decode(audio.synthesize(LONG, fmt, 1.25), fmt).samples.tobytes() == pcm


def test_nominal_duration_is_clamped_and_scaled() -> None:
    """60 ms per character, clamped to [0.2 s, 30 s], divided by speed."""
    assert audio.duration_seconds("") == pytest.approx(audio.MIN_SECONDS)
    assert audio.duration_seconds("x") == pytest.approx(audio.MIN_SECONDS)
    assert audio.duration_seconds("x" * 100) == pytest.approx(6.0)
    assert audio.duration_seconds("x" * 100_000) == pytest.approx(audio.MAX_SECONDS)
    assert audio.duration_seconds("x" * 100, 4.0) == pytest.approx(1.5)
    assert audio.duration_seconds("x" * 100, 0.25) == pytest.approx(24.0)
    assert audio.duration_seconds("x" * 1_000, 0.25) == pytest.approx(120.0)
    for text in ("", "x", "x" * 1_000):
        pcm = audio.synthesize(text, "pcm", 3.0)
        assert len(pcm) == round(audio.duration_seconds(text, 3.0) * 24_000) * 2


def test_waveform_follows_the_text() -> None:
    """Different text gives a different signal; whitespace is a pause."""
    assert audio.synthesize("abc", "pcm") != audio.synthesize("xyz", "pcm")
    assert set(audio.synthesize("   \n", "pcm")) == {0}, "whitespace is silent"
    # Unicode, emoji and control characters are all accepted.
    assert decode(audio.synthesize("héllo 🎉 世界\x00", "opus"), "opus").rms > 500


@pytest.mark.parametrize("fmt", audio.FORMATS)
def test_deterministic_within_a_process(fmt: str) -> None:
    """Repeated calls give identical bytes, and other text other bytes."""
    first = audio.synthesize(LONG, fmt, 1.5)
    assert audio.synthesize(LONG, fmt, 1.5) == first
    assert audio.synthesize(LONG + "!", fmt, 1.5) != first


def _digests() -> list[str]:
    """SHA-256 of every format for one fixed input, in FORMATS order."""
    return [hashlib.sha256(audio.synthesize(LONG, fmt, 0.75)).hexdigest() for fmt in audio.FORMATS]


def test_deterministic_across_processes() -> None:
    """A fresh interpreter (new hash seed, new Ogg serial) yields the same bytes."""
    root = Path(audio.__file__).resolve().parents[1]
    code = (
        "import hashlib\n"
        "from mock_server import audio\n"
        "for fmt in audio.FORMATS:\n"
        f"    data = audio.synthesize({LONG!r}, fmt, 0.75)\n"
        "    print(hashlib.sha256(data).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.stdout.split() == _digests()


def test_every_format_of_the_spec_can_be_written() -> None:
    """The mock writes every speech format the spec offers (read from the spec)."""
    assert set(SPEECH_FORMATS) <= set(audio.FORMATS)


@pytest.mark.parametrize("fmt", ["ogg", "MP3", "", "wave"])
def test_rejects_unknown_formats(fmt: str) -> None:
    """Formats outside FORMATS (matched case-sensitively) are refused."""
    with pytest.raises(ValueError, match="unsupported format"):
        audio.synthesize("hello", fmt)


@pytest.mark.parametrize("speed", [0.0, -1.0, 0.24, 4.01, math.nan, math.inf])
def test_rejects_bad_speed(speed: float) -> None:
    """Speed must lie in the API's range, 0.25 to 4.0."""
    with pytest.raises(ValueError, match="speed"):
        audio.synthesize("hello", "wav", speed)
