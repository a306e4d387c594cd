"""``POST /v1/rerank``: documents scored by word overlap with the query, best first.

The score of a document is the cosine similarity of the *sets* of lower-cased words
(``\\w+``) of the query and of the document: ``|Q ∩ D| / sqrt(|Q| · |D|)``, between 0 and 1,
rounded to 6 decimals (0 when either has no words). Results are sorted by score, highest
first, ties by document index; ``top_n`` keeps the best ``top_n`` (all of them when it is
larger); ``return_documents: false`` leaves ``document`` out. Usage counts the tokens of the
query once per document plus those of every document.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any, Final

from pydantic import MISSING
from tokenmarket_models import RerankRequest

from mock_server.answers import Billing, Context, JsonAnswer
from mock_server.text import count_tokens, words

__all__ = ["handle", "score"]

PRICE_PER_TOKEN: Final = Decimal("0.000001")


def score(query_words: set[str], document: str) -> float:
    """The overlap score of a document against the query's word set."""
    document_words = set(words(document))
    if not query_words or not document_words:
        return 0.0
    shared = len(query_words & document_words)
    return round(shared / math.sqrt(len(query_words) * len(document_words)), 6)


def handle(req: RerankRequest, ctx: Context) -> JsonAnswer:
    """Answer a validated rerank request."""
    texts = [doc if isinstance(doc, str) else doc.text for doc in req.documents]
    query_words = set(words(req.query))
    scored = sorted(
        ((score(query_words, text), index) for index, text in enumerate(texts)),
        key=lambda pair: (-pair[0], pair[1]),
    )
    if req.top_n is not MISSING:
        scored = scored[: req.top_n]
    results: list[dict[str, Any]] = []
    for relevance, index in scored:
        result: dict[str, Any] = {"index": index, "relevance_score": relevance}
        if req.return_documents:
            result["document"] = {"text": texts[index]}
        results.append(result)
    total = count_tokens(req.query) * len(texts) + sum(count_tokens(text) for text in texts)
    body = {
        "id": f"rerank-{ctx.key}",
        "model": req.model,
        "results": results,
        "usage": {"total_tokens": total},
    }
    return JsonAnswer(body, Billing(total, "token", PRICE_PER_TOKEN))
