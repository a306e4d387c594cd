"""Contract fuzzing of the TokenMarket API with Schemathesis (`nox -s fuzz`)."""
