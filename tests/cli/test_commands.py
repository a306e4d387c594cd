"""Every sub-command of the installed `tokenmarket`, against the mock, as a user runs it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .conftest import PNG_SIGNATURE, Runner, is_mp3


def test_check_prints_reply_model_request_id_latency_and_cost(tokenmarket: Runner) -> None:
    done = tokenmarket("check")
    assert done.returncode == 0, done.stderr
    fields = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in done.stdout.splitlines())
    assert fields["reply"] == "OK"
    assert fields["model"] == "DeepSeek-V4-pro"
    assert re.fullmatch(r"req_\w+", fields["request id"])
    assert re.fullmatch(r"\d+ ms", fields["latency"])
    assert re.fullmatch(r"\$\d+\.\d+ \(\d+ tokens\)", fields["cost"])
    assert done.stderr == ""


def test_python_dash_m_runs_the_same_command(tokenmarket: Runner) -> None:
    import subprocess
    import sys

    from .conftest import environment

    done = subprocess.run(
        [sys.executable, "-m", "tokenmarket_client", "check"],
        env=environment(tokenmarket.mock),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("reply       OK\n")


def test_chat_streams_the_reply(tokenmarket: Runner) -> None:
    done = tokenmarket("chat", "hello there")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Mock reply to: hello there\n"


def test_chat_without_streaming_with_system_temperature_and_provider(tokenmarket: Runner) -> None:
    done = tokenmarket(
        "chat", "hi", "--no-stream", "--system", "Be brief.", "--temperature", "0.2",
        "--provider", "dataeyes", "--model", "some-model",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Mock reply to: hi\n"


def test_chat_max_tokens_shortens_the_reply(tokenmarket: Runner) -> None:
    long = tokenmarket("chat", "one two three four five six")
    short = tokenmarket("chat", "one two three four five six", "--max-tokens", "3")
    assert long.returncode == short.returncode == 0
    assert len(short.stdout.split()) < len(long.stdout.split())


def test_chat_json_prints_the_whole_completion(tokenmarket: Runner) -> None:
    done = tokenmarket("chat", "hi", "--json")
    assert done.returncode == 0, done.stderr
    completion = json.loads(done.stdout)
    assert completion["object"] == "chat.completion"
    assert completion["choices"][0]["message"]["content"] == "Mock reply to: hi"
    assert completion["usage"]["total_tokens"] > 0


def test_chat_reads_the_prompt_from_standard_input(tokenmarket: Runner) -> None:
    done = tokenmarket("chat", "-", input="from a pipe\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Mock reply to: from a pipe\n"


def test_embeddings_summary_and_json(tokenmarket: Runner) -> None:
    done = tokenmarket("embeddings", "first", "second text")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    assert re.match(r"\[0\] 3072 dimensions  \[(-?\d\.\d{4}, ){4}\.\.\.\]  'first'", lines[0])
    assert lines[1].startswith("[1] 3072 dimensions")
    as_json = json.loads(tokenmarket("embeddings", "x", "--dimensions", "8", "--json").stdout)
    assert len(as_json["data"][0]["embedding"]) == 8


def test_images_writes_png_bytes(tokenmarket: Runner) -> None:
    done = tokenmarket("images", "a fox", "--out", "fox.png", "--size", "512x512")
    assert done.returncode == 0, done.stderr
    data = (tokenmarket.cwd / "fox.png").read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert done.stdout.startswith("wrote fox.png (")


def test_images_n_writes_numbered_files(tokenmarket: Runner) -> None:
    done = tokenmarket("images", "a fox", "--out", "fox.png", "--n", "3")
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in tokenmarket.cwd.iterdir())
    assert names == ["fox-1.png", "fox-2.png", "fox-3.png"]
    assert all((tokenmarket.cwd / n).read_bytes().startswith(PNG_SIGNATURE) for n in names)


def test_images_downloads_a_returned_url(tokenmarket: Runner) -> None:
    done = tokenmarket("images", "a fox", "--out", "fox.png", "--response-format", "url")
    assert done.returncode == 0, done.stderr
    assert (tokenmarket.cwd / "fox.png").read_bytes().startswith(PNG_SIGNATURE)


def test_images_format_follows_the_extension(tokenmarket: Runner) -> None:
    done = tokenmarket("images", "a fox", "--out", "fox.webp")
    assert done.returncode == 0, done.stderr
    data = (tokenmarket.cwd / "fox.webp").read_bytes()
    assert data[:4] == b"RIFF"
    assert data[8:12] == b"WEBP"


def test_speech_writes_mp3_bytes_without_progress_off_a_terminal(tokenmarket: Runner) -> None:
    done = tokenmarket("speech", "Hello from TokenMarket", "--out", "hello.mp3")
    assert done.returncode == 0, done.stderr
    assert is_mp3((tokenmarket.cwd / "hello.mp3").read_bytes())
    assert re.fullmatch(r"wrote hello\.mp3 \([\d.]+ KiB, audio/mpeg\)\n", done.stdout)
    assert done.stderr == "", "no progress display when standard error is not a terminal"
    assert [p.name for p in tokenmarket.cwd.iterdir()] == ["hello.mp3"], "no partial file left"


def test_speech_format_from_extension_or_format_option(tokenmarket: Runner) -> None:
    wav = tokenmarket("speech", "Hello", "--out", "hello.wav")
    assert wav.returncode == 0, wav.stderr
    data = (tokenmarket.cwd / "hello.wav").read_bytes()
    assert data[:4] == b"RIFF"
    assert data[8:12] == b"WAVE"
    forced = tokenmarket("speech", "Hello", "--out", "hello.audio", "--format", "mp3")
    assert forced.returncode == 0, forced.stderr
    assert is_mp3((tokenmarket.cwd / "hello.audio").read_bytes())


def test_rerank_prints_a_table(tokenmarket: Runner) -> None:
    docs = ["TypeScript guide", "Baking bread tutorial", "Marathon training"]
    done = tokenmarket("rerank", "--query", "Which is about TypeScript?", *docs, "--top-n", "2")
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.splitlines()
    assert header.split() == ["rank", "index", "score", "document"]
    assert len(rows) == 2
    rank, index, score, document = re.split(r"\s{2,}", rows[0])
    assert (rank, index, document) == ("1", "0", "TypeScript guide")
    assert 0.0 <= float(score) <= 1.0
    as_json = json.loads(tokenmarket("rerank", "--query", "q", "a", "b", "--json").stdout)
    assert {r["index"] for r in as_json["results"]} == {0, 1}


def test_video_prints_task_id_and_status(tokenmarket: Runner) -> None:
    done = tokenmarket("video", "A paper plane", "--size", "1280x720", "--seconds", "4")
    assert done.returncode == 0, done.stderr
    fields = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in done.stdout.splitlines())
    assert fields["task id"]
    assert fields["status"] == "queued"
    assert json.loads(tokenmarket("video", "x", "--json").stdout)["status"] == "queued"


def test_options_after_or_before_the_command(tokenmarket: Runner, tmp_path: Path) -> None:
    before = tokenmarket("--base-url", tokenmarket.mock.url, "--timeout", "30", "check")
    after = tokenmarket("check", "--max-retries", "0", "--base-url", tokenmarket.mock.url)
    assert before.returncode == after.returncode == 0, before.stderr + after.stderr


def test_help_lists_every_command(tokenmarket: Runner) -> None:
    done = tokenmarket("--help")
    assert done.returncode == 0
    for command in ("check", "chat", "embeddings", "images", "speech", "rerank", "video", "api"):
        assert re.search(rf"^\s+{command}\s", done.stdout, re.MULTILINE), command


def test_version_is_the_installed_distribution(tokenmarket: Runner) -> None:
    from importlib.metadata import version

    done = tokenmarket("--version")
    assert done.returncode == 0
    assert done.stdout == f"tokenmarket {version('tokenmarket-client')}\n"
