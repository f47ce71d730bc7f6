"""Where a finding is: the line of its key in the snapshot file it came from (for SARIF, Code Quality and
GitHub annotations)."""
