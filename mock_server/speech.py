"""``POST /v1/audio/speech``: real, decodable audio whose length follows the input.

The format is ``response_format``, else its alias ``format``, else ``mp3`` (the spec's rule);
the bytes come from :func:`mock_server.audio.synthesize` (a tone per character, 60 ms each
at ``speed`` 1, divided by ``speed``, between 0.2 s and 30 s before the division) and the
``Content-Type`` is the one the spec's ``SpeechFormat`` gives the format (its
``x-tokenmarket-media-types``). Speech is billed per input character.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from pydantic import MISSING
from tokenmarket_models import CreateSpeechRequest

from mock_server import audio
from mock_server.answers import Billing, BinaryAnswer, Context

__all__ = ["DEFAULT_FORMAT", "FORMAT_SCHEMA", "handle", "speech_format"]

DEFAULT_FORMAT: Final = "mp3"
FORMAT_SCHEMA: Final = "SpeechFormat"
"""The spec's enumeration of formats, whose extension maps each to its media type."""
PRICE_PER_CHARACTER: Final = Decimal("0.000015")


def speech_format(req: CreateSpeechRequest) -> str:
    """``response_format`` wins; ``format`` is its alias; ``mp3`` without either."""
    if req.response_format is not MISSING:
        return req.response_format.value
    if req.format is not MISSING:
        return req.format.value
    return DEFAULT_FORMAT


def handle(req: CreateSpeechRequest, ctx: Context) -> BinaryAnswer:
    """Answer a validated speech request with the audio file."""
    fmt = speech_format(req)
    content = audio.synthesize(req.input, fmt, req.speed)
    billing = Billing(len(req.input), "character", PRICE_PER_CHARACTER)
    return BinaryAnswer(content, ctx.spec.media_types_of(FORMAT_SCHEMA)[fmt], billing)
