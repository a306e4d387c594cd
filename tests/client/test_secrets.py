"""The API key never appears in a repr, a log line or an error message, whatever happens.

Every logger is captured at DEBUG (the client's, httpx's, httpcore's) while the client goes
through success, retries, errors that echo the key, streams, timeouts and refused connections.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from tokenmarket_client import TokenMarketError

from .conftest import KEY, MESSAGES, close, collect, make_client, resolve
from .loopback import LoopbackServer, envelope, event_stream, free_port, respond, stall

pytestmark = pytest.mark.anyio

DONE = b"data: [DONE]\n\n"


async def test_the_key_never_leaks(
    mode: str, server: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    echoing = f"<html>Forbidden for Authorization: Bearer {KEY}</html>".encode()
    completion = (
        b'{"id": "c", "object": "chat.completion", "created": 1, "model": "m", "choices": []}'
    )
    server.push(
        # 1: a 429 whose message echoes the key, retried, then a 2xx that does not parse
        envelope(429, "rate_limit_exceeded", "RATE_LIMIT", f"key {KEY} over quota",
                 **{"retry-after-ms": "1"}),
        respond(200, b'{"id": "x"}'),
        # 2, 3: errors that echo the key, in an envelope and in an HTML page
        envelope(401, "unauthorized", "AUTH_001", f"API key {KEY} is disabled"),
        respond(403, echoing, content_type="text/html"),
        # 4: an error event in a stream
        event_stream([b'data: {"error": {"message": "bad key ' + KEY.encode() + b'"}}\n\n', DONE]),
        # 5: read timeouts, retried
        stall(),
        stall(),
        # 6: a raw response
        respond(200, completion),
    )  # fmt: skip
    client = make_client(mode, server.url, max_retries=1)
    shown: list[str] = [repr(client), str(client)]
    try:

        async def attempt(stream: bool, timeout: float = 5.0) -> None:
            result = await resolve(
                client.chat.completions.create(
                    model="m", messages=MESSAGES, stream=stream, timeout=timeout
                )
            )
            shown.append(repr(result))
            await collect(result)

        for call in range(5):
            with pytest.raises(TokenMarketError) as caught:
                await attempt(stream=call == 3, timeout=0.2 if call == 4 else 5.0)
            shown += [str(caught.value), repr(caught.value), caught.value.message]
            shown += [repr(getattr(caught.value, "response", None))]
            shown += [repr(getattr(caught.value, "headers", None))]
        raw: Any = await resolve(
            client.chat.completions.with_raw_response.create(model="m", messages=MESSAGES)
        )
        shown += [repr(raw), repr(raw.headers), repr(raw.parse())]
    finally:
        await close(client)
    assert len(server.requests) == 8

    refused = make_client(mode, f"http://127.0.0.1:{free_port()}", max_retries=1)
    try:
        with pytest.raises(TokenMarketError) as caught:
            await resolve(refused.chat.completions.create(model="m", messages=MESSAGES))
        shown += [str(caught.value), repr(caught.value)]
    finally:
        await close(refused)

    logged = [record.getMessage() for record in caplog.records]
    assert any("Retrying POST /v1/chat/completions" in line for line in logged)
    assert any(line.startswith("HTTP Request:") for line in logged), "httpx logged too"
    for text in shown + logged:
        assert KEY not in text, text
    assert any("[redacted]" in text for text in shown)
