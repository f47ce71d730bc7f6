"""Framework catalogues (YAML), shipped inside the wheel as ``wedata_audit.frameworks``."""
