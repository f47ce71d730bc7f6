"""The model: one immutable Finding from the engine to every reporter, task results and run totals, and the
snapshot a source yields."""
