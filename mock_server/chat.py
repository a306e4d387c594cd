"""``POST /v1/chat/completions``: deterministic replies, tool calls, usage and SSE chunks.

How the mock "thinks" (every rule is a pure function of the request):

* **The reply** answers the last message. A user message containing ``Reply with only X``
  gets exactly ``X`` (the public quick start's ``"Reply with only OK."`` gets ``OK``); any
  other user text gets ``Mock reply to: <the first 48 tokens of it>``; a tool result gets
  ``The tool returned: <its first 48 tokens>``. Replies are at most
  :data:`MAX_REPLY_TOKENS` tokens. With ``response_format`` ``json_object`` the reply is
  ``{"reply": …}``; with ``json_schema`` it is an instance of the given schema.
* **Tools**: ``tool_choice: "required"`` or a named function always gives a tool call
  (``finish_reason: "tool_calls"``); ``"auto"`` (the default when tools are given) calls the
  first tool whose name or description shares a word with the user's last message, and
  answers in text otherwise; ``"none"`` never calls. Arguments are an instance of the
  function's ``parameters`` schema: required properties (all of them if none is required),
  strings filled from the capitalised words of the user's message (``"What is the weather
  in Paris?"`` gives ``{"city":"Paris"}``), numbers at their minimum or 1, booleans true.
* **Reasoning**: with ``reasoning_effort`` set, the message also has ``reasoning_content``.
* **Limits**: ``max_tokens``/``max_completion_tokens`` (the smaller, when both are sent) cap
  reasoning plus content (or tool-call arguments) and give ``finish_reason: "length"``;
  ``stop`` cuts the reply before the first stop sequence. ``n`` choices are identical but
  for their index and tool-call ids. ``logprobs`` gives every token log probability 0
  (``top_logprobs`` alternatives at -1, -2, …).
* **Usage** counts tokens with :mod:`mock_server.text`: per message 3 + its tokens (+1 for a
  ``name``, +85 per image part), +3 for the reply's priming, plus the tokens of the tool
  definitions; ``completion_tokens`` is the sum over all choices.
* **Streaming**: one SSE event per token; with ``n`` > 1 each event carries the next delta of
  every choice (so a stream has as many events for ``n: 128`` as for ``n: 1``); a choice starts with
  ``{"role": "assistant"}`` and ends with an empty delta carrying ``finish_reason``; with
  ``stream_options.include_usage`` every chunk has ``"usage": null`` and a last chunk with
  empty ``choices`` carries the usage; the app adds ``data: [DONE]``. Events are made one
  at a time as the client reads them (an unread stream holds no more than one batch).
* **Output bound**: one request may ask for at most :data:`MAX_OUTPUT_UNITS` units of output,
  a unit being one token of one choice, times ``1 + top_logprobs`` with ``logprobs``
  (``n`` x tokens x (1 + ``top_logprobs``)); more is 400 ``REQUEST_001`` naming ``n``. Every
  reply the spec's ordinary limits allow fits but the largest of ``n``, reply length and
  ``top_logprobs`` together (128 x 256 x 21 would be about 47 MB of JSON).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from pydantic import MISSING
from tokenmarket_models import (
    AssistantMessage,
    ChatTool,
    CreateChatCompletionRequest,
    DeveloperMessage,
    ImageContentPart,
    NamedToolChoice,
    ResponseFormatJsonObject,
    ResponseFormatJsonSchema,
    SystemMessage,
    TextContent1,
    TextContentPart,
    ToolChoiceMode,
    ToolMessage,
    UserContent1,
    UserMessage,
)

from mock_server.answers import CREATED, Billing, Context, JsonAnswer, SseAnswer
from mock_server.errors import too_much_output
from mock_server.text import count_tokens, stable_hex, tokens, words

__all__ = [
    "MAX_OUTPUT_UNITS",
    "MAX_REPLY_TOKENS",
    "SYSTEM_FINGERPRINT",
    "handle",
    "is_heavy",
    "plan_chat",
    "reply_text",
]

MAX_OUTPUT_UNITS: Final = 262_144
"""The most output one request may ask for: ``n`` x tokens x (1 + ``top_logprobs``)."""

_HEAVY_UNITS: Final = 4096  # n x (1 + top_logprobs) above this: answered in a worker thread

MAX_REPLY_TOKENS: Final = 256
"""The longest reply (content or tool-call arguments) the mock writes, in tokens."""

SNIPPET_TOKENS: Final = 48
"""How many tokens of the user's message a generic reply quotes."""

SYSTEM_FINGERPRINT: Final = "fp_tokenmarket_mock"
PRICE_PER_TOKEN: Final = Decimal("0.000002")
IMAGE_PART_TOKENS: Final = 85
_SCAN_CHARS: Final = 16_384  # how much of a long message the reply rules look at
_MAX_EXAMPLE_NODES: Final = 256  # values in generated tool arguments / json_schema replies
_MAX_EXAMPLE_STRING: Final = 1024
_REPLY_ONLY: Final = "reply with only"
_STOPWORD_TEXT: Final = (
    "a an and are can do does for from get give how in is it me my of on or please set tell "
    "the this to what when where which who why with you your"
)
_STOPWORDS: Final = frozenset(_STOPWORD_TEXT.split())

Message = SystemMessage | DeveloperMessage | UserMessage | AssistantMessage | ToolMessage


@dataclass(slots=True)
class ToolCallPlan:
    """One tool call of a choice."""

    name: str
    arguments: list[str]  # the arguments' tokens (joined, the JSON text)
    name_tokens: int


@dataclass(slots=True)
class ChoicePlan:
    """What every choice says (choices differ only by index and tool-call ids)."""

    reasoning: list[str] | None
    content: list[str] | None
    tool_calls: list[ToolCallPlan]
    finish_reason: str

    @property
    def completion_tokens(self) -> int:
        """Tokens generated for one choice, reasoning included."""
        total = len(self.reasoning or ()) + len(self.content or ())
        return total + sum(len(call.arguments) + call.name_tokens for call in self.tool_calls)


@dataclass(slots=True)
class ChatPlan:
    """Everything needed to render the completion as JSON or as chunks."""

    id: str
    model: str
    n: int
    choice: ChoicePlan
    prompt_tokens: int
    logprobs: bool
    top_logprobs: int
    call_ids: list[list[str]] = field(default_factory=list)

    def usage(self) -> dict[str, Any]:
        """The ``CompletionUsage`` of the whole request (all choices)."""
        completion = self.choice.completion_tokens * self.n
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self.prompt_tokens + completion,
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": len(self.choice.reasoning or ()) * self.n
            },
        }


# ------------------------------------------------------------------------------ reading


def _content_text(content: object) -> tuple[str, int]:
    """The text of a message's content and its number of image parts."""
    if content is MISSING or content is None:
        return "", 0
    if isinstance(content, str):
        return content, 0
    if isinstance(content, TextContent1 | UserContent1):
        texts: list[str] = []
        images = 0
        for part in content.root:
            if isinstance(part, TextContentPart):
                texts.append(part.text)
            elif isinstance(part, ImageContentPart):
                images += 1
        return "\n".join(texts), images
    return "", 0  # pragma: no cover - the models allow nothing else


def _message_tokens(message: Message) -> int:
    text, images = _content_text(message.content)
    total = 3 + count_tokens(text) + IMAGE_PART_TOKENS * images
    if not isinstance(message, ToolMessage) and message.name is not MISSING:
        total += 1
    if isinstance(message, AssistantMessage):
        for part in (message.refusal, message.reasoning_content):
            if isinstance(part, str):
                total += count_tokens(part)
        if message.tool_calls is not MISSING:
            for call in message.tool_calls:
                total += count_tokens(call.function.name) + count_tokens(call.function.arguments)
    return total


def _tool_tokens(tools: list[ChatTool]) -> int:
    total = 0
    for tool in tools:
        function = tool.function
        total += 8 + count_tokens(function.name)
        if function.description is not MISSING:
            total += count_tokens(function.description)
        if function.parameters is not MISSING:
            total += count_tokens(json.dumps(function.parameters.model_extra, sort_keys=True))
    return total


def _snippet(text: str, limit: int = SNIPPET_TOKENS) -> str:
    """The first ``limit`` tokens of ``text`` with its whitespace collapsed."""
    collapsed = " ".join(text[:_SCAN_CHARS].split())
    return "".join(tokens(collapsed)[:limit]).strip()


def _last_user_text(messages: list[Message]) -> str | None:
    for message in reversed(messages):
        if isinstance(message, UserMessage):
            return _content_text(message.content)[0]
    return None


def reply_text(messages: list[Message]) -> str:
    """The plain-text reply to a conversation (see the module docstring)."""
    last = messages[-1]
    if isinstance(last, ToolMessage):
        return "The tool returned: " + _snippet(_content_text(last.content)[0])
    user = _last_user_text(messages)
    if user is None:
        return "Hello from the TokenMarket mock gateway."
    lowered = user.lower()
    at = lowered.rfind(_REPLY_ONLY)
    if at >= 0:
        wanted = user[at + len(_REPLY_ONLY) :].strip()
        if wanted.endswith((".", "!")):
            wanted = wanted[:-1].rstrip()
        if wanted:
            return "".join(tokens(wanted[:_SCAN_CHARS])[:MAX_REPLY_TOKENS])
    snippet = _snippet(user)
    return f"Mock reply to: {snippet}" if snippet else "Mock reply."


# ------------------------------------------------------------------------------ tools


def _name_words(name: str) -> set[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return {word for word in re.split(r"[\s_\-]+", spaced.lower()) if len(word) > 2}


def _pick_tool(tools: list[ChatTool], user_text: str) -> ChatTool | None:
    """The first tool whose name or description shares a word with the user's text."""
    wanted = set(words(user_text[:_SCAN_CHARS])) - _STOPWORDS
    for tool in tools:
        function = tool.function
        vocabulary = _name_words(function.name)
        if function.description is not MISSING:
            vocabulary |= {word for word in words(function.description[:_SCAN_CHARS])}
        if (vocabulary - _STOPWORDS) & wanted:
            return tool
    return None


def _hints(user_text: str) -> list[str]:
    """Capitalised words of the user's text but its first: likely names, cities, …"""
    found = re.findall(r"\b[A-Z][\w'-]*", user_text[:_SCAN_CHARS])
    return found[1:] if len(found) > 1 else []


def _number(schema: dict[str, Any], integer: bool) -> int | float:
    value: int | float = 1
    minimum = schema.get("minimum")
    maximum = schema.get("maximum")
    if isinstance(minimum, int | float) and not isinstance(minimum, bool):
        value = minimum
    if isinstance(maximum, int | float) and not isinstance(maximum, bool) and value > maximum:
        value = maximum
    try:
        return int(value) if integer else float(value)
    except (OverflowError, ValueError):  # an absurd bound (1e400): keep the answer finite
        return 1 if integer else 1.0


def _small_scalar(value: object) -> bool:
    if isinstance(value, str):
        return len(value) <= _MAX_EXAMPLE_STRING
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) < 2**63
    return value is None or isinstance(value, bool | float)


def example_for_schema(schema: object, strings: list[str]) -> object:
    """A small instance of a (user-supplied) JSON Schema, for tool arguments and json_schema.

    Best effort, total and bounded: any JSON value is accepted as ``schema``; at most
    :data:`_MAX_EXAMPLE_NODES` values are produced, 6 levels deep, 16 properties per object
    and 3 items per array; ``const``/``enum`` values are used when they are small scalars.
    ``strings`` are used in turn for string values (``"example"`` when empty).
    """
    budget = [_MAX_EXAMPLE_NODES]

    def build(node: object, depth: int) -> object:
        if not isinstance(node, dict) or depth > 6 or budget[0] <= 0:
            return None
        budget[0] -= 1
        if "const" in node and _small_scalar(node["const"]):
            return node["const"]
        enum = node.get("enum")
        if isinstance(enum, list) and enum and _small_scalar(enum[0]):
            return enum[0]
        for combinator in ("anyOf", "oneOf", "allOf"):
            branches = node.get(combinator)
            if isinstance(branches, list) and branches:
                return build(branches[0], depth + 1)
        kind = node.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        properties = node.get("properties")
        if kind == "object" or (kind is None and isinstance(properties, dict)):
            props = properties if isinstance(properties, dict) else {}
            required = node.get("required")
            names = (
                [n for n in required if isinstance(n, str)] if isinstance(required, list) else []
            )
            return {
                name: build(props.get(name, {}), depth + 1) for name in (names or list(props))[:16]
            }
        if kind == "array":
            min_items = node.get("minItems")
            count = min(min_items, 3) if isinstance(min_items, int) and min_items > 0 else 1
            return [build(node.get("items", {}), depth + 1) for _ in range(count)]
        if kind in ("integer", "number"):
            return _number(node, kind == "integer")
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        if strings:
            value = strings.pop(0)
            strings.append(value)
            return value
        return "example"

    return build(schema, 0)


def _arguments(tool: ChatTool | None, user_text: str) -> str:
    if tool is None or tool.function.parameters is MISSING:
        return "{}"
    value = example_for_schema(tool.function.parameters.model_extra or {}, _hints(user_text))
    if not isinstance(value, dict):
        value = {}
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _tool_to_call(req: CreateChatCompletionRequest) -> tuple[str, ChatTool | None] | None:
    """The function the model calls, with its definition when known, or None for text."""
    tools = req.tools if req.tools is not MISSING else []
    choice = req.tool_choice
    if isinstance(choice, NamedToolChoice):
        name = choice.function.name
        return name, next((t for t in tools if t.function.name == name), None)
    if not tools or choice == ToolChoiceMode.NONE:
        return None
    if isinstance(req.messages[-1], ToolMessage):
        return None  # a tool just answered: reply in text (unless a call is forced)
    user = _last_user_text(req.messages) or ""
    picked = _pick_tool(tools, user)
    if choice == ToolChoiceMode.REQUIRED:
        picked = picked or tools[0]
    return (picked.function.name, picked) if picked else None


# ------------------------------------------------------------------------------ planning


def _apply_stop(text: str, stop: object) -> tuple[str, bool]:
    sequences = [stop] if isinstance(stop, str) else getattr(stop, "root", [])
    cut = len(text)
    for sequence in sequences:
        if sequence:
            at = text.find(sequence)
            if 0 <= at < cut:
                cut = at
    return text[:cut], cut < len(text)


def _limit(req: CreateChatCompletionRequest) -> int | None:
    limits = [v for v in (req.max_tokens, req.max_completion_tokens) if v is not MISSING]
    return min(limits) if limits else None


def _content_for_format(req: CreateChatCompletionRequest, reply: str) -> str:
    fmt = req.response_format
    if isinstance(fmt, ResponseFormatJsonObject):
        return json.dumps({"reply": reply}, ensure_ascii=False)
    if isinstance(fmt, ResponseFormatJsonSchema):
        schema = fmt.json_schema.schema_
        extra = schema.model_extra if schema is not MISSING else None
        value = example_for_schema(extra or {"type": "object"}, [reply])
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return reply


def plan_chat(req: CreateChatCompletionRequest, key: str) -> ChatPlan:
    """Decide the whole answer to a chat request."""
    limit = _limit(req)
    user = _last_user_text(req.messages) or ""
    call = _tool_to_call(req)
    finish = "tool_calls" if call else "stop"

    reasoning: list[str] | None = None
    if req.reasoning_effort is not MISSING and req.reasoning_effort != "none":
        plan_text = f"I will call {call[0]}." if call else "I will answer directly."
        thought = f"The user asks: {_snippet(user, 16) or 'nothing'}. {plan_text}"
        reasoning = tokens(thought)
    budget = limit
    if budget is not None and reasoning is not None:
        if len(reasoning) >= budget:
            reasoning, budget, finish = reasoning[:budget], 0, "length"
        else:
            budget -= len(reasoning)

    content: list[str] | None = None
    tool_calls: list[ToolCallPlan] = []
    if call and finish != "length":
        name, tool = call
        arguments = tokens(_arguments(tool, user))
        name_tokens = count_tokens(name)
        if budget is not None and name_tokens + len(arguments) > budget:
            arguments, finish = arguments[: max(0, budget - name_tokens)], "length"
        tool_calls.append(ToolCallPlan(name, arguments, name_tokens))
    elif not call:
        text = _content_for_format(req, reply_text(req.messages))
        if req.stop is not MISSING:
            text, _ = _apply_stop(text, req.stop)
        content = tokens(text)[:MAX_REPLY_TOKENS]
        if budget is not None and len(content) > budget:
            content, finish = content[:budget], "length"

    tools = req.tools if req.tools is not MISSING else []
    prompt = 3 + sum(_message_tokens(m) for m in req.messages) + _tool_tokens(tools)
    top = req.top_logprobs if req.top_logprobs is not MISSING else 0
    plan = ChatPlan(
        id=f"chatcmpl-{key}",
        model=req.model,
        n=req.n,
        choice=ChoicePlan(reasoning, content, tool_calls, finish),
        prompt_tokens=prompt,
        logprobs=req.logprobs is True,
        top_logprobs=top,
    )
    plan.call_ids = [
        [f"call_{stable_hex(key, str(i), str(j))}" for j in range(len(tool_calls))]
        for i in range(req.n)
    ]
    return plan


# ------------------------------------------------------------------------------ rendering


def _token_logprobs(plan: ChatPlan, toks: list[str]) -> dict[str, Any]:
    entries = []
    for tok in toks:
        data = list(tok.encode("utf-8"))
        top = [{"token": tok, "logprob": 0.0, "bytes": data}]
        top += [
            {"token": f"{tok}{i}", "logprob": -float(i), "bytes": [*data, *str(i).encode()]}
            for i in range(1, plan.top_logprobs)
        ]
        entries.append(
            {"token": tok, "logprob": 0.0, "bytes": data, "top_logprobs": top[: plan.top_logprobs]}
        )
    return {"content": entries, "refusal": None}


def _message(plan: ChatPlan, index: int) -> dict[str, Any]:
    choice = plan.choice
    message: dict[str, Any] = {
        "role": "assistant",
        "content": "".join(choice.content) if choice.content is not None else None,
        "refusal": None,
    }
    if choice.reasoning is not None:
        message["reasoning_content"] = "".join(choice.reasoning)
    if choice.tool_calls:
        message["tool_calls"] = [
            {
                "id": plan.call_ids[index][j],
                "type": "function",
                "function": {"name": call.name, "arguments": "".join(call.arguments)},
            }
            for j, call in enumerate(choice.tool_calls)
        ]
    return message


def completion(plan: ChatPlan) -> dict[str, Any]:
    """The ``ChatCompletion`` body."""
    logprobs = _token_logprobs(plan, plan.choice.content or []) if plan.logprobs else None
    return {
        "id": plan.id,
        "object": "chat.completion",
        "created": CREATED,
        "model": plan.model,
        "choices": [
            {
                "index": index,
                "message": _message(plan, index),
                "logprobs": logprobs,
                "finish_reason": plan.choice.finish_reason,
            }
            for index in range(plan.n)
        ],
        "usage": plan.usage(),
        "system_fingerprint": SYSTEM_FINGERPRINT,
    }


@dataclass(frozen=True, slots=True)
class _Step:
    """One step of every choice's stream: the same delta for all, but tool-call heads."""

    delta: dict[str, Any]
    logprobs: dict[str, Any] | None = None
    finish: str | None = None
    call: int | None = None  # the tool call whose head this is (its id differs per choice)


def _steps(plan: ChatPlan) -> Iterator[_Step]:
    """The steps of the stream, made one at a time (log probabilities too)."""
    choice = plan.choice
    yield _Step({"role": "assistant", "content": "" if choice.content is not None else None})
    for tok in choice.reasoning or ():
        yield _Step({"reasoning_content": tok})
    for tok in choice.content or ():
        yield _Step({"content": tok}, _token_logprobs(plan, [tok]) if plan.logprobs else None)
    for j, call in enumerate(choice.tool_calls):
        yield _Step({"name": call.name}, call=j)
        for piece in call.arguments:
            yield _Step({"tool_calls": [{"index": j, "function": {"arguments": piece}}]})
    yield _Step({}, finish=choice.finish_reason)


def _delta(plan: ChatPlan, step: _Step, index: int) -> dict[str, Any]:
    delta = step.delta
    if step.call is not None:
        head = {
            "index": step.call,
            "id": plan.call_ids[index][step.call],
            "type": "function",
            "function": {"name": delta["name"], "arguments": ""},
        }
        delta = {"tool_calls": [head]}
    return {"index": index, "delta": delta, "logprobs": step.logprobs, "finish_reason": step.finish}


def output_units(plan: ChatPlan) -> int:
    """What the answer costs to produce: n x tokens (stream steps) x (1 + top_logprobs)."""
    per_token = 1 + (plan.top_logprobs if plan.logprobs else 0)
    return plan.n * (plan.choice.completion_tokens + 2) * per_token


def is_heavy(document: Mapping[str, Any]) -> bool:
    """Whether a (validated) request may make an answer large enough for a worker thread."""
    n = document.get("n", 1)
    top = document.get("top_logprobs", 0) if document.get("logprobs") is True else 0
    return isinstance(n, int) and isinstance(top, int) and n * (1 + top) * 256 > _HEAVY_UNITS


def event_count(plan: ChatPlan, include_usage: bool) -> int:
    """How many events :func:`chunks` yields."""
    choice = plan.choice
    steps = 2 + len(choice.reasoning or ()) + len(choice.content or ())
    steps += sum(1 + len(call.arguments) for call in choice.tool_calls)
    return steps + (1 if include_usage else 0)


def chunks(plan: ChatPlan, include_usage: bool) -> Iterator[dict[str, Any]]:
    """The ``ChatCompletionChunk`` events of the stream, without the final ``[DONE]``.

    Every choice says the same, so each event carries the same step of every choice; the
    step's delta and log probabilities are shared objects (serialised once per choice).
    Events are made as they are pulled.
    """
    base: dict[str, Any] = {
        "id": plan.id,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": plan.model,
        "system_fingerprint": SYSTEM_FINGERPRINT,
    }
    if include_usage:
        base["usage"] = None
    for step in _steps(plan):
        yield {**base, "choices": [_delta(plan, step, index) for index in range(plan.n)]}
    if include_usage:
        yield {**base, "choices": [], "usage": plan.usage()}


def handle(req: CreateChatCompletionRequest, ctx: Context) -> JsonAnswer | SseAnswer:
    """Answer a validated chat request: JSON, or SSE chunks with ``"stream": true``."""
    plan = plan_chat(req, ctx.key)
    units = output_units(plan)
    if units > MAX_OUTPUT_UNITS:
        raise too_much_output(
            f"n x reply tokens x (1 + top_logprobs) is {units}; the mock answers at most "
            f"{MAX_OUTPUT_UNITS} per request: ask for fewer choices or log probabilities.",
            "n",
        )
    billing = Billing(plan.usage()["total_tokens"], "token", PRICE_PER_TOKEN)
    if req.stream:
        options = req.stream_options
        include_usage = options is not MISSING and options.include_usage is True
        return SseAnswer(chunks(plan, include_usage), event_count(plan, include_usage), billing)
    return JsonAnswer(completion(plan), billing)
