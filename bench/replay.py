"""A loopback HTTP/1.1 server that answers with pre-built bytes: the bench's fast, fixed server.

Usage::

    python -m bench.replay --payloads DIR [--port 0]

Some workloads are beyond what the mock produces (it caps a reply at 256 tokens and speech at
30 s of audio) and, for the client CPU that the bench compares, the server only has to be fast
and identical for every variant. This server answers:

* `POST /v1/chat/completions` with `"stream": true` in the body: `DIR/stream.sse`, the events
  of a 1,000-chunk stream (recorded from the mock and repeated, see `bench.payloads`), each
  event sent as its own HTTP chunk, the way a gateway flushes token by token;
* `POST /v1/audio/speech`: `--speech-mib` MiB (default 100) of `DIR/speech.bin` repeated, with
  a `Content-Length`, written in 1 MiB pieces with flow control; an `X-Bench-Bytes: N`
  request header asks for only N bytes (the warm-up);
* `POST /v1/chat/completions` without `stream`: `DIR/chat.json`.

Every answer carries an `x-request-id` and keeps the connection alive. The server reads the
whole request body and looks at nothing but the path, `"stream": true` and `X-Bench-Bytes`. The
first line on standard output is `replay listening on http://127.0.0.1:PORT`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import Final

MIB: Final = 1024 * 1024
WRITE_PIECE: Final = MIB
ANNOUNCE: Final = "replay listening on "


class Payloads:
    """The pre-built answers, head and body, ready to write."""

    def __init__(self, directory: Path, speech_mib: int) -> None:
        chat = (directory / "chat.json").read_bytes()
        self.chat = _head(200, "application/json", len(chat)) + chat
        events = (directory / "stream.sse").read_bytes().split(b"\n\n")
        pieces = bytearray()
        for event in events:
            if event:
                data = event + b"\n\n"
                pieces += b"%x\r\n%b\r\n" % (len(data), data)
        pieces += b"0\r\n\r\n"
        self.stream = _head(200, "text/event-stream; charset=utf-8", None) + bytes(pieces)
        audio = (directory / "speech.bin").read_bytes()
        size = speech_mib * MIB
        self.speech = (audio * (size // len(audio) + 1))[:size]


def _head(status: int, content_type: str, length: int | None) -> bytes:
    reason = {200: "OK", 404: "Not Found"}.get(status, "Error")
    lines = [
        f"HTTP/1.1 {status} {reason}",
        f"content-type: {content_type}",
        "x-request-id: req_bench_replay",
        "cache-control: no-cache",
    ]
    lines.append("transfer-encoding: chunked" if length is None else f"content-length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


async def _serve_one(
    payloads: Payloads, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            request_line, _, header_block = head.partition(b"\r\n")
            headers: dict[bytes, bytes] = {}
            for line in header_block.split(b"\r\n"):
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get(b"content-length", b"0"))
            body = await reader.readexactly(length) if length else b""
            parts = request_line.split(b" ")
            path = parts[1] if len(parts) > 1 else b""
            if path.endswith(b"/v1/chat/completions"):
                stream = b'"stream":true' in body.replace(b" ", b"")
                writer.write(payloads.stream if stream else payloads.chat)
            elif path.endswith(b"/v1/audio/speech"):
                wanted = headers.get(b"x-bench-bytes")
                data = payloads.speech
                view = memoryview(data)[: int(wanted)] if wanted else memoryview(data)
                writer.write(_head(200, "audio/mpeg", len(view)))
                for start in range(0, len(view), WRITE_PIECE):
                    writer.write(view[start : start + WRITE_PIECE])
                    await writer.drain()
            else:
                message = b'{"error":{"message":"not served by the bench replay server"}}'
                writer.write(_head(404, "application/json", len(message)) + message)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        return  # the client left, or the server is stopping
    finally:
        writer.close()


async def _main(payloads: Payloads, port: int) -> None:
    server = await asyncio.start_server(
        lambda r, w: _serve_one(payloads, r, w), "127.0.0.1", port, backlog=1024
    )
    bound = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"{ANNOUNCE}http://127.0.0.1:{bound}\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m bench.replay", description=__doc__)
    parser.add_argument("--payloads", type=Path, required=True, help="directory of payloads")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--speech-mib", type=int, default=100, help="speech body size in MiB")
    args = parser.parse_args(argv)
    payloads = Payloads(args.payloads, args.speech_mib)
    with contextlib.suppress(KeyboardInterrupt):
        try:
            import uvloop  # the mock's own loop, when installed: the server should cost little
        except ImportError:
            asyncio.run(_main(payloads, args.port))
        else:
            uvloop.run(_main(payloads, args.port))


if __name__ == "__main__":
    main()
