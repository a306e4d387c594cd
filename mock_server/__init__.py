"""The embedded TokenMarket mock gateway: answers exactly what openapi.yaml promises.

Run it with ``python -m mock_server --port 8080`` (or ``nox -s mock``), or build the ASGI app
in-process with :func:`create_app`. It accepts the development key :data:`DEV_TOKEN`
(``tm-mock-dev-key``) unless keys are given with ``--token`` or ``TOKENMARKET_MOCK_TOKENS``.

* Every operation of the spec is served: routes and request schemas come from openapi.yaml
  through :mod:`generator.spec` (:mod:`mock_server.operations`); hand-written handlers are
  registered by operationId (:mod:`mock_server.registry`), and an operation without one is
  answered from the spec alone (:mod:`mock_server.spec_answers`).
* Requests are validated with the pydantic models generated from the spec, in strict mode
  (or with jsonschema for a schema with no generated model yet), so what the spec forbids
  gets 400 ``REQUEST_001`` naming the field and what it allows is answered
  (:mod:`mock_server.validation`).
* Answers are deterministic functions of the request: chat (:mod:`mock_server.chat`, with
  lazy SSE streaming), embeddings, images, speech (real audio), rerank and video.
* The server sheds slow and half-open connections and caps their number
  (:mod:`mock_server.server`); :mod:`mock_server.launcher` starts the process for tools and
  tests.
* Every response has an ``x-request-id``; successes have billing and quota headers.
* ``X-Mock-Fault`` injects upstream-style failures for client tests
  (:mod:`mock_server.faults`); it is a mock-only hook, deliberately absent from the spec.
"""

from __future__ import annotations

from mock_server.app import MAX_BODY_BYTES, create_app
from mock_server.auth import DEV_TOKEN, ENV_VAR

__all__ = ["DEV_TOKEN", "ENV_VAR", "MAX_BODY_BYTES", "create_app"]
