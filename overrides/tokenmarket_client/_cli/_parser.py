"""The command line of `tokenmarket`, with the standard library's argparse.

argparse was chosen by measurement (fresh processes, `--help` of an eight-command CLI, this
machine, 2026-12): argparse 24 ms, click 81 ms, typer 340 ms, cyclopts 376 ms, against 292 ms
for `python -c "import httpx"`; typer and cyclopts alone would exceed the budget of 2x httpx
once the client is imported. Nothing here imports the client: `--help` stays cheap.

The default models are the ones the public doc's examples use; `--model` picks another.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from . import _api

CHECK_MODEL = "DeepSeek-V4-pro"
CHECK_PROVIDER = "dataeyes"
DEFAULT_MODELS = {
    "chat": CHECK_MODEL,
    "embeddings": "text-embedding-3-large",
    "images": "gpt-image-1",
    "speech": "gpt-4o-mini-tts",
    "rerank": "gpt-rerank",
    "video": "kling-v1",
}
DEFAULT_VOICE = "alloy"

DESCRIPTION = """\
The TokenMarket API from a terminal. The key comes from TOKENMARKET_API_KEY; the base URL from
--base-url, else TOKENMARKET_BASE_URL, else https://cloud.hopegate.ai/api.

exit status: 0 success, 1 an API, connection or file error, 2 a usage error, 130 interrupted.
"""

EPILOG = """\
examples:
  tokenmarket check
  tokenmarket chat "Write a haiku about rivers"
  echo "Summarise this" | tokenmarket chat - --no-stream
  tokenmarket speech "Hello from TokenMarket" --out hello.mp3
  tokenmarket api rerank.create --data '{"model": "gpt-rerank", "query": "q", "documents": ["a"]}'
"""


class _Version(argparse.Action):
    """`--version`: the installed distribution's version, looked up only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("tokenmarket-client")
        except PackageNotFoundError:
            found = "unknown (not installed as a distribution)"
        print(f"tokenmarket {found}")
        parser.exit()


def _common(*, suppress: bool) -> argparse.ArgumentParser:
    """The options every command takes, before or after the command name.

    The copy given to the sub-commands has SUPPRESS defaults, so that an option given before
    the command is not reset by the sub-command's default.
    """
    default = argparse.SUPPRESS if suppress else None
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("connection options")
    group.add_argument("--base-url", default=default, metavar="URL", help="the API's base URL")
    group.add_argument(
        "--timeout", type=float, default=default, metavar="SECONDS", help="per-request timeout"
    )
    group.add_argument(
        "--max-retries",
        type=int,
        default=default,
        metavar="N",
        help="retries after the first attempt (default 2)",
    )
    group.add_argument(
        "--header",
        action="append",
        default=default,
        metavar="'NAME: VALUE'",
        help="a header to send with the request (repeatable)",
    )
    group.add_argument(
        "--api-key",
        default=default,
        metavar="KEY",
        help="the key (lands in shell history: prefer TOKENMARKET_API_KEY)",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="show tracebacks and the client's log",
    )
    return common


def _model(parser: argparse.ArgumentParser, command: str) -> None:
    parser.add_argument(
        "--model", default=DEFAULT_MODELS[command], help=f"default {DEFAULT_MODELS[command]}"
    )
    parser.add_argument("--provider", help="the upstream route, e.g. dataeyes")


def _json(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--json", action="store_true", help=f"print the {what} as JSON")


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The whole parser; `argv` only decides whether `api --help` lists the methods."""
    parser = argparse.ArgumentParser(
        prog="tokenmarket",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_common(suppress=False)],
    )
    parser.add_argument("--version", action=_Version)
    parents = [_common(suppress=True)]
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check",
        parents=parents,
        help="verify the key and connectivity (one minimal chat request)",
        description="Send the public doc's connectivity check: one minimal chat request "
        '("Reply with only OK."). Prints the reply, the model, the request id, the latency '
        "and the billed cost.",
    )
    check.add_argument("--model", default=CHECK_MODEL, help=f"default {CHECK_MODEL}")
    check.add_argument("--provider", default=CHECK_PROVIDER, help=f"default {CHECK_PROVIDER}")

    chat = commands.add_parser(
        "chat",
        parents=parents,
        help="send a prompt and stream the reply",
        description="Send PROMPT (`-` reads it from standard input) and stream the reply.",
    )
    chat.add_argument("prompt", metavar="PROMPT", help="the message, or - for standard input")
    _model(chat, "chat")
    chat.add_argument("--system", help="a system message sent before the prompt")
    chat.add_argument("--temperature", type=float)
    chat.add_argument("--max-tokens", type=int, metavar="N")
    chat.add_argument("--no-stream", action="store_true", help="wait for the whole reply")
    _json(chat, "whole completion (implies --no-stream)")

    embeddings = commands.add_parser(
        "embeddings",
        parents=parents,
        help="embed texts: dimensions and first values",
        description="Embed each TEXT; print its dimensions and first values.",
    )
    embeddings.add_argument("texts", nargs="+", metavar="TEXT")
    _model(embeddings, "embeddings")
    embeddings.add_argument("--dimensions", type=int, metavar="N")
    _json(embeddings, "whole response")

    images = commands.add_parser(
        "images",
        parents=parents,
        help="generate images into files",
        description="Generate images from PROMPT into --out (numbered files when --n > 1).",
    )
    images.add_argument("prompt", metavar="PROMPT", help="what to draw, or - for standard input")
    images.add_argument("--out", required=True, metavar="FILE", help="where to write the image")
    _model(images, "images")
    images.add_argument("--size", help="WIDTHxHEIGHT, e.g. 1024x1024, or auto")
    images.add_argument("--n", type=int, default=1, help="how many images (default 1)")
    images.add_argument("--quality")
    images.add_argument(
        "--response-format",
        default="b64_json",
        help="b64_json (the bytes in the answer, default) or url (links, downloaded)",
    )

    speech = commands.add_parser(
        "speech",
        parents=parents,
        help="text to speech, streamed into a file",
        description="Speak TEXT into --out as the audio arrives (progress shown on a terminal). "
        "The format follows the file's extension unless --format says otherwise.",
    )
    speech.add_argument("text", metavar="TEXT", help="what to say, or - for standard input")
    speech.add_argument("--out", required=True, metavar="FILE", help="where to write the audio")
    _model(speech, "speech")
    speech.add_argument("--voice", default=DEFAULT_VOICE, help=f"default {DEFAULT_VOICE}")
    speech.add_argument("--format", help="the audio format (default: the file's extension)")
    speech.add_argument("--speed", type=float)

    rerank = commands.add_parser(
        "rerank",
        parents=parents,
        help="rank documents against a query",
        description="Rank each DOC against --query; print rank, index, score and document.",
    )
    rerank.add_argument("documents", nargs="+", metavar="DOC")
    rerank.add_argument("--query", required=True)
    _model(rerank, "rerank")
    rerank.add_argument("--top-n", type=int, metavar="N")
    _json(rerank, "whole response")

    video = commands.add_parser(
        "video",
        parents=parents,
        help="start a video generation task",
        description="Start a video generation task for PROMPT; print its id and status.",
    )
    video.add_argument("prompt", metavar="PROMPT", help="what the video shows, or -")
    _model(video, "video")
    video.add_argument("--size", help="WIDTHxHEIGHT, e.g. 1280x720")
    video.add_argument("--seconds", help="the length in seconds")
    _json(video, "whole task")

    api = commands.add_parser(
        "api",
        parents=parents,
        help="call any method of the client by its dotted name",
        description="Call METHOD of the client (e.g. rerank.create) with the fields of --data "
        "as keyword arguments and print the result as JSON (a stream as one JSON line per "
        "chunk; a binary result into --out or a redirected standard output).",
        epilog=_api.epilog(argv),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    api.add_argument("method", nargs="?", metavar="METHOD", help="e.g. chat.completions.create")
    api.add_argument(
        "--data",
        default="{}",
        metavar="JSON",
        help="the keyword arguments: a JSON object, @FILE, or @- for standard input",
    )
    api.add_argument("--out", metavar="FILE", help="where to write a binary result")
    api.add_argument("--list", action="store_true", help="list the methods and exit")
    return parser
