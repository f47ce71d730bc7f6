"""The report formats, one module per --format name (registered in wedata_audit.reporters.FORMATS)."""
