"""The commands: each one call of the client's public surface, its result printed or written.

Only the fields the command line gives are sent, so the server's defaults apply to the rest.
The allowed audio and image formats are read from the request TypedDicts generated from the
spec (`tokenmarket_client.params`), not listed here.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import shutil
import sys
import time
import typing
from array import array
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from . import _api
from ._errors import SUCCESS, CommandError, UsageError
from ._output import Progress, size, table, to_json, value

if TYPE_CHECKING:
    from .._client import TokenMarket

CHECK_PROMPT: Final = "Reply with only OK."
"""The public doc's connectivity check."""
PREVIEW_VALUES: Final = 4
EXTENSION_ALIASES: Final = {"jpg": "jpeg"}


# -- arguments --------------------------------------------------------------------------------


def _fields(**fields: object) -> dict[str, Any]:
    """The fields that were given (None and "" mean: not sent, the server's default)."""
    return {name: v for name, v in fields.items() if v is not None and v != ""}


def _text(argument: str, what: str) -> str:
    """A text argument; `-` reads standard input."""
    text = sys.stdin.read() if argument == "-" else argument
    if not text.strip():
        raise UsageError(f"the {what} is empty")
    return text.rstrip("\n") if argument == "-" else text


def literal_values(request: str, field: str) -> tuple[str, ...] | None:
    """The values the spec allows for `field` of the request TypedDict `request`, if known."""
    try:
        from .. import params

        hint = typing.get_type_hints(getattr(params, request)).get(field)
    except Exception:  # an older or newer package: let the server judge
        return None
    found: list[str] = []

    def collect(node: object) -> None:
        if typing.get_origin(node) is typing.Literal:
            found.extend(str(v) for v in typing.get_args(node))
        else:
            for inner in typing.get_args(node):
                collect(inner)

    collect(hint)
    return tuple(found) or None


def _writable(out: str) -> Path:
    """`--out`, checked before anything is sent: its directory exists, it is not one."""
    path = Path(out)
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"--out {out}: the directory {str(parent)!r} does not exist")
    if path.is_dir():
        raise UsageError(f"--out {out} is a directory; name a file")
    return path


def _format_from(path: Path, given: str | None, allowed: tuple[str, ...] | None, what: str) -> str:
    """The format `--format` names, else the file's extension; checked against the spec."""
    extension = path.suffix.lower().lstrip(".")
    chosen = given or EXTENSION_ALIASES.get(extension, extension)
    if allowed is None:
        if not chosen:
            raise UsageError(f"cannot tell the {what} format from {str(path)!r}: pass --format")
        return chosen
    if chosen not in allowed:
        choices = ", ".join(allowed)
        if given:
            raise UsageError(f"--format {given}: not one of {choices}")
        raise UsageError(
            f"cannot tell the {what} format from {str(path)!r}: pass --format (one of {choices})"
        )
    return chosen


def check_usage(args: argparse.Namespace) -> None:
    """Everything about the command line that can be wrong, found before a request is sent."""
    command = args.command
    if command in ("chat", "images", "video"):
        args.prompt = _text(args.prompt, "prompt")
    if command == "speech":
        args.text = _text(args.text, "text")
        args.out_path = _writable(args.out)
        allowed = literal_values("CreateSpeechRequest", "response_format")
        args.audio_format = _format_from(args.out_path, args.format, allowed, "audio")
    if command == "images":
        if args.n < 1:
            raise UsageError("--n must be 1 or more")
        args.out_path = _writable(args.out)
        extension = args.out_path.suffix.lower().lstrip(".")
        allowed = literal_values("CreateImageRequest", "output_format") or ()
        chosen = EXTENSION_ALIASES.get(extension, extension)
        # PNG is what every image model answers by default: ask only for another format.
        args.image_format = chosen if chosen in allowed and chosen != "png" else None
    if command == "api":
        args.api_data = _api.load_data(args.data)
        args.out_path = _writable(args.out) if args.out else None


# -- files ------------------------------------------------------------------------------------


def write_atomically(path: Path, pieces: Iterable[bytes], progress: Progress | None = None) -> int:
    """Write `pieces` to `path` through a temporary file beside it, renamed at the end.

    A failed or interrupted write leaves no half file under the asked name.
    """
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    written = 0
    try:
        with partial.open("wb") as file:
            for piece in pieces:
                file.write(piece)
                written += len(piece)
                if progress is not None:
                    progress.add(len(piece))
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        if progress is not None:
            progress.clear()
    return written


def numbered(path: Path, count: int) -> list[Path]:
    """`path` itself for one file; `name-1.ext`, `name-2.ext`, ... for several."""
    if count == 1:
        return [path]
    return [path.with_name(f"{path.stem}-{i}{path.suffix}") for i in range(1, count + 1)]


def _download(url: str, path: Path, timeout: object) -> int:
    """GET `url` (no API key: a link is fetched as it is) into `path` as it arrives."""
    import httpx

    if not url.startswith(("https://", "http://")):
        raise CommandError(f"the image link is not an http(s) URL: {url[:80]!r}")
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True) as http,  # type: ignore[arg-type]
            http.stream("GET", url) as response,
        ):
            if response.status_code >= 300:
                raise CommandError(f"downloading {url}: HTTP {response.status_code}")
            return write_atomically(path, response.iter_bytes())
    except httpx.HTTPError as exc:
        raise CommandError(f"downloading {url} failed: {type(exc).__name__}: {exc}") from exc


# -- commands ---------------------------------------------------------------------------------


def _print_pairs(pairs: list[tuple[str, str]]) -> None:
    width = max(len(name) for name, _ in pairs)
    for name, text in pairs:
        print(f"{name:<{width}}  {text}")


def _cost(result: object) -> str:
    billing = getattr(result, "billing", None)
    cost = getattr(billing, "cost", None)
    if cost is None:
        return "not reported"
    units = getattr(billing, "billed_units", None)
    unit = getattr(billing, "billing_unit", None)
    billed = f" ({units} {unit}{'s' if units != 1 and unit else ''})" if units is not None else ""
    return f"${cost}{billed}"


def _reply(completion: object) -> str:
    choices = value(completion, "choices") or []
    message = value(choices[0], "message") if choices else None
    content = value(message, "content")
    return content if isinstance(content, str) else ""


def check(client: TokenMarket, args: argparse.Namespace) -> int:
    """The public doc's connectivity check: one minimal chat request, and what it tells."""
    params = _fields(model=args.model, provider=args.provider)
    started = time.perf_counter()
    completion = client.chat.completions.create(
        messages=[{"role": "user", "content": CHECK_PROMPT}], stream=False, **params
    )
    latency = time.perf_counter() - started
    _print_pairs(
        [
            ("reply", _reply(completion).strip() or "(empty)"),
            ("model", str(value(completion, "model"))),
            ("request id", str(getattr(completion, "request_id", None) or "not reported")),
            ("latency", f"{latency * 1000:.0f} ms"),
            ("cost", _cost(completion)),
        ]
    )
    return SUCCESS


def chat(client: TokenMarket, args: argparse.Namespace) -> int:
    """Send the prompt; stream the reply to standard output as it arrives."""
    messages: list[Any] = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    messages.append({"role": "user", "content": args.prompt})
    params = _fields(
        model=args.model,
        provider=args.provider,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
    )
    create: Callable[..., Any] = client.chat.completions.create
    if args.json or args.no_stream:
        completion = create(messages=messages, **params)
        print(to_json(completion) if args.json else _reply(completion))
        return SUCCESS
    ended_with_newline = True
    try:
        with _closing(create(messages=messages, stream=True, **params)) as stream:
            for text in _deltas(stream):
                sys.stdout.write(text)
                sys.stdout.flush()
                ended_with_newline = text.endswith("\n")
    finally:
        # Also on an error or Ctrl-C mid-reply: the message that follows starts a line.
        if not ended_with_newline:
            sys.stdout.write("\n")
            sys.stdout.flush()
    return SUCCESS


def _closing(stream: Any) -> Any:  # noqa: ANN401 (a stream of any item type)
    """The stream as a context manager that closes its connection, whatever its class."""
    if hasattr(stream, "__enter__"):
        return stream
    return (
        contextlib.closing(stream) if hasattr(stream, "close") else contextlib.nullcontext(stream)
    )


def _deltas(stream: Iterable[object]) -> Iterator[str]:
    for chunk in stream:
        for choice in value(chunk, "choices") or []:
            text = value(value(choice, "delta"), "content")
            if isinstance(text, str) and text:
                yield text


def _vector(embedding: object) -> list[float]:
    if isinstance(embedding, str):  # base64 of little-endian float32 values
        values = array("f")
        values.frombytes(base64.b64decode(embedding))
        if sys.byteorder == "big":
            values.byteswap()
        return values.tolist()
    return list(typing.cast(Iterable[float], embedding or []))


def embeddings(client: TokenMarket, args: argparse.Namespace) -> int:
    """Embed the texts; a line per text (dimensions, first values), or the JSON."""
    params = _fields(model=args.model, provider=args.provider, dimensions=args.dimensions)
    result = client.embeddings.create(input=list(args.texts), **params)
    if args.json:
        print(to_json(result))
        return SUCCESS
    items = sorted(value(result, "data") or [], key=lambda item: value(item, "index") or 0)
    for position, (text, item) in enumerate(zip(args.texts, items, strict=False)):
        vector = _vector(value(item, "embedding"))
        first = ", ".join(f"{v:.4f}" for v in vector[:PREVIEW_VALUES])
        more = ", ..." if len(vector) > PREVIEW_VALUES else ""
        label = text if len(text) <= 40 else text[:39] + "…"
        print(f"[{position}] {len(vector)} dimensions  [{first}{more}]  {label!r}")
    return SUCCESS


def images(client: TokenMarket, args: argparse.Namespace) -> int:
    """Generate images; write each to a file (decoded from b64_json, or downloaded)."""
    params = _fields(
        model=args.model,
        provider=args.provider,
        size=args.size,
        n=args.n if args.n != 1 else None,
        quality=args.quality,
        response_format=args.response_format,
        output_format=args.image_format,
    )
    result = client.images.generate(prompt=args.prompt, **params)
    data = value(result, "data") or []
    if not data:
        raise CommandError(
            f"the answer has no images (request id {getattr(result, 'request_id', None)})"
        )
    for item, path in zip(data, numbered(args.out_path, len(data)), strict=True):
        encoded = value(item, "b64_json")
        link = value(item, "url")
        if encoded:
            written = write_atomically(path, [base64.b64decode(encoded)])
        elif link:
            written = _download(link, path, client.timeout)
        else:
            raise CommandError("an image in the answer has neither b64_json nor url")
        print(f"wrote {path} ({size(written)})")
    return SUCCESS


def speech(client: TokenMarket, args: argparse.Namespace) -> int:
    """Speak the text into the file as the audio arrives, with a progress line on a terminal."""
    params = _fields(
        model=args.model,
        provider=args.provider,
        voice=args.voice,
        speed=args.speed,
        response_format=args.audio_format,
    )
    path: Path = args.out_path
    progress = Progress(str(path))
    with client.audio.speech.with_streaming_response.create(input=args.text, **params) as audio:
        written = write_atomically(path, audio.iter_bytes(), progress)
        kind = audio.content_type
    print(f"wrote {path} ({size(written)}, {kind})")
    return SUCCESS


def rerank(client: TokenMarket, args: argparse.Namespace) -> int:
    """Rank the documents; print a table of rank, index, score and document."""
    params = _fields(model=args.model, provider=args.provider, top_n=args.top_n)
    result = client.rerank.create(query=args.query, documents=list(args.documents), **params)
    if args.json:
        print(to_json(result))
        return SUCCESS
    rows = []
    for rank, item in enumerate(value(result, "results") or [], start=1):
        index = value(item, "index")
        if isinstance(index, int) and 0 <= index < len(args.documents):
            document = args.documents[index]
        else:
            document = str(value(value(item, "document"), "text") or "")
        score = value(item, "relevance_score")
        rows.append([str(rank), str(index), f"{score:.4f}" if score is not None else "", document])
    width = shutil.get_terminal_size((100, 24)).columns
    print(table(["rank", "index", "score", "document"], rows, width=width))
    return SUCCESS


def video(client: TokenMarket, args: argparse.Namespace) -> int:
    """Start a video generation task; print its id and status."""
    params = _fields(model=args.model, provider=args.provider, size=args.size)
    if args.seconds:
        params["seconds"] = args.seconds
    task = client.video.generations.create(prompt=args.prompt, **params)
    if args.json:
        print(to_json(task))
        return SUCCESS
    _print_pairs(
        [
            ("task id", str(value(task, "task_id") or value(task, "id"))),
            ("status", str(value(task, "status"))),
        ]
    )
    return SUCCESS


def api(client: TokenMarket, args: argparse.Namespace) -> int:
    """Any method by its dotted name; the result as JSON (a stream: a JSON line per chunk)."""
    result = _api.bound(client, args.method, args.api_data)()
    if hasattr(result, "iter_bytes") and hasattr(result, "content_type"):
        return _binary(result, args.out_path)
    if isinstance(result, Iterator):
        with _closing(result) as stream:
            for chunk in stream:
                print(to_json(chunk, indent=None), flush=True)
        return SUCCESS
    print(to_json(result))
    return SUCCESS


def _binary(result: Any, path: Path | None) -> int:  # noqa: ANN401 (a binary response)
    if path is not None:
        written = write_atomically(path, result.iter_bytes())
        print(f"wrote {path} ({size(written)}, {result.content_type})")
        return SUCCESS
    if sys.stdout.isatty():
        raise UsageError("the result is binary: pass --out FILE, or redirect standard output")
    out = sys.stdout.buffer
    for piece in result.iter_bytes():
        out.write(piece)
    out.flush()
    return SUCCESS


COMMANDS: Final[dict[str, Callable[[TokenMarket, argparse.Namespace], int]]] = {
    "check": check,
    "chat": chat,
    "embeddings": embeddings,
    "images": images,
    "speech": speech,
    "rerank": rerank,
    "video": video,
    "api": api,
}
