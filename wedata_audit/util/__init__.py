"""Small shared helpers: reading the user's YAML and JSON files, JSON-schema error
wording, bundled resources, personal-data scrubbing, progress display."""
