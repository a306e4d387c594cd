# Laid in from overrides/tokenmarket_client/__init__.py by `nox -s generate`: edit it there and regenerate, not here.
"""Typed client for the TokenMarket unified AI API.

The generated low-level client is `Client` / `AuthenticatedClient` with one module per
operation under `tokenmarket_client.api`; request shapes as TypedDicts are in
`tokenmarket_client.params`.
"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
