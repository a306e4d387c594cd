"""The key stays secret against bad keys and against servers that echo it (issue 13, items 1-2).

A key with a trailing newline, a tab, a control or a non-ASCII character is refused when the
client is made, by an error that does not show it (httpx used to print the whole header in its
`LocalProtocolError`, chained and in httpcore's DEBUG log). A server that echoes the key, in
the envelope's `type`, `code` or `param`, in `x-request-id`, in an HTML page after 776 spaces,
escaped as JSON, percent-encoded or as bytes, or in a malformed status line, never gets it
onto the screen: not in `str()`, `repr()`, a traceback, a chained exception or a log line.
"""

from __future__ import annotations

import json
import logging
import traceback
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from tokenmarket_client import (
    APIConnectionError,
    APIStatusError,
    AsyncTokenMarket,
    InvalidAPIKeyError,
    TokenMarket,
    TokenMarketError,
)
from tokenmarket_client._exceptions import excerpt, redact, secret_forms

from . import hostile
from .conftest import KEY, MESSAGES, close, make_client, resolve
from .loopback import LoopbackServer, Reply, Seen

pytestmark = pytest.mark.anyio

# A key that is valid (printable ASCII) yet differs in its escaped forms.
ODD_KEY = "tm-k/ey+\"q'\\z%41-" + "9f8e7d6c"


def leaks(text: str, key: str = KEY) -> bool:
    """Whether `text` shows `key`, or a part of it long enough to matter, in any form."""
    core = key[-12:]
    return any(form in text for form in secret_forms(key)) or core in text


def everything_shown(exc: BaseException) -> list[str]:
    """What a user can see of `exc`: message, repr, the formatted traceback, the chain."""
    shown = [str(exc), repr(exc)]
    shown.append("".join(traceback.format_exception(exc)))
    chained: BaseException | None = exc
    while chained is not None:
        shown += [str(chained), repr(chained)]
        chained = chained.__cause__ or chained.__context__
    for name in ("type", "code", "param", "request_id", "message"):
        shown.append(str(getattr(exc, name, "")))
    return shown


@pytest.mark.parametrize(
    "bad",
    [
        KEY + "\n",
        KEY + "\r\n",
        KEY + "\t",
        KEY + " ",
        " " + KEY,
        KEY[:6] + "\x00" + KEY[6:],
        KEY + "\x7f",
        KEY + "\x1b[0m",
        KEY + "é",
        KEY + "\u2028",
        KEY + "\ufeff",
    ],
)
@pytest.mark.parametrize("cls", [TokenMarket, AsyncTokenMarket])
def test_a_key_that_cannot_be_sent_is_refused_without_showing_it(
    bad: str,
    cls: type[Any],
    server: LoopbackServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(InvalidAPIKeyError) as caught:
        cls(api_key=bad, base_url=server.url)
    error = caught.value
    assert isinstance(error, TokenMarketError)
    assert isinstance(error, ValueError)
    assert "strip" in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None
    for text in everything_shown(error) + [r.getMessage() for r in caplog.records]:
        assert not leaks(text, bad.strip()), text
    assert server.requests == []  # nothing was sent


def test_a_key_from_the_environment_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKENMARKET_API_KEY", KEY + "\n")
    with pytest.raises(InvalidAPIKeyError, match="line break at its end") as caught:
        TokenMarket()
    assert not leaks(str(caught.value))


def test_every_form_of_the_key_is_redacted() -> None:
    forms = {
        "raw": ODD_KEY,
        "repr": repr(ODD_KEY)[1:-1],
        "bytes": repr(ODD_KEY.encode())[2:-1],
        "percent": quote(ODD_KEY, safe=""),
        "json": json.dumps(ODD_KEY)[1:-1],
    }
    assert len(set(forms.values())) >= 4  # the forms really differ (repr and bytes agree)
    for name, form in forms.items():
        text = redact(f"before {form} after", ODD_KEY)
        assert text == "before [redacted] after", name
    # An excerpt redacts the whole body before it collapses spaces and cuts.
    body = b"<html>" + b" " * 776 + ODD_KEY.encode() + b"</html>"
    assert "[redacted]" in excerpt(body, ODD_KEY)
    assert not leaks(excerpt(body, ODD_KEY), ODD_KEY)
    # A body cut inside a key, after many spaces, shows no beginning of it either.
    long_body = b" " * (64 * 1024 - 10) + KEY.encode() + b" tail"
    assert not leaks(excerpt(long_body, KEY)), excerpt(long_body, KEY)


@pytest.mark.parametrize("field", ["message", "type", "code", "param", "x-request-id"])
async def test_a_server_echoing_the_key_in_the_envelope_or_headers(
    mode: str, server: LoopbackServer, field: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    request_id = f"req-{KEY}" if field == "x-request-id" else "req_echo"
    server.push(hostile.echo_envelope(400, KEY, field=field, request_id=request_id))
    client = make_client(mode, server.url, max_retries=0)
    try:
        with pytest.raises(APIStatusError) as caught:
            await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    finally:
        await close(client)
    error = caught.value
    shown = [*everything_shown(error), repr(error.headers), str(error.request_id)]
    shown += [record.getMessage() for record in caplog.records]
    for text in shown:
        assert not leaks(text), text
    assert "[redacted]" in str(error)
    if field in ("type", "code", "param"):
        assert "[redacted]" in str(getattr(error, field))


async def test_html_with_the_key_after_776_spaces(mode: str, server: LoopbackServer) -> None:
    server.push(hostile.html_echo(503, KEY, spaces=776))
    client = make_client(mode, server.url, max_retries=0)
    try:
        with pytest.raises(APIStatusError) as caught:
            await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    finally:
        await close(client)
    for text in everything_shown(caught.value):
        assert not leaks(text), text
    assert "[redacted]" in str(caught.value)


async def test_escaped_echoes_of_an_odd_key(mode: str, server: LoopbackServer) -> None:
    """A key with `/ + " ' \\ %` in it, echoed JSON-escaped (as any JSON body has it), percent-
    encoded in `type` and bytes-escaped in `param`."""
    error = {
        "message": f"bad key {ODD_KEY}",  # json.dumps escapes `"` and `\`
        "type": quote(ODD_KEY, safe=""),
        "code": "AUTH_001",
        "param": repr(ODD_KEY.encode()),
    }
    server.push(hostile.chunked(401, lambda: iter([json.dumps({"error": error}).encode()])))
    client = make_client(mode, server.url, max_retries=0, api_key=ODD_KEY)
    try:
        with pytest.raises(APIStatusError) as caught:
            await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    finally:
        await close(client)
    for text in everything_shown(caught.value):
        assert not leaks(text, ODD_KEY), text


def _status_line_echo(reply: Reply, seen: Seen) -> bool:
    reply.send(b"HTTP/1.1 2x0 " + KEY.encode() + b"\r\n\r\n")
    return False


def _header_line_echo(reply: Reply, seen: Seen) -> bool:
    reply.send(b"HTTP/1.1 200 OK\r\nx-echo\x01: Bearer " + KEY.encode() + b"\r\n\r\n")
    return False


@pytest.mark.parametrize("handler", [_status_line_echo, _header_line_echo])
async def test_a_protocol_error_that_prints_the_key_is_not_chained(
    mode: str, server: LoopbackServer, handler: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """h11 prints the offending line in its error: the client's error keeps it out, and
    chains nothing that still has it."""
    caplog.set_level(logging.DEBUG)
    server.push(handler)
    client = make_client(mode, server.url, max_retries=0)
    try:
        with pytest.raises(APIConnectionError) as caught:
            await resolve(client.chat.completions.create(model="m", messages=MESSAGES))
    finally:
        await close(client)
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
    assert not isinstance(caught.value, httpx.HTTPError)
    for text in everything_shown(caught.value) + [r.getMessage() for r in caplog.records]:
        assert not leaks(text), text
    assert "[redacted]" in str(caught.value)
