"""Masking secrets in text that is shown (release changes, code diffs) with the secret patterns of the
``no-secrets-in-code`` rule, so that what the rule finds is what every output hides."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache

import regex

Mask = Callable[[str], str]

REDACTED = "[redacted]"
SECRET_RULE_ID = "no-secrets-in-code"
_PEM_END = regex.compile(r"-----END [A-Z ]*PRIVATE KEY-----")


def secret_masker(patterns: Iterable[str | regex.Pattern[str]]) -> Mask:
    """A mask that replaces every match of ``patterns`` with ``[redacted]``.

    A match that opens a private-key block (``-----BEGIN ... PRIVATE KEY-----``) is redacted through its
    ``-----END ... PRIVATE KEY-----`` line (or the end of the text), so the key body goes too.
    Raises ``regex.error`` for a pattern that does not compile.
    """
    compiled = [p if isinstance(p, regex.Pattern) else regex.compile(p) for p in patterns]

    def mask(text: str) -> str:
        spans: list[tuple[int, int]] = []
        for pattern in compiled:
            for m in pattern.finditer(text):
                start, end = m.span()
                if end == start:
                    continue
                if text.startswith("-----BEGIN", start) and "PRIVATE KEY" in m.group(0):
                    closing = _PEM_END.search(text, end)
                    end = closing.end() if closing else len(text)
                spans.append((start, end))
        if not spans:
            return text
        out, pos = [], 0
        for start, end in sorted(spans):
            if end <= pos:
                continue
            out.append(text[pos:max(start, pos)])
            out.append(REDACTED)
            pos = end
        out.append(text[pos:])
        return "".join(out)

    return mask


def bundled_secret_patterns() -> list[str]:
    """The ``patterns`` param of the bundled ``no-secrets-in-code`` rule, read by the policy loader."""
    from wedata_audit.policy.loading import read_policy_file
    from wedata_audit.util.resources import default_rule_files

    for f in default_rule_files():
        for raw in read_policy_file(f, f"rules/{f.name}"):
            if raw.spec.get("id") == SECRET_RULE_ID:
                return list((raw.spec.get("params") or {}).get("patterns") or [])
    raise LookupError(f"the bundled rule {SECRET_RULE_ID!r} is missing")


@cache
def default_mask() -> Mask:
    """:func:`secret_masker` of :func:`bundled_secret_patterns` (built once)."""
    return secret_masker(bundled_secret_patterns())
