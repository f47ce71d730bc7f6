"""The rule view: what rules read of a snapshot (the document, its fields, and derived stages such as code analysis)."""
