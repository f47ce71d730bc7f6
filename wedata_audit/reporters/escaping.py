"""Truncation and escaping, one function per output language. Every value from task data that a
report or the terminal shows goes through one of these."""

from __future__ import annotations

import re

from wedata_audit.reporters.base import scrub_surrogates

# --- any language ---------------------------------------------------------------------------


def shorten(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


# --- XML 1.0 (JUnit) ------------------------------------------------------------------------

_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _escape_forbidden(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def xml_clean(value: str) -> str:
    """Replace the characters XML 1.0 forbids with a visible escape."""
    if _XML_FORBIDDEN.search(value) is None:
        return value
    return _XML_FORBIDDEN.sub(_escape_forbidden, value)


# Anything the XML escapers change; most values have none of it and are returned as they are.
_XML_SPECIAL = re.compile("[&<>\"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """Escape character data (``>`` too, so ``]]>`` cannot appear; CR kept as a reference)."""
    if _XML_SPECIAL.search(value) is None:
        return value
    value = xml_clean(value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def xml_attr(value: str) -> str:
    """Escape an attribute value for double quotes; tab, LF and CR survive attribute normalisation."""
    if _XML_SPECIAL.search(value) is None:
        return value
    value = xml_clean(value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return value.replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")


# --- Markdown (also SARIF's markdown help) ----------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~#!])")
_LINE_BREAK = re.compile(r"\r\n|[\r\n\u2028\u2029\x85]")
_MD_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def markdown(value: str, limit: int | None = None) -> str:
    """``value`` as inert inline Markdown on one line, shortened to ``limit`` characters first."""
    value = _LINE_BREAK.sub(" ", value)
    value = _MD_UNPRINTABLE.sub("\ufffd", value)
    if limit is not None:
        value = shorten(value, limit)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _MARKDOWN_SPECIAL.sub(r"\\\1", value)
    return value.replace("@", "@\u200b")


# --- CSV (spreadsheets) -----------------------------------------------------------------------

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str | None) -> str:
    """``value`` as a cell no spreadsheet evaluates as a formula."""
    if not value:
        return ""
    value = scrub_surrogates(value).replace("\x00", "\ufffd")
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


# --- HTML text and inline JSON -----------------------------------------------------------------

# Characters that must not appear literally inside <script>: "<" alone stops "</script" and "<!--";
# U+2028/2029 are escaped for old JavaScript parsers.
_SCRIPT_UNSAFE = re.compile("[<>&\u2028\u2029]")
# C0 controls and DEL are invalid in HTML text: show them as their Unicode "control pictures".
_HTML_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def html_printable(text: str) -> str:
    """Replace what HTML text cannot hold: lone surrogates (UTF-8 cannot encode them) and controls."""
    text = scrub_surrogates(text)
    return _HTML_CONTROL.sub(lambda m: chr(0x2421 if m.group() == "\x7f" else 0x2400 + ord(m.group())), text)


def script_safe(json_text: str) -> str:
    """JSON text made safe inside ``<script type="application/json">``."""
    return _SCRIPT_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", scrub_surrogates(json_text))


# --- terminal ---------------------------------------------------------------------------------

# Control characters (an escape sequence could retitle or rewrite the terminal) and bidi overrides.
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal(text: str) -> str:
    """Task data as it may go to a terminal: unsafe characters shown as escapes, never sent raw."""
    return _TERMINAL_UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                                else f"\\u{ord(m.group()):04x}", text)
