"""The embedded TokenMarket mock gateway: answers exactly what openapi.yaml promises.

Run it with ``python -m mock_server --port 8080`` (or ``nox -s mock``), or build the ASGI app
in-process with :func:`create_app`. It accepts the development key :data:`DEV_TOKEN`
(``tm-mock-dev-key``) unless keys are given with ``--token`` or ``TOKENMARKET_MOCK_TOKENS``.

* Requests are validated with the pydantic models generated from the spec, in strict mode,
  so what the spec forbids gets 400 ``REQUEST_001`` naming the field and what it allows is
  answered (:mod:`mock_server.validation`).
* Answers are deterministic functions of the request: chat (:mod:`mock_server.chat`, with
  SSE streaming), embeddings, images, speech (real audio in six formats), rerank and video.
* Every response has an ``x-request-id``; successes have billing and quota headers.
* ``X-Mock-Fault`` injects upstream-style failures for client tests
  (:mod:`mock_server.faults`); it is a mock-only hook, deliberately absent from the spec.
"""

from __future__ import annotations

from mock_server.app import MAX_BODY_BYTES, create_app
from mock_server.auth import DEV_TOKEN, ENV_VAR

__all__ = ["DEV_TOKEN", "ENV_VAR", "MAX_BODY_BYTES", "create_app"]
