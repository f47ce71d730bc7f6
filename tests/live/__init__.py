"""Live-mode tests: the real client against the fake WeData API on 127.0.0.1."""
