"""JUnit XML for CI (GitLab, Jenkins): valid against the Jenkins xUnit ``junit-10.xsd``.

Shape:

* one ``<testsuites>``; when the run is incomplete its first ``<testsuite>`` is ``wedata-audit``,
  holding one test case with an ``<error>``, so a partial run can never read as clean;
* one ``<testsuite>`` per task version, one ``<testcase>`` per rule outcome (passing ones too),
  ``name`` = rule id, ``classname`` = ``wedata.<project or default>.<task id or source>``, plus
  ``.v<version>`` when the run holds several versions of the task next to each other (or a version of
  a task seen earlier in the run), and ``.<n>`` if that is still not unique, so every (classname, name)
  pair is unique and stable between runs over the same input;
* each test case carries at most one result element, so the counts are unambiguous. The failures follow
  the gate (``--junit-failures gate``, the default): open findings at or above ``--fail-on`` -> one
  ``<failure type="<rule id>">`` (the message of the first, the evidence of all in the body); open findings
  only below it -> a passing test case whose ``<system-out>`` holds the evidence, plus a suite property
  ``below-gate.<rule id>``, so the CI system's colour matches the exit code. ``--junit-failures all``: every
  open finding fails its test case. Only waived or baseline (``existing``) findings -> ``<skipped>``;
  outcome ``skip`` -> ``<skipped message="out of scope"/>``; an errored task -> one test case ``load``
  with ``<error>``.

The XSD allows no ``skipped`` attribute on ``<testsuites>``, so that total is only on each suite.

Size: GitLab ignores JUnit files over 30 MB. The document streams to a spool in a compact form that keeps
each passing and out-of-scope rule as a marker and each failure body beside its short form; at the end the
exact size of each choice is known and the file is assembled so it stays under ``MAX_BYTES``:

``--junit-passing auto`` (default) takes the first of these forms that fits (the choice is made for the
whole run, so names do not depend on a task's position; failures and errors are the same in every form):

1. one test case per rule outcome;
2. each task's passing and out-of-scope rules folded into one passing test case named ``passing``, whose
   ``<system-out>`` names them;
3. as 2, with each failure body (and each below-the-gate ``<system-out>``) reduced to a pointer to the JSON
   report and its message cut to ``TRIMMED_MESSAGE`` characters;
4. as 3, with the waived and baseline rules and the rules whose findings are all below the gate also in
   the ``passing`` case, which then counts the passing rules instead of naming them (and one suite
   property ``below-gate`` names the rules below the gate);
5. as 4, with each failure reduced to its type and a 60-character message, no suite property, and the
   ``passing`` case only counting (the JSON report has the rest).

``--junit-passing all`` keeps form 1 (trimming failure bodies if still too large); ``folded`` starts at 2.
No failure is ever dropped.

Every value from task data goes through :func:`attr` or :func:`text` (``reporters.escaping``), which
escape markup and replace what XML 1.0 cannot carry with a visible ``\\xNN`` / ``\\uNNNN`` escape, so the
file is always well-formed. The markers use NUL and SOH, which escaped text never contains.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from wedata_audit.model.finding import Finding, Severity, Subject
from wedata_audit.model.results import RULE_SKIP, AuditResult, RuleInfo, Run, TaskResult
from wedata_audit.reporters.base import Reporter, render
from wedata_audit.reporters.escaping import shorten, xml_attr, xml_clean, xml_text
from wedata_audit.reporters.junit_forms import (
    _BELOW,
    _END,
    _EXCUSED,
    _FAIL,
    _NL,
    _OOS,
    _PASS,
    _PROPS,
    _SUITE,
    FORMS,
    Form,
    Sizes,
    expand,
)

__all__ = ["JUnitReporter", "attr", "clean", "render_document", "text"]

attr, text, clean = xml_attr, xml_text, xml_clean

RUN_SUITE = "wedata-audit"
LOAD_CASE = "load"
# Longest message attribute and longest evidence value; the JSON report keeps the full text.
MAX_MESSAGE = 300
MAX_VALUE = 500
# The file is kept under this size (GitLab's limit is 30 MB).
MAX_BYTES = 25_000_000
TRIMMED = "details: see the JSON report"
TRIMMED_MESSAGE = 120
TINY_MESSAGE = 60

_CLASS_UNSAFE = re.compile(r"[^\w-]+")


# --- test case identity ---------------------------------------------------------------------


def _component(value: str) -> str:
    return _CLASS_UNSAFE.sub("_", value).strip("_") or "_"


def base_classname(subject: Subject) -> str:
    project = _component(subject.project_id) if subject.project_id else "default"
    return f"wedata.{project}.{_component(subject.task_id or subject.source)}"


def _versioned(base: str, subject: Subject) -> str:
    return f"{base}.v{_component(subject.version_num or subject.version_id or 'none')}"


def _digest(name: str) -> int:
    """A stable 64-bit digest of a name (the same in every run, unlike ``hash``)."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


@dataclass(slots=True)
class Names:
    """Unique, stable classnames for a stream of task versions, one group (adjacent versions of a task)
    held at a time; the hashes of the names given so far keep later repeats unique (8 bytes a name, not the
    name: memory stays small at any size)."""

    seen_bases: set[int] = field(default_factory=set)
    seen_names: set[int] = field(default_factory=set)

    def group(self, subjects: list[Subject]) -> list[str]:
        base = base_classname(subjects[0])
        many = len(subjects) > 1 or _digest(base) in self.seen_bases
        self.seen_bases.add(_digest(base))
        names = [_versioned(base, s) if many else base for s in subjects]
        counts = Counter(names)
        numbered: Counter[str] = Counter()
        out = []
        for name in names:
            if counts[name] > 1:
                numbered[name] += 1
                name = f"{name}.{numbered[name]}"
            n = 1
            unique = name
            while _digest(unique) in self.seen_names:
                n += 1
                unique = f"{name}.{n}"
            self.seen_names.add(_digest(unique))
            out.append(unique)
        return out


# --- test case bodies -----------------------------------------------------------------------


def evidence(finding: Finding, rule: RuleInfo | None) -> str:
    lines = [f"[{finding.severity.value}] {finding.title}", finding.message]
    for label, value in (("key", finding.key), ("actual", finding.actual), ("expected", finding.expected)):
        if value:
            lines.append(f"{label}: {shorten(value, MAX_VALUE)}")
    if not finding.is_open:
        lines.append(f"status: {finding.status}" + (f" ({finding.note})" if finding.note else ""))
    if rule is not None and rule.remediation:
        lines.append(f"remediation: {shorten(rule.remediation, MAX_VALUE)}")
    return "\n".join(lines)


def _message(found: list[Finding]) -> str:
    opened = [f for f in found if f.is_open]
    message = opened[0].message if opened else "rule failed"
    if len(opened) > 1:
        message = f"{message} (+{len(opened) - 1} more)"
    return message


def failure(rule_id: str, found: list[Finding], rule: RuleInfo | None, detail: bool = True) -> str:
    message = _message(found)
    if not detail:
        short = attr(shorten(message, TRIMMED_MESSAGE))
        return f'<failure type="{attr(rule_id)}" message="{short}">{TRIMMED}</failure>'
    body = "\n\n".join(evidence(f, rule) for f in found) or message
    return (
        f'<failure type="{attr(rule_id)}" message="{attr(shorten(message, MAX_MESSAGE))}">'
        f"{text(body)}</failure>"
    )


def below_gate(found: list[Finding], rule: RuleInfo | None, detail: bool = True) -> str:
    """The ``<system-out>`` of a passing test case whose open findings are all below the gate."""
    if not detail:
        return f"<system-out>below the gate (--fail-on): {text(shorten(_message(found), TRIMMED_MESSAGE))}; " \
               f"{TRIMMED}</system-out>"
    return ("<system-out>" + text("below the gate (--fail-on): " + "\n\n".join(evidence(f, rule) for f in found))
            + "</system-out>")


def excused(found: list[Finding]) -> str:
    """A ``<skipped>`` for a rule whose findings are all waived or in the baseline."""
    first = found[0]
    if first.status == "waived":
        message = f"waived: {first.note}" if first.note else "waived"
    else:
        message = "existing finding (baseline)"
    return f'<skipped message="{attr(shorten(message, MAX_MESSAGE))}"/>'


def _outcomes(task: TaskResult, by_rule: dict[str, list[Finding]]) -> Iterator[tuple[str, str]]:
    """The task's outcomes, then any rule that has findings but no outcome (never drop a finding)."""
    yield from task.outcomes
    listed = {rule_id for rule_id, _ in task.outcomes}
    for rule_id in by_rule:
        if rule_id not in listed:
            yield rule_id, "fail"


def _size(value: str) -> int:
    return len(value) if value.isascii() else len(value.encode("utf-8"))


class JUnitReporter(Reporter):
    name = "junit"
    default_filename = "junit.xml"
    marker = re.compile(rb'<testsuites name="wedata-audit"')

    def start(self, run: Run) -> None:
        super().start(run)
        self._rules = {r.id: r for r in run.rules}
        self._floor = run.fail_on.rank if self.settings.junit_failures == "gate" else Severity.INFO.rank
        self._names = Names()
        self._group: list[TaskResult] = []
        self.sizes = Sizes()
        self._tests = {"folded": 0, "all": 0, "compact": 0}
        self._failures = self._errors = 0
        self._attr_ids: dict[str, str] = {}  # rule id -> its escaped form

    def add(self, task: TaskResult) -> None:
        if self._group and base_classname(self._group[0].subject) != base_classname(task.subject):
            self._flush()
        self._group.append(task)

    def _flush(self) -> None:
        if not self._group:
            return
        names = self._names.group([t.subject for t in self._group])
        for task, classname in zip(self._group, names, strict=True):
            self.spool.write(self._suite(task, classname))
        self._group = []

    def _suite(self, task: TaskResult, classname: str) -> str:
        """The spooled form of one task's suite: a header marker, case lines, an end marker.

        Passing and out-of-scope rules (most of them) take a fast path: a marker, and their cost counted.
        """
        prefix = f'<testcase classname="{attr(classname)}" name="'
        plen = len(prefix)
        lines: list[str] = []
        properties: list[str] = []
        failures = errors = skipped = passing = out_of_scope = others = 0
        literal = pass_cost = fold_cost = 0  # bytes of literal lines; of per-rule passing cases; of folded names
        excused_ids: list[str] = []
        below_ids: list[str] = []
        sizes = self.sizes
        ids = self._attr_ids
        if task.error is not None:
            reason = attr(shorten(task.error, MAX_MESSAGE))
            body = f'<error type="{LOAD_CASE}" message="{reason}">{text(task.error)}</error>'
            line = f'{prefix}{LOAD_CASE}">{body}</testcase>'
            lines.append(line.replace("\n", _NL))
            literal += _size(line)
            errors = others = 1
        else:
            by_rule: dict[str, list[Finding]] = {}
            for finding in task.findings:
                by_rule.setdefault(finding.rule_id, []).append(finding)
            for rule_id, outcome in _outcomes(task, by_rule):
                ra = ids.get(rule_id)
                if ra is None:
                    ra = ids[rule_id] = attr(rule_id)
                found = by_rule.get(rule_id)
                if not found:
                    if outcome == RULE_SKIP:
                        out_of_scope += 1
                        lines.append(_OOS + ra)
                        pass_cost += plen + len(ra) + 50
                        fold_cost += len(ra) + 2
                        continue
                    if outcome != "fail":
                        passing += 1
                        lines.append(_PASS + ra)
                        pass_cost += plen + len(ra) + 5
                        fold_cost += len(ra) + 2
                        continue
                    found = []
                head = prefix + ra + '">'
                opened = [f for f in found if f.is_open]
                gating = [f for f in opened if f.severity.rank >= self._floor]
                rule = self._rules.get(rule_id)
                if gating or (outcome == "fail" and not found):
                    failures += 1
                    others += 1
                    full, short = failure(rule_id, found, rule), failure(rule_id, found, rule, detail=False)
                    tiny = f'<failure type="{ra}" message="{attr(shorten(_message(found), TINY_MESSAGE))}"/>'
                    sizes.failure_full += _size(full)
                    sizes.failure_trimmed += _size(short)
                    sizes.failure_tiny += _size(tiny)
                    sizes.fixed += _size(head) + 12
                    lines.append(f"{_FAIL}{head}\x00{full}\x00{short}\x00{tiny}".replace("\n", _NL))
                elif opened:  # open, but below the gate: a passing case that carries the finding
                    full = below_gate(found, rule)
                    short = below_gate(found, rule, detail=False)
                    sev = max((f.severity for f in opened), key=lambda s: s.rank)
                    label = f"{ra} ({sev.value})"
                    sizes.below_full += _size(full) + _size(head) + 12
                    sizes.below_trimmed += _size(short) + _size(head) + 12
                    sizes.compact_folded += len(label) + 2
                    lines.append(f"{_BELOW}{label}\x00{head}\x00{full}\x00{short}".replace("\n", _NL))
                    below_ids.append(ra)
                    properties.append(f'<property name="below-gate.{ra}" '
                                      f'value="{attr(sev.value + ": " + shorten(_message(found), MAX_MESSAGE))}"/>')
                else:
                    skipped += 1
                    kind = "waived" if found[0].status == "waived" else "existing"
                    case = f"{head}{excused(found)}</testcase>"
                    lines.append(f"{_EXCUSED}{kind}: {ra}\x00{case}".replace("\n", _NL))
                    excused_ids.append(f"{kind}: {rule_id}")
                    sizes.excused_cases += _size(case) + 1
        if properties:
            full_props = "<properties>" + "".join(properties) + "</properties>"
            compact_props = f'<properties><property name="below-gate" value="{", ".join(below_ids)}"/></properties>'
            sizes.below_props += _size(full_props)
            sizes.compact_folded += _size(compact_props)
            lines.insert(0, f"{_PROPS}{full_props}\x00{compact_props}")
        n_below = len(below_ids)
        n_excused = len(excused_ids)
        sizes.passing_cases += pass_cost
        if passing or out_of_scope:
            sizes.passing_folded += plen + 60 + fold_cost
        if passing or out_of_scope or excused_ids or below_ids:
            sizes.compact_folded += plen + 110 + sum(len(x) + 2 for x in excused_ids)
            sizes.minimal_folded += plen + 110
        self._tests["all"] += others + n_below + n_excused + passing + out_of_scope
        self._tests["folded"] += others + n_below + n_excused + (1 if passing or out_of_scope else 0)
        self._tests["compact"] += others + (1 if passing or out_of_scope or excused_ids or below_ids else 0)
        self._failures += failures
        self._errors += errors
        header = "\x00".join((_SUITE, attr(task.subject.label), attr(classname), str(others), str(failures),
                              str(errors), str(skipped), str(n_excused), str(passing), str(out_of_scope),
                              str(n_below)))
        sizes.fixed += _size(header) + literal + 40
        if not lines:
            return f"{header}\n{_END}\n"
        return f"{header}\n" + "\n".join(lines) + f"\n{_END}\n"

    # --- assembly -----------------------------------------------------------------------------

    def _form(self) -> Form:
        """The first form of the chosen ``--junit-passing`` mode that fits under MAX_BYTES (else the last)."""
        forms = FORMS[self.settings.junit_passing]
        return next((f for f in forms if self.sizes.total(f) <= MAX_BYTES), forms[-1])

    def _run_suite(self, run: Run) -> str:
        reason = run.incomplete_text or ""
        message = attr(f"audit incomplete: {reason}")
        body = f'<error type="incomplete" message="{message}">{text(reason)}</error>'
        return (f'<testsuite name="{RUN_SUITE}" tests="1" failures="0" errors="1" skipped="0">\n'
                f'<testcase classname="{RUN_SUITE}" name="complete">{body}</testcase>\n</testsuite>\n')

    def finish(self, run: Run) -> Path:
        self._flush()
        form = self._form()
        extra = 0 if run.is_complete else 1
        tests = self._tests["compact" if form.compact else "folded" if form.folded else "all"] + extra
        head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<testsuites name="{RUN_SUITE}" tests="{tests}" failures="{self._failures}" '
                f'errors="{self._errors + extra}">\n')
        if not run.is_complete:
            head += self._run_suite(run)
        return self.spool.assemble(head, "</testsuites>\n", lambda lines: expand(lines, form))


def render_document(result: AuditResult, **settings: str) -> str:
    from wedata_audit.reporters.base import ReportSettings

    return render(JUnitReporter, result, ReportSettings(**settings))

