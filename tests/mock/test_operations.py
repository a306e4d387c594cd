"""Embeddings, images, speech, rerank and video: real, deterministic, request-derived answers."""

from __future__ import annotations

import base64
import io
import struct
import zlib
from typing import Any

import av
import numpy as np
import pytest
from starlette.testclient import TestClient

from mock_server import audio
from mock_server.text import count_tokens
from tests.mock.support import SPEECH_FORMATS
from tests.mock.test_audio import TOLERANCE, decode

# ------------------------------------------------------------------------------ embeddings


def embed(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/embeddings", json={"model": "text-embedding-3-small", **body})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def vectors(body: dict[str, Any]) -> list[np.ndarray]:
    out = []
    for item in body["data"]:
        value = item["embedding"]
        if isinstance(value, str):
            out.append(np.frombuffer(base64.b64decode(value), dtype="<f4"))
        else:
            out.append(np.array(value, dtype=np.float32))
    return out


def test_embeddings_are_deterministic_unit_vectors(client: TestClient) -> None:
    body = embed(client, input=["first document", "second document", ""])
    assert body["object"] == "list"
    assert body["model"] == "text-embedding-3-small"
    assert [d["index"] for d in body["data"]] == [0, 1, 2]
    assert all(d["object"] == "embedding" for d in body["data"])
    found = vectors(body)
    assert [len(v) for v in found] == [1536] * 3
    for vector in found:
        assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-5)
    assert vectors(embed(client, input=["first document"]))[0].tobytes() == found[0].tobytes()
    tokens = sum(count_tokens(t) for t in ["first document", "second document", ""])
    assert body["usage"] == {"prompt_tokens": tokens, "total_tokens": tokens}


def test_embeddings_reflect_shared_words(client: TestClient) -> None:
    a, b, c = vectors(
        embed(client, input=["the cat sat on the mat", "a cat on a mat", "stock prices fell"])
    )
    assert float(a @ b) > 0.3  # three shared words of five or six
    assert abs(float(a @ c)) < 0.2  # none shared


def test_dimensions_shorten_and_renormalise(client: TestClient) -> None:
    full = vectors(embed(client, input="hello world"))[0]
    short = vectors(embed(client, input="hello world", dimensions=256))[0]
    assert len(short) == 256
    assert float(np.linalg.norm(short)) == pytest.approx(1.0, abs=1e-5)
    expected = full[:256] / np.linalg.norm(full[:256])
    assert np.allclose(short, expected, atol=1e-6)
    large = vectors(embed(client, model="text-embedding-3-large", input="x", dimensions=65536))
    assert len(large[0]) == 3072  # dimensions only shortens: the native size at most


def test_base64_is_little_endian_float32_of_the_same_vector(client: TestClient) -> None:
    floats = embed(client, input=["x y", "z"], dimensions=64)
    encoded = embed(client, input=["x y", "z"], dimensions=64, encoding_format="base64")
    for plain, packed in zip(floats["data"], encoded["data"], strict=True):
        raw = base64.b64decode(packed["embedding"])
        assert len(raw) == 64 * 4
        # The JSON numbers are the shortest text of each float32: read back as float32, they
        # are exactly the base64 bytes.
        assert np.array(plain["embedding"], dtype="<f4").tobytes() == raw


def test_token_id_inputs(client: TestClient) -> None:
    one = embed(client, input=[1, 2, 3])
    many = embed(client, input=[[1, 2, 3], [4]])
    assert len(one["data"]) == 1
    assert len(many["data"]) == 2
    assert one["data"][0]["embedding"] == many["data"][0]["embedding"]
    assert many["usage"]["prompt_tokens"] == 4


# ------------------------------------------------------------------------------ images


def png_size(data: bytes) -> tuple[int, int]:
    """Check a PNG's structure (signature, chunk CRCs, inflatable data) and return its size."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat = 8, b""
    kinds = []
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        chunk = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + chunk) == crc
        kinds.append(kind)
        idat += chunk if kind == b"IDAT" else b""
        offset += 12 + length
    assert kinds[0] == b"IHDR"
    assert kinds[-1] == b"IEND"
    width, height = struct.unpack(">II", data[16:24])
    assert len(zlib.decompress(idat)) == height * (1 + 3 * width)
    return width, height


def decode_image(data: bytes) -> tuple[str, int, int]:
    with av.open(io.BytesIO(data), mode="r") as container:
        frame = next(container.decode(video=0))
        return container.format.name, frame.width, frame.height


def test_b64_json_images_are_real_pngs(client: TestClient) -> None:
    body: dict[str, Any] = {
        "model": "gpt-image-1",
        "prompt": "A minimal geometric fox",
        "response_format": "b64_json",
        "n": 3,
    }
    response = client.post("/v1/images/generations", json={**body, "size": "1024x512"})
    assert response.status_code == 200
    data = response.json()["data"]
    assert len(data) == 3
    images = [base64.b64decode(item["b64_json"]) for item in data]
    assert all(item["url"] is None for item in data)
    assert [png_size(image) for image in images] == [(256, 128)] * 3
    assert decode_image(images[0]) == ("png_pipe", 256, 128)
    assert len(set(images)) == 3  # one picture per index
    again = client.post("/v1/images/generations", json={**body, "size": "1024x512"}).json()
    assert again["data"] == data
    usage = response.json()["usage"]
    assert usage["output_tokens"] == 3 * 32 * 16
    assert usage["input_tokens"] == count_tokens(body["prompt"])


def test_url_images_are_served_by_the_mock(client: TestClient) -> None:
    response = client.post(
        "/v1/images/generations",
        json={"model": "m", "prompt": "fox", "response_format": "url", "size": "64x48"},
    )
    (item,) = response.json()["data"]
    assert item["b64_json"] is None
    url = item["url"]
    assert url.startswith("http://testserver/files/images/")
    assert url.endswith("-64x48.png")
    image = client.get(url, headers={"Authorization": ""})  # like a CDN link: no key needed
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert png_size(image.content) == (64, 48)
    assert client.get("/files/images/nope.png").status_code == 404
    assert client.get("/files/images/" + "0" * 32 + "-999x1.png").status_code == 404


@pytest.mark.parametrize(("fmt", "container"), [("jpeg", "jpeg_pipe"), ("webp", "webp_pipe")])
def test_output_format(client: TestClient, fmt: str, container: str) -> None:
    response = client.post(
        "/v1/images/generations",
        json={
            "model": "m",
            "prompt": "fox",
            "response_format": "b64_json",
            "output_format": fmt,
            "size": "auto",
        },
    )
    image = base64.b64decode(response.json()["data"][0]["b64_json"])
    assert decode_image(image) == (container, 256, 256)
    url = client.post(
        "/v1/images/generations", json={"model": "m", "prompt": "fox", "output_format": fmt}
    ).json()["data"][0]["url"]
    served = client.get(url)
    assert served.headers["content-type"] == f"image/{fmt}"
    assert decode_image(served.content)[0] == container


# ------------------------------------------------------------------------------ speech


@pytest.mark.parametrize("fmt", SPEECH_FORMATS)
def test_speech_is_real_audio_in_every_format(client: TestClient, fmt: str) -> None:
    text = "Hello from TokenMarket"
    response = client.post(
        "/v1/audio/speech",
        json={"model": "tts", "input": text, "voice": "alloy", "response_format": fmt},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == SPEECH_FORMATS[fmt]
    assert response.headers["x-tokenmarket-billing-unit"] == "character"
    assert response.headers["x-tokenmarket-billed-units"] == str(len(text))
    decoded = decode(response.content, fmt)
    expected = len(text) * audio.CHAR_SECONDS
    assert expected <= decoded.seconds + 0.001 <= expected + TOLERANCE.get(fmt, 0.01) + 0.001
    assert decoded.rms > 1_000


def test_speech_format_alias_and_default(client: TestClient) -> None:
    base = {"model": "tts", "input": "Hi", "voice": "alloy"}
    default = client.post("/v1/audio/speech", json=base)
    assert default.headers["content-type"] == "audio/mpeg"
    alias = client.post("/v1/audio/speech", json={**base, "format": "wav"})
    assert alias.headers["content-type"] == "audio/wav"
    both = client.post("/v1/audio/speech", json={**base, "format": "wav", "response_format": "pcm"})
    assert both.headers["content-type"] == "audio/pcm"


def test_speech_length_follows_input_and_speed(client: TestClient) -> None:
    def pcm(text: str, speed: float) -> int:
        body = {"model": "t", "input": text, "voice": "v", "response_format": "pcm", "speed": speed}
        return len(client.post("/v1/audio/speech", json=body).content)

    assert pcm("x" * 100, 1) == 2 * 24_000 * 6
    assert pcm("x" * 200, 1) == 2 * pcm("x" * 100, 1)
    assert pcm("x" * 100, 2) == pcm("x" * 100, 1) // 2


# ------------------------------------------------------------------------------ rerank


def test_rerank_public_example(client: TestClient) -> None:
    response = client.post(
        "/v1/rerank",
        json={
            "model": "gpt-rerank",
            "provider": "dataeyes",
            "query": "Which document is about TypeScript?",
            "documents": ["TypeScript guide", "Baking bread tutorial", "Marathon training"],
            "top_n": 2,
        },
    )
    body = response.json()
    assert body["model"] == "gpt-rerank"
    assert [r["index"] for r in body["results"]] == [0, 1]
    assert body["results"][0]["document"] == {"text": "TypeScript guide"}
    assert body["results"][0]["relevance_score"] > body["results"][1]["relevance_score"] == 0
    assert body["id"].startswith("rerank-")
    assert body["usage"]["total_tokens"] > 0


def test_rerank_sorts_by_overlap_and_honours_options(client: TestClient) -> None:
    documents = ["red car", {"text": "blue car fast"}, "fast red car", "nothing here"]
    body = client.post(
        "/v1/rerank",
        json={"model": "r", "query": "fast red car", "documents": documents, "top_n": 99},
    ).json()
    scores = [r["relevance_score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)
    assert [r["index"] for r in body["results"]] == [2, 0, 1, 3]
    assert body["results"][0]["relevance_score"] == 1.0
    hidden = client.post(
        "/v1/rerank",
        json={"model": "r", "query": "car", "documents": documents, "return_documents": False},
    ).json()
    assert all("document" not in r for r in hidden["results"])


# ------------------------------------------------------------------------------ video


def test_video_task_payload(client: TestClient) -> None:
    request = {"model": "kling-v1", "prompt": "A paper plane", "size": "1280x720"}
    body = client.post("/v1/video/generations", json=request).json()
    assert body["id"].startswith("video_")
    assert body["task_id"] == body["id"]
    assert body["status"] == "queued"
    assert body["progress"] == 0
    assert body["seconds"] == "5"
    assert body["size"] == "1280x720"
    assert body["completed_at"] is None
    assert body["error"] is None
    assert client.post("/v1/video/generations", json=request).json() == body
    timed = client.post("/v1/video/generations", json={**request, "seconds": 8, "duration": 3})
    assert timed.json()["seconds"] == "8"
    alias = client.post("/v1/video/generations", json={**request, "duration": "3"})
    assert alias.json()["seconds"] == "3"
    assert alias.headers["x-tokenmarket-billing-unit"] == "task"
    assert alias.headers["x-tokenmarket-cost"] == "0.03000000"
