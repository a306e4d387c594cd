"""The one registry of hand-written handlers, keyed by the spec's operationId.

Routes, methods, paths and request schemas come from openapi.yaml (:mod:`mock_server.routes`);
this table only says which operations have a realistic handler and how it runs. An operation
of the spec that is not listed here is answered from the spec alone (its response example,
else a minimal instance of its response schema: :mod:`mock_server.spec_answers`), and the mock
says so at start. An id listed here that the spec lacks is refused at start.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from mock_server import chat, embeddings, images, rerank, speech, video
from mock_server.answers import Answer, Context
from mock_server.validation import Shortcut, token_ids_stand_in

__all__ = ["HANDLERS", "Handler", "Registered"]

Handler = Callable[[Any, Context], Answer]
"""A handler: the validated request (a generated model) and its context, to an answer."""


@dataclass(frozen=True, slots=True)
class Registered:
    """A hand-written handler and how the app runs it."""

    handler: Handler
    heavy: bool = False
    """CPU-bound: always run in a worker thread, never on the event loop."""
    shortcuts: Mapping[str, Shortcut] | None = None
    """Fast exact checks of large fields, by field name (see validation.Shortcut)."""
    links: bool = False
    """Answers with URLs the mock serves itself (needs its base URL)."""
    heavy_when: Callable[[Mapping[str, Any]], bool] | None = None
    """Given the parsed, validated body: whether this request is heavy (a large answer)."""


HANDLERS: Final[Mapping[str, Registered]] = {
    "createChatCompletion": Registered(chat.handle, heavy_when=chat.is_heavy),
    "createEmbedding": Registered(
        embeddings.handle, heavy=True, shortcuts={"input": token_ids_stand_in}
    ),
    "createImage": Registered(images.handle, heavy=True, links=True),
    "createSpeech": Registered(speech.handle, heavy=True),
    "createRerank": Registered(rerank.handle),
    "createVideoGeneration": Registered(video.handle),
}
