"""The workflow of a maintainer whose API changed: edit the spec, regenerate, use the field.

A request field and a response field are added to a copy of openapi.yaml; after generation
into a temporary directory both appear in the attrs models, the pydantic models and the
TypedDicts, the client sends the new request field on the wire, and it parses the new
response field from the wire.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, run_generate

CLIENT_SCRIPT = textwrap.dedent(
    """
    import json, httpx
    from tokenmarket_client import AuthenticatedClient
    from tokenmarket_client.api.rerank import create_rerank
    from tokenmarket_client.models import RerankRequest
    import tokenmarket_models, tokenmarket_client.params as params

    sent = {}
    def answer(request):
        sent["body"] = json.loads(request.content)
        return httpx.Response(200, json={
            "model": "m", "results": [{"index": 0, "relevance_score": 1.0}],
            "served_region": "eu-west",
        })

    client = AuthenticatedClient(
        base_url="http://tokenmarket.test", token="t",
        httpx_args={"transport": httpx.MockTransport(answer)},
    )
    body = RerankRequest(model="m", query="q", documents=["d"], ranking_profile="strict")
    parsed = create_rerank.sync(client=client, body=body)
    print(json.dumps({
        "sent": sent["body"],
        "parsed_region": parsed.served_region,
        "pydantic_fields": sorted(tokenmarket_models.RerankRequest.model_fields),
        "typeddict_keys": sorted(params.RerankRequest.__annotations__),
        "attrs_response_fields": sorted(
            a for a in dir(parsed) if not a.startswith("_")
        ),
    }))
    """
)

# Regenerates, compiles or fuzzes: runs in `nox -s e2e`, not in the quick `nox -s tests`.
pytestmark = pytest.mark.slow


def test_new_request_and_response_fields_reach_the_wire(tmp_path: Path) -> None:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    schemas["RerankRequest"]["properties"]["ranking_profile"] = {
        "type": "string",
        "description": "A new request field.",
    }
    schemas["RerankResponse"]["properties"]["served_region"] = {
        "type": "string",
        "description": "A new response field.",
    }
    changed_spec = tmp_path / "openapi.yaml"
    changed_spec.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")

    output = tmp_path / "generated_client"
    result = run_generate(changed_spec, output)
    assert result.returncode == 0, result.stderr

    # A fresh interpreter that sees the temporary package first.
    env = {**os.environ, "PYTHONPATH": str(output)}
    run = subprocess.run(
        [sys.executable, "-c", CLIENT_SCRIPT], env=env, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["sent"]["ranking_profile"] == "strict"
    assert seen["parsed_region"] == "eu-west"
    assert "ranking_profile" in seen["pydantic_fields"]
    assert "ranking_profile" in seen["typeddict_keys"]
    assert "served_region" in seen["attrs_response_fields"]
