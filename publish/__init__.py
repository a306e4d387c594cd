"""Publishing openapi.yaml for other languages, and reporting what a change of it breaks.

- `publish.build` writes `dist/` (`nox -s publish`): bundled YAML and JSON, a fully dereferenced
  JSON, a self-contained HTML reference and a manifest with the spec's version and sha256.
- `publish.generators` runs openapi-generator (the jar of the PyPI package) and sorts its log.
- `publish.spec_diff` compares openapi.yaml with its version at a git ref (`nox -s spec_diff`).
"""
