"""Which version of a task: the release review (production vs latest submitted) and the version cache."""
