"""Framework coverage: catalogues of requirements (data in frameworks/), per-rule tallies of a run, and the
status of each requirement."""
