"""What the opt-in contract check costs: off (the default) against on, for a call and a stream.

Off, the only work the check adds to a call is one `is None` test (`_base_client`); that test
is timed on its own and given in the section's notes. On (`contract_check="warn"`), every
answer is also validated with jsonschema against the spec's schema, and every event of a
stream too: the rows show what that adds to a chat call (mock) and to a 1,000-chunk stream
(replay server). `ours, contract_check off` is the same client as the `chat` and `stream`
sections' `tokenmarket_client`.
"""

from __future__ import annotations

import timeit
import warnings
from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING, Final

from tokenmarket_client import ContractDriftWarning, TokenMarket

from bench import payloads
from bench.stats import Plan, Section, Variant, measure

if TYPE_CHECKING:
    from bench.__main__ import Bench

OFF: Final = "tokenmarket_client, contract_check off"
WARN: Final = "tokenmarket_client, contract_check='warn'"


def off_cost_ns() -> float:
    """Nanoseconds of the one test a call makes when the check is off (best of 5 runs)."""
    client = TokenMarket(api_key="bench-key")
    try:
        timer = timeit.Timer("client._contract is None", globals={"client": client})
        runs = [timer.timeit(1_000_000) for _ in range(5)]
    finally:
        client.close()
    return min(runs) * 1e9 / 1_000_000


def _clients(base_url: str, token: str, stack: ExitStack) -> tuple[TokenMarket, TokenMarket]:
    off = stack.enter_context(TokenMarket(api_key=token, base_url=base_url))
    return off, off.copy(contract_check="warn")


def _no_drift() -> None:
    # The mock and the replay server conform: any warning means the numbers are not comparable.
    warnings.simplefilter("error", ContractDriftWarning)


def chat(base_url: str, token: str, stack: ExitStack) -> list[Variant]:
    """A non-streamed chat call against the mock, check off and on."""
    _no_drift()
    body = payloads.chat_body()
    off, on = _clients(base_url, token, stack)

    def call(client: TokenMarket) -> Callable[[], object]:
        return lambda: client.chat.completions.create(
            model=body["model"], messages=body["messages"]
        )

    return [Variant(OFF, call(off)), Variant(WARN, call(on))]


def stream(base_url: str, token: str, stack: ExitStack) -> list[Variant]:
    """The replay server's 1,000-chunk stream, every chunk read, check off and on."""
    _no_drift()
    body = payloads.stream_body()
    off, on = _clients(base_url, token, stack)

    def read(client: TokenMarket) -> Callable[[], int]:
        def run() -> int:
            stream = client.chat.completions.create(
                model=body["model"], messages=body["messages"], stream=True
            )
            return sum(1 for _ in stream)

        return run

    for client in (off, on):
        if read(client)() != payloads.STREAM_CHUNKS:
            raise RuntimeError("bench: the contract stream variants read a different stream")
    return [Variant(OFF, read(off)), Variant(WARN, read(on))]


def sections(bench: Bench, mock: str, replay: str) -> None:
    """The `contract` and `contract-stream` sections (in `bench.__main__.SECTIONS`)."""
    s = bench.settings

    def run(section: Section, factory: Callable[..., list[Variant]], url: str, plan: Plan) -> None:
        with ExitStack() as stack, warnings.catch_warnings():
            section.rows += measure(factory(url, bench.token, stack), plan, section.unit[:2])
        section.notes.append(f"off, a call adds one `is None` test: {off_cost_ns():.0f} ns")

    bench.section(
        "contract",
        "contract check, chat call",
        "us/call",
        lambda sec: run(sec, chat, mock, s.chat),
        baseline=OFF,
        server="mock",
    )
    bench.section(
        "contract-stream",
        "contract check, stream of 1,000 SSE chunks",
        "ms/stream",
        lambda sec: run(sec, stream, replay, s.stream),
        baseline=OFF,
        server="replay",
    )
