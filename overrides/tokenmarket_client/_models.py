"""The base class of every result model (`tokenmarket_client.schemas`).

datamodel-code-generator writes the models from `openapi.yaml` with `--base-class` naming this
class, so what the generator cannot say lives here once: the response's headers
(`request_id`, `billing`, `rate_limit`, `headers`), openai-style `to_dict()` / `to_json()`,
and how a model is written back into a request.

Results are parsed leniently, for forward compatibility: an absent optional field is `None`,
attribute names are the wire names (`.object`, `.type`), unknown fields are kept (in
`model_extra`, and in `model_dump()`), and open strings accept values the spec does not list.
"""

from __future__ import annotations

from typing import Any, Literal

import pydantic
from pydantic import ConfigDict

from ._headers import ResponseInfo

__all__ = ["BaseModel", "to_request"]


class BaseModel(ResponseInfo, pydantic.BaseModel):
    """A pydantic v2 model of the spec, with the headers of the response it came from."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())

    # The response's headers are set by the parser as a plain instance attribute (pydantic
    # leaves underscore names that are not declared private alone): not a `PrivateAttr`,
    # which would make pydantic call Python after validating every nested model, 7.4 µs
    # instead of 2.8 µs a stream chunk (measured). Absent, `headers` is empty.

    def to_dict(
        self,
        *,
        mode: Literal["json", "python"] = "python",
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_none: bool = False,
    ) -> dict[str, Any]:
        """The model as a dict, by default only the fields the server sent (openai's
        `to_dict()`); `model_dump()` gives every field, absent ones as `None`."""
        return self.model_dump(
            mode=mode,
            by_alias=use_api_names,
            exclude_unset=exclude_unset,
            exclude_none=exclude_none,
        )

    def to_json(
        self,
        *,
        indent: int | None = 2,
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_none: bool = False,
    ) -> str:
        """The model as JSON text, by default only the fields the server sent."""
        return self.model_dump_json(
            indent=indent,
            by_alias=use_api_names,
            exclude_unset=exclude_unset,
            exclude_none=exclude_none,
        )


def to_request(value: object) -> Any:  # noqa: ANN401 (any JSON value)
    """The JSON the spec asks of a request for a model found in a request body.

    `_json.dumps` calls this for any value JSON cannot encode, so a body without models pays
    nothing for it. A result passed back (an assistant message into `messages`) sends the
    fields that were set, never a `None` the lenient parse filled in: an absent or null
    optional field is left out, which every request schema accepts, where a `null` would be
    refused by those that forbid it (`tool_calls`).
    """
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude_none=True)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
