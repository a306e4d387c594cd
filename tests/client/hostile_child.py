"""One hostile scenario in a process of its own, which prints its outcome and peak RSS as JSON.

`python -m tests.client.hostile_child SCENARIO [LIMIT_MIB]`, run from the repository root by
`test_hostile_memory.py`: peak RSS (`resource.getrusage`) is only meaningful for a process that
did nothing else. The loopback server runs in the same process; it produces its bodies lazily,
so its own memory is small. With LIMIT_MIB the client's size limits are set to it (else the
documented defaults apply).
"""

from __future__ import annotations

import json
import resource
import sys
from typing import Any

import tokenmarket_client as tm

from . import hostile
from .loopback import LoopbackServer, respond_json

KEY = "tm-secret-key-7f3c2a9e"
MESSAGES: list[Any] = [{"role": "user", "content": "Hi"}]
SPEECH: dict[str, Any] = {"model": "gpt-4o-mini-tts", "input": "Hello", "voice": "alloy"}
COMPLETION = {
    "id": "c",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "OK"}}
    ],
}


def scenario(name: str, server: LoopbackServer, client: Any) -> dict[str, Any]:
    """Run `name` against `server`; return what it observed (besides the outcome)."""
    gib = hostile.GiB
    if name == "baseline":
        server.push(respond_json(200, COMPLETION))
        client.chat.completions.create(model="m", messages=MESSAGES)
    elif name == "json":
        server.push(hostile.bomb(200, gib))
        client.chat.completions.create(model="m", messages=MESSAGES)
    elif name == "error":
        server.push(hostile.bomb(500, gib))
        try:
            client.chat.completions.create(model="m", messages=MESSAGES)
        except tm.APIStatusError as exc:
            return {"raised": type(exc).__name__, "body_bytes": len(exc.body)}
    elif name == "speech":
        server.push(hostile.bomb(200, gib, content_type="audio/mpeg"))
        client.audio.speech.create(**SPEECH)
    elif name == "sse_line":
        server.push(
            hostile.bomb(200, gib, content_type="text/event-stream", head=b"data: ", fill=b"a")
        )
        for _ in client.chat.completions.create(model="m", messages=MESSAGES, stream=True):
            pass
    elif name == "sse_event":
        line = b"data: " + b"a" * 1017 + b"\n"  # 1 KiB lines, never a blank one
        server.push(hostile.bomb(200, 300 * hostile.MiB, content_type="text/event-stream",
                                 fill=line))  # fmt: skip
        for _ in client.chat.completions.create(model="m", messages=MESSAGES, stream=True):
            pass
    elif name == "speech_streamed":
        server.push(hostile.bomb(200, gib // 4, content_type="audio/mpeg"))
        with client.audio.speech.with_streaming_response.create(**SPEECH) as audio:
            total = sum(len(piece) for piece in audio.iter_bytes())
        return {"read_bytes": total}
    else:
        raise SystemExit(f"unknown scenario {name!r}")
    return {}


def main() -> None:
    """Run the scenario named on the command line and print one JSON line."""
    name = sys.argv[1]
    server = LoopbackServer()
    client = tm.TokenMarket(api_key=KEY, base_url=server.url, max_retries=0)
    if len(sys.argv) > 2 and hasattr(tm, "Limits"):
        size = int(sys.argv[2]) * hostile.MiB
        client.limits = tm.Limits(
            max_response_bytes=size, max_sse_line_bytes=size, max_sse_event_bytes=size
        )
    result: dict[str, Any] = {"scenario": name}
    try:
        result.update(scenario(name, server, client))
        result.setdefault("raised", None)
    except Exception as exc:
        result["raised"] = type(exc).__name__
        result["message"] = str(exc)[:300]
    finally:
        client.close()
        server.close()
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main()
