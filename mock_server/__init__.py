"""The embedded TokenMarket mock gateway: answers exactly what openapi.yaml promises."""
