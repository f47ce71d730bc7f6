"""JSON Schemas, shipped inside the wheel as ``wedata_audit.schemas``."""
