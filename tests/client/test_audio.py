"""Binary audio: the whole-body and the streamed forms, sync and async, on real sockets."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from tokenmarket_client import (
    AsyncBinaryResponse,
    AsyncStreamedBinaryResponse,
    BinaryResponse,
    InvalidRequestError,
    StreamedBinaryResponse,
    StreamInterruptedError,
)

from .conftest import close, make_client, pool_idle, resolve, wait_pool_idle
from .loopback import LoopbackServer, cut_body, envelope, raw_body_stream, respond

pytestmark = pytest.mark.anyio


async def save_streamed(mode: str, call: Any, path: Path) -> int:
    """Enter a `with_streaming_response` call, write its audio to `path`, leave the block."""
    if mode == "async":
        async with call as audio:
            written: int = await audio.stream_to_file(path)
    else:
        with call as audio:
            written = audio.stream_to_file(path)
    return written


AUDIO = b"ID3\x04\x00\x00" + bytes(range(256)) * 1000
BILLING = {
    "x-tokenmarket-cost": "0.000042",
    "x-tokenmarket-billed-units": "22",
    "x-tokenmarket-billing-unit": "character",
}
SPEECH: dict[str, Any] = {"model": "gpt-4o-mini-tts", "input": "Hello", "voice": "alloy"}


def audio_answer() -> Any:
    return respond(200, AUDIO, content_type="audio/mpeg", headers=BILLING, request_id="req_tts")


async def test_speech_read_whole(mode: str, server: LoopbackServer, tmp_path: Path) -> None:
    server.push(audio_answer())
    client = make_client(mode, server.url)
    try:
        audio = await resolve(
            client.audio.speech.create(**SPEECH, response_format="mp3", provider="dataeyes")
        )
        assert isinstance(audio, BinaryResponse | AsyncBinaryResponse)
        assert audio.content == AUDIO
        assert audio.content_type == "audio/mpeg"
        assert audio.headers["content-length"] == str(len(AUDIO))
        assert audio.request_id == "req_tts"
        assert str(audio.billing.cost) == "0.000042"
        assert audio.billing.billed_units == 22
        assert audio.billing.billing_unit == "character"
        if isinstance(audio, AsyncBinaryResponse):
            pieces = [piece async for piece in audio.iter_bytes(10_000)]
            written = await audio.stream_to_file(tmp_path / "speech.mp3")
        else:
            pieces = list(audio.iter_bytes(10_000))
            written = audio.stream_to_file(tmp_path / "speech.mp3")
        assert b"".join(pieces) == AUDIO
        assert [len(piece) for piece in pieces[:-1]] == [10_000] * (len(pieces) - 1)
        assert written == len(AUDIO)
        assert (tmp_path / "speech.mp3").read_bytes() == AUDIO
        assert pool_idle(client)
    finally:
        await close(client)
    body = server.requests[0].json()
    assert body == {**SPEECH, "response_format": "mp3", "provider": "dataeyes"}
    assert server.requests[0].path == "/v1/audio/speech"


async def test_streamed_speech_in_constant_memory(
    mode: str, server: LoopbackServer, tmp_path: Path
) -> None:
    size = 48 * 1024 * 1024
    server.push(raw_body_stream(200, size))
    client = make_client(mode, server.url)
    target = tmp_path / "long.mp3"
    tracemalloc.start()
    try:
        call = client.audio.speech.with_streaming_response.create(**SPEECH)
        if mode == "async":
            async with call as audio:
                assert isinstance(audio, AsyncStreamedBinaryResponse)
                written = await audio.stream_to_file(target)
        else:
            with call as audio:
                assert isinstance(audio, StreamedBinaryResponse)
                assert audio.content_type == "audio/mpeg"
                assert audio.request_id == "req_audio"
                written = audio.stream_to_file(target)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        await close(client)
    assert written == size == target.stat().st_size
    assert peak < 4 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB for a {size / 2**20:.0f} MiB body"


async def test_leaving_the_block_early_releases_the_connection(
    mode: str, server: LoopbackServer
) -> None:
    server.push(raw_body_stream(200, 8 * 1024 * 1024))
    client = make_client(mode, server.url)
    try:
        call = client.audio.speech.with_streaming_response.create(**SPEECH)
        if mode == "async":
            async with call as audio:
                async for piece in audio.iter_bytes():
                    assert piece
                    break
        else:
            with call as audio:
                assert next(audio.iter_bytes())
        assert await wait_pool_idle(client)
    finally:
        await close(client)


async def test_speech_errors(mode: str, server: LoopbackServer, tmp_path: Path) -> None:
    bad = envelope(400, "invalid_request_body", "REQUEST_001", "input: too long")
    server.push(bad, bad)
    client = make_client(mode, server.url)
    try:
        with pytest.raises(InvalidRequestError, match="input: too long"):
            await resolve(client.audio.speech.create(**SPEECH))
        call = client.audio.speech.with_streaming_response.create(**SPEECH)
        with pytest.raises(InvalidRequestError, match="input: too long"):
            await save_streamed(mode, call, tmp_path / "never.mp3")
        assert not (tmp_path / "never.mp3").exists()
        assert await wait_pool_idle(client)
    finally:
        await close(client)
    assert len(server.requests) == 2  # a 400 is not retried


async def test_cut_audio(mode: str, server: LoopbackServer, tmp_path: Path) -> None:
    # The whole-body form retries a cut body (nothing was handed out yet); the streamed form,
    # which may have written part of the file, raises instead.
    server.push(cut_body(200, AUDIO, at=1000, content_type="audio/mpeg"), audio_answer())
    server.push(cut_body(200, AUDIO, at=1000, content_type="audio/mpeg"))
    client = make_client(mode, server.url)
    try:
        audio = await resolve(client.audio.speech.create(**SPEECH))
        assert audio.content == AUDIO
        call = client.audio.speech.with_streaming_response.create(**SPEECH)
        with pytest.raises(StreamInterruptedError, match="ended early"):
            await save_streamed(mode, call, tmp_path / "cut.mp3")
        assert await wait_pool_idle(client)
    finally:
        await close(client)
    assert len(server.requests) == 3


async def test_raw_speech(mode: str, server: LoopbackServer) -> None:
    server.push(audio_answer())
    client = make_client(mode, server.url)
    try:
        raw = await resolve(client.audio.speech.with_raw_response.create(**SPEECH))
        assert raw.status_code == 200
        assert raw.request_id == "req_tts"
        assert raw.content == AUDIO
        assert raw.parse().content == AUDIO
    finally:
        await close(client)
