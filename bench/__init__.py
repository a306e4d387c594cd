"""`nox -s bench`: what the client costs, next to raw httpx (the floor) and the official SDK.

See `python -m bench --help` and the README's Performance section. Modules: `stats` (rounds,
medians, the measuring loops), `workloads` (the in-process variants), `speech` and `imports`
(fresh-process measurements), `replay` (the fixed-bytes loopback server) and `payloads` (what it
serves, recorded from the mock), `loadgen` (mock throughput), `tooling` (`nox -s generate` and
`nox -s fuzz`), `report` (table, targets, JSON).
"""
