"""Text helpers shared by the mock's operations: a deterministic tokenizer and stable hashes.

The mock has no real tokenizer, so it counts with a simple, documented rule that every
operation shares (chat usage, embeddings usage, rerank scoring and billing all agree):

* a token is a run of at most :data:`WORD_CHUNK` word characters (``\\w``), or one other
  non-space character, each together with the whitespace before it;
* whitespace at the very end of a text is one more token.

So ``"Reply with only OK."`` is 5 tokens (``Reply``, `` with``, `` only``, `` OK``, ``.``) and
joining the tokens of a text gives the text back exactly, which is how replies are cut into
stream chunks and truncated at ``max_tokens``. The expression uses possessive quantifiers, so
it runs in linear time on any input (no backtracking on long whitespace runs).
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

__all__ = [
    "WORD_CHUNK",
    "count_tokens",
    "stable_hex",
    "tokens",
    "words",
]

WORD_CHUNK: Final = 8
"""The longest run of word characters that counts as one token."""

_TOKEN_RE: Final = re.compile(rf"\s*+(?:\w{{1,{WORD_CHUNK}}}|[^\w\s])|\s++")
_WORD_RE: Final = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    """Split ``text`` into tokens; ``"".join(tokens(text)) == text``."""
    return _TOKEN_RE.findall(text)


def count_tokens(text: str) -> int:
    """The number of tokens in ``text`` (see the module docstring)."""
    count = 0
    for _ in _TOKEN_RE.finditer(text):
        count += 1
    return count


def words(text: str) -> list[str]:
    """The lower-cased words (runs of ``\\w``) of ``text``, in order, for overlap scoring."""
    return _WORD_RE.findall(text.lower())


def stable_hex(*parts: str | bytes, length: int = 24) -> str:
    """A hex digest of ``parts`` that is the same in every process and on every machine.

    Used for ids (``chatcmpl-…``), seeds and URLs, so that the same request always gives the
    same body. Parts are length-prefixed, so ``("ab", "c")`` and ``("a", "bc")`` differ.
    """
    digest = hashlib.blake2b(digest_size=32)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()[:length]
