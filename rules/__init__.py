"""Default policy pack, shipped inside the wheel as ``wedata_audit.rules``."""
