"""Speech: a 100 MiB answer streamed to a file, one fresh process per variant and round.

Usage (the bench runs it): ``python -m bench.speech VARIANT URL PATH`` with the key in
``BENCH_TOKEN``. The child makes its client, warms it up with a 1 MiB answer (connection, lazy
imports), resets the kernel's peak-RSS mark (``/proc/self/clear_refs``), notes its RSS, streams
the full answer to PATH, and prints one JSON line: bytes written, wall and CPU seconds, and the
peak RSS growth (``VmHWM`` after minus ``VmRSS`` before). A fresh process per measurement keeps
one variant's heap from hiding another's.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Final

from bench import payloads

MIB: Final = 1024 * 1024
WARMUP_BYTES: Final = MIB
OURS: Final = "tokenmarket_client"
HTTPX: Final = "httpx iter_bytes"
OPENAI: Final = "openai"
VARIANTS: Final = (OURS, HTTPX, OPENAI)


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def main(argv: list[str]) -> None:
    """Run one variant once and print its JSON line."""
    variant, base_url, path = argv
    token = os.environ["BENCH_TOKEN"]
    body = payloads.SPEECH_REQUEST

    if variant == OURS:
        from tokenmarket_client import TokenMarket

        ours = TokenMarket(api_key=token, base_url=base_url)

        def run(target: str, extra: dict[str, str]) -> int:
            with ours.audio.speech.with_streaming_response.create(
                extra_headers=extra, **body
            ) as response:
                return response.stream_to_file(target)

    elif variant == HTTPX:
        import httpx

        raw = httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60.0)
        url = base_url + "/v1/audio/speech"

        def run(target: str, extra: dict[str, str]) -> int:
            written = 0
            with raw.stream("POST", url, json=body, headers=extra) as response:
                response.raise_for_status()
                with open(target, "wb") as file:
                    for piece in response.iter_bytes():
                        file.write(piece)
                        written += len(piece)
            return written

    elif variant == OPENAI:
        import openai

        official = openai.OpenAI(api_key=token, base_url=base_url + "/v1")

        def run(target: str, extra: dict[str, str]) -> int:
            with official.audio.speech.with_streaming_response.create(
                extra_headers=extra, **body
            ) as response:
                response.stream_to_file(target)
            return os.path.getsize(target)

    else:
        raise SystemExit(f"unknown variant {variant!r}; one of {VARIANTS}")

    warm = run(path, {"X-Bench-Bytes": str(WARMUP_BYTES)})
    if warm != WARMUP_BYTES:
        raise SystemExit(f"warm-up wrote {warm} bytes, not {WARMUP_BYTES}")
    os.remove(path)
    reset = _reset_peak()
    before = _status_kib("VmRSS")
    cpu0, wall0 = time.process_time(), time.perf_counter()
    written = run(path, {})
    cpu1, wall1 = time.process_time(), time.perf_counter()
    peak = _status_kib("VmHWM")
    os.remove(path)
    print(
        json.dumps(
            {
                "variant": variant,
                "bytes": written,
                "wall": wall1 - wall0,
                "cpu": cpu1 - cpu0,
                "rss_growth_mib": (peak - before) / 1024,
                "peak_reset": reset,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
