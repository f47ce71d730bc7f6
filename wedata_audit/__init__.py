"""wedata-audit: a compliance and lint auditor for Tencent Cloud WeData trigger tasks."""

__version__ = "0.1.0"
