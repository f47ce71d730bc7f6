"""How the JUnit report's spool is assembled: the forms it can take, their sizes, and the expansion of the
spooled lines into the document (see :mod:`wedata_audit.reporters.formats.junit` for the shape and the choice)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

FOLDED_CASE = "passing"
# Spool markers (NUL and SOH never survive the escapers).
_SUITE, _PASS, _OOS, _FAIL, _EXCUSED, _END = "\x00S", "\x00P", "\x00O", "\x00F", "\x00X", "\x00E"
_BELOW, _PROPS = "\x00B", "\x00R"
_NL = "\x01"


@dataclass(frozen=True, slots=True)
class Form:
    """How the spooled document is assembled: per-rule passing cases or one folded case per task (``compact``:
    the folded case also takes the waived and baseline rules, and counts the passing ones instead of naming
    them), and full or trimmed failure bodies; ``minimal``: as compact, with failures reduced to their type and
    a 60-character message, no suite properties, and the folded case only counting."""

    folded: bool
    detail: bool
    compact: bool = False
    minimal: bool = False


FORMS = {
    "auto": (Form(False, True), Form(True, True), Form(True, False), Form(True, False, True),
             Form(True, False, True, True)),
    "all": (Form(False, True), Form(False, False)),
    "folded": (Form(True, True), Form(True, False), Form(True, False, True), Form(True, False, True, True)),
}


@dataclass(slots=True)
class Sizes:
    """Bytes of each part of the document, so the assembly can choose a form that fits."""

    fixed: int = 0
    passing_cases: int = 0  # one test case per passing / out-of-scope rule
    passing_folded: int = 0  # one folded test case per task, naming its rules
    compact_folded: int = 0  # one folded test case per task, counting its rules, naming the excused ones
    excused_cases: int = 0  # the <skipped> test cases of waived and baseline rules
    failure_full: int = 0
    failure_trimmed: int = 0
    below_full: int = 0  # passing test cases of rules whose open findings are all below the gate
    below_trimmed: int = 0
    below_props: int = 0  # the suite properties naming them, one per rule
    failure_tiny: int = 0  # minimal: type and a short message only
    minimal_folded: int = 0

    def total(self, form: Form) -> int:
        if form.minimal:
            return self.fixed + self.minimal_folded + self.failure_tiny
        if form.compact:
            return self.fixed + self.compact_folded + self.failure_trimmed
        passing = (self.passing_folded if form.folded else self.passing_cases) + self.excused_cases
        failing = (self.failure_full + self.below_full) if form.detail else (self.failure_trimmed + self.below_trimmed)
        return self.fixed + passing + self.below_props + failing


def expand(lines: Iterator[str], form: Form) -> Iterator[str]:
    """The spooled lines turned into the document's, in the chosen form."""
    folded, detail, compact = form.folded, form.detail, form.compact
    classname = ""
    cases: list[str] = []
    passed: list[str] = []  # folded: the passing, out-of-scope and (compact) excused rules of the suite
    out_of_scope: list[str] = []
    excused_ids: list[str] = []
    below_ids: list[str] = []
    for raw in lines:
        line = raw.rstrip("\n")
        if line.startswith(_SUITE):
            fields = line[2:].split("\x00")
            _, name, classname = fields[:3]
            others, failures, errors, skipped, n_excused, n_pass, n_oos, n_below = (int(x) for x in fields[3:])
            if compact:
                tests = others + (1 if n_pass or n_oos or n_excused or n_below else 0)
                n_skipped = skipped - n_excused
            elif folded:
                tests = others + n_below + n_excused + (1 if n_pass or n_oos else 0)
                n_skipped = skipped
            else:
                tests = others + n_below + n_excused + n_pass + n_oos
                n_skipped = skipped + n_oos
            yield (f'<testsuite name="{name}" tests="{tests}" failures="{failures}" errors="{errors}"'
                   f' skipped="{n_skipped}">\n')
            cases, passed, out_of_scope, excused_ids, below_ids = [], [], [], [], []
        elif line.startswith(_END):
            if folded and (passed or out_of_scope or excused_ids or below_ids):
                if form.minimal:
                    counts = ((len(passed), "passed"), (len(below_ids), "below the gate"),
                              (len(out_of_scope), "out of scope"), (len(excused_ids), "waived or in the baseline"))
                    listed = [f"{n} {what}" for n, what in counts if n] + ["see the JSON report"]
                elif compact:
                    listed = [f"{len(passed)} rule(s) passed"] if passed else []
                    if below_ids:
                        listed.append("below the gate (--fail-on): " + ", ".join(below_ids))
                    if out_of_scope:
                        listed.append(f"{len(out_of_scope)} out of scope")
                    listed += excused_ids
                    listed.append("the JSON report has every outcome")
                else:
                    listed = ["passed: " + ", ".join(passed)] if passed else []
                    if out_of_scope:
                        listed.append("out of scope: " + ", ".join(out_of_scope))
                cases.append(f'<testcase classname="{classname}" name="{FOLDED_CASE}">'
                             f"<system-out>{'; '.join(listed)}</system-out></testcase>")
            yield ("\n".join(cases) + "\n</testsuite>\n") if cases else "</testsuite>\n"
        elif line.startswith(_PASS):
            if folded:
                passed.append(line[2:])
            else:
                cases.append(f'<testcase classname="{classname}" name="{line[2:]}"/>')
        elif line.startswith(_OOS):
            if folded:
                out_of_scope.append(line[2:])
            else:
                cases.append(f'<testcase classname="{classname}" name="{line[2:]}">'
                             '<skipped message="out of scope"/></testcase>')
        elif line.startswith(_PROPS):
            full_props, compact_props = line[2:].split("\x00")
            if not form.minimal:
                cases.append(compact_props if compact else full_props)
        elif line.startswith(_BELOW):
            label, head, full, short = line[2:].split("\x00")
            if compact:
                below_ids.append(label)
            else:
                cases.append(f"{head}{full.replace(_NL, chr(10)) if detail else short}</testcase>")
        elif line.startswith(_EXCUSED):
            label, case = line[2:].split("\x00")
            if compact:
                excused_ids.append(label)
            else:
                cases.append(case.replace(_NL, "\n"))
        elif line.startswith(_FAIL):
            head, full, short, tiny = line[2:].split("\x00")
            body = tiny if form.minimal else full.replace(_NL, chr(10)) if detail else short
            cases.append(f"{head}{body}</testcase>")
        else:
            cases.append(line.replace(_NL, "\n"))
