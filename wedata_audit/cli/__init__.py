"""The command line: parse options into plain objects, then hand them to :mod:`wedata_audit.settings.options`.

Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 usage or configuration
error, or an unexpected internal error; 3 the audit is incomplete (an errored task), which wins over 1.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

import click

from wedata_audit import __version__
from wedata_audit.cli.check import execute_check
from wedata_audit.errors import EXIT_INCOMPLETE, EXIT_USAGE, AuditError
from wedata_audit.model.finding import Severity
from wedata_audit.reporters import format_choices
from wedata_audit.settings.options import CheckOptions, FilterOptions, ReportOptions, RuleOptions
from wedata_audit.terminal import Terminal, configure_logging, use_color

EXIT_CODES_HELP = """\b
Exit codes:
  0  no finding at or above --fail-on
  1  findings at or above --fail-on
  2  usage or configuration error, or an internal error
  3  the audit is incomplete (an errored task); wins over 1"""

F = Callable[..., Any]


def rule_options(fn: F) -> F:
    for deco in reversed([
        click.option("--rules", "rule_paths", multiple=True, type=click.Path(),
                     help="Policy file or folder to add (repeatable)."),
        click.option("--no-default-rules", is_flag=True, help="Leave the bundled policy pack out."),
        click.option("--param", "params", multiple=True, metavar="RULE.NAME=VALUE",
                     help="Override a rule parameter; VALUE is read as YAML (repeatable)."),
        click.option("--severity", "severities", multiple=True, metavar="RULE=LEVEL",
                     help="Override a rule's severity (repeatable)."),
        click.option("--select", multiple=True, metavar="RULE", help="Run only these rules (repeatable)."),
        click.option("--ignore", multiple=True, metavar="RULE", help="Skip these rules (repeatable)."),
    ]):
        fn = deco(fn)
    return fn


def report_options(fn: F) -> F:
    choices = ", ".join(format_choices())
    for deco in reversed([
        click.option("--format", "formats", multiple=True, metavar="FORMAT[=PATH]",
                     help=f"Report format ({choices}); repeatable; default html, junit and json. "
                          "FORMAT=PATH names the file (relative to the current folder)."),
        click.option("-o", "--output-dir", type=click.Path(), help="Folder for reports [default: reports]."),
        click.option("--fail-on", type=click.Choice([s.value for s in Severity]),
                     help="Lowest severity that fails the gate [default: high]."),
        click.option("--config", "config", type=click.Path(),
                     help="Configuration file [default: ./wedata-audit.yaml when it exists]."),
        click.option("--waivers", type=click.Path(), help="Waivers file (YAML): accepted exceptions with expiry."),
        click.option("--baseline", type=click.Path(),
                     help="An earlier JSON report: only findings not in it count for the gate."),
        click.option("--previous", type=click.Path(),
                     help="An earlier JSON report: each finding's first_seen date is carried from it."),
        click.option("--junit-failures", type=click.Choice(["gate", "all"]),
                     help="JUnit <failure> for open findings at or above --fail-on only (gate), or for every open "
                          "finding (all) [default: gate]."),
        click.option("--junit-passing", type=click.Choice(["auto", "all", "folded"]),
                     help="JUnit test cases for passing rules: one per rule (all), one per task (folded), or all "
                          "unless the file would pass 25 MB (auto) [default: auto]."),
        click.option("-v", "--verbose", count=True,
                     help="Print every finding and the traceback of an internal error; -vv also logs each request."),
        click.option("-q", "--quiet", is_flag=True, help="Print only the verdict line."),
    ]):
        fn = deco(fn)
    return fn


def framework_options(fn: F) -> F:
    for deco in reversed([
        click.option("--frameworks", "run_framework_paths", multiple=True, type=click.Path(), metavar="PATH",
                     help="Framework catalogue file or folder to add to the coverage (repeatable)."),
        click.option("--framework", "run_framework", metavar="ID",
                     help="Run only the rules of this framework and report its coverage alone."),
    ]):
        fn = deco(fn)
    return fn


def _rule_opts(kw: dict[str, Any]) -> RuleOptions:
    no_default = kw.pop("no_default_rules")
    return RuleOptions(rule_paths=list(kw.pop("rule_paths")), default_rules=False if no_default else None,
                       params=list(kw.pop("params")), severities=list(kw.pop("severities")),
                       select=list(kw.pop("select")), ignore=list(kw.pop("ignore")),
                       framework_paths=list(kw.pop("run_framework_paths", ())),
                       framework=kw.pop("run_framework", None))


def _filter_opts(kw: dict[str, Any]) -> FilterOptions:
    return FilterOptions(waivers=kw.pop("waivers"), baseline=kw.pop("baseline"), previous=kw.pop("previous"),
                         release_gate=kw.pop("release_gate", None))


RELEASE_GATE = click.option(
    "--release-gate", type=click.Choice(["new", "all"]),
    help="Release review: gate only on findings the release adds (new), or also on those production already "
         "has (all) [default: new].")


def _report_opts(kw: dict[str, Any]) -> ReportOptions:
    quiet = kw.pop("quiet")
    return ReportOptions(formats=list(kw.pop("formats")), output_dir=kw.pop("output_dir"),
                         junit_failures=kw.pop("junit_failures"), junit_passing=kw.pop("junit_passing"),
                         fail_on=kw.pop("fail_on"), verbose=_verbosity(kw.pop("verbose"), quiet), quiet=quiet)


@click.group(epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="wedata-audit")
def cli() -> None:
    """Audit Tencent Cloud WeData trigger-task versions against a JSON schema and YAML policy rules."""


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, required=True)
@click.option("--project-id", help="WeData project id of the snapshots (Data carries none).")
@RELEASE_GATE
@rule_options
@framework_options
@report_options
def check(paths: tuple[str, ...], project_id: str | None, **kw: Any) -> int:
    """Audit saved task-version snapshots: JSON or JSON Lines files, folders, or - for stdin."""
    opts = CheckOptions(paths=list(paths), project_id=project_id, config=kw.pop("config"), rules=_rule_opts(kw),
                        filters=_filter_opts(kw), report=_report_opts(kw))
    return execute_check(opts, Terminal(opts.report.verbose, opts.report.quiet))


@cli.command(epilog=EXIT_CODES_HELP)
@click.option("--project-id", help="WeData project id.")
@click.option("--region", help="API region [default: TENCENTCLOUD_REGION or the configuration].")
@click.option("--endpoint", help="API endpoint, a scheme allowed [default: wedata.intl.tencentcloudapi.com].")
@click.option("--profile", help="tccli profile to read credentials (and region) from.")
@click.option("--use-cvm-role", is_flag=True, help="Use the CVM instance role's credentials (as tccli does).")
@click.option("--task", "tasks", multiple=True, metavar="ID", help="Task id to audit (repeatable).")
@click.option("--tasks-file", type=click.Path(), help="File of task ids, one per line, # comments.")
@click.option("--rate", type=float, help="Requests per second, shared by all workers [default: 20].")
@click.option("--workers", type=click.IntRange(min=1), help="Concurrent requests [default: 8].")
@click.option("--timeout", type=float, help="Per-request timeout in seconds [default: 10].")
@click.option("--save-snapshots", type=click.Path(), metavar="DIR",
              help="Write each raw response to DIR (re-audit offline with 'check DIR').")
@click.option("--versions", type=click.Choice(["latest", "production", "release"]),
              help="Which version of each task: the latest submitted, the one production uses, or both, reviewed "
                   "as a release [default: latest].")
@RELEASE_GATE
@click.option("--cache", type=click.Path(file_okay=False), metavar="DIR",
              help="Incremental version cache: versions already fetched are read from DIR, not the API.")
@click.option("--refresh", is_flag=True, help="Ignore what the cache holds (fetch everything) and rewrite it.")
@rule_options
@framework_options
@report_options
def audit(**kw: Any) -> int:
    """Fetch the latest (or a pinned) version of each task from the WeData API and audit it.

    Credentials: TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY / TENCENTCLOUD_TOKEN, else --profile
    (tccli), else ~/.tencentcloud/credentials, else the CVM role with --use-cvm-role. The secret key is
    never a flag and never printed.
    """
    from wedata_audit.sources.api.live import LiveOptions, execute_audit

    opts = LiveOptions(project_id=kw.pop("project_id"), region=kw.pop("region"), endpoint=kw.pop("endpoint"),
                       profile=kw.pop("profile"), use_cvm_role=kw.pop("use_cvm_role"), tasks=list(kw.pop("tasks")),
                       tasks_file=kw.pop("tasks_file"), rate=kw.pop("rate"), workers=kw.pop("workers"),
                       timeout=kw.pop("timeout"), save_snapshots=kw.pop("save_snapshots"), config=kw.pop("config"),
                       versions=kw.pop("versions"), cache=kw.pop("cache"), refresh=kw.pop("refresh"),
                       rules=_rule_opts(kw), filters=_filter_opts(kw), report=_report_opts(kw))
    return execute_audit(opts, Terminal(opts.report.verbose, opts.report.quiet))


@cli.command()
@click.option("-o", "--output-dir", type=click.Path(), help="Folder for reports [default: reports].")
@click.option("--format", "formats", multiple=True, metavar="FORMAT[=PATH]", help="As for check.")
@click.option("--tasks", "n_tasks", type=click.IntRange(1, 5000), default=60, show_default=True,
              help="How many tasks the fake API serves.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the verdict line.")
def demo(output_dir: str | None, formats: tuple[str, ...], n_tasks: int, quiet: bool) -> int:
    """Start the bundled fake WeData API on a loopback port and run a real live audit against it."""
    from wedata_audit.sources.api.live import execute_demo

    _verbosity(0, quiet)
    report = ReportOptions(formats=list(formats), output_dir=output_dir, quiet=quiet)
    return execute_demo(report, Terminal(quiet=quiet), tasks=n_tasks)


@cli.group()
def rules() -> None:
    """List, show and validate policy rules."""


@rules.command("list")
@rule_options
def rules_list(**kw: Any) -> int:
    """List the rules in effect: id, severity, title."""
    from wedata_audit.cli.rules import list_rules

    return list_rules(_rule_opts(kw), Terminal())


@rules.command("show")
@click.argument("rule_id")
@rule_options
def rules_show(rule_id: str, **kw: Any) -> int:
    """Show a rule's whole documentation, with its params."""
    from wedata_audit.cli.rules import show_rule

    return show_rule(rule_id, _rule_opts(kw), Terminal())


@rules.command("validate")
@click.argument("paths", nargs=-1)
def rules_validate(paths: tuple[str, ...]) -> int:
    """Validate policy files (the bundled pack when no PATH is given)."""
    from wedata_audit.cli.rules import validate_rules

    return validate_rules(list(paths), Terminal())


@rules.command("test")
@click.argument("paths", nargs=-1, required=True)
@rule_options
@click.option("--config", "config", type=click.Path(), help="Configuration file (rules, overrides).")
@click.option("-v", "--verbose", count=True, help="List every case, passing ones too.")
def rules_test(paths: tuple[str, ...], config: str | None, verbose: int, **kw: Any) -> int:
    """Run policy unit tests: case files (or folders of them) that say which rules must fail or pass.

    Exits 1 when any case does not behave as it says, or when no case was found.
    """
    from wedata_audit.cli.rules import test_rules

    _verbosity(verbose)
    return test_rules(list(paths), _rule_opts(kw), config, Terminal(verbose))


@cli.command()
@click.argument("old", type=click.Path())
@click.argument("new", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def diff(old: str, new: str, fmt: str) -> int:
    """Compare two JSON reports: new, fixed and still-open findings.

    Exits 1 when there are new findings, 3 when either run is incomplete, 2 when a file is not a report.
    """
    from wedata_audit.reporters.diff import diff_reports

    return diff_reports(old, new, fmt, Terminal())


@cli.command()
@click.argument("reports", nargs=-1, required=True)
@click.option("-o", "--output-dir", type=click.Path(),
              help="Folder for history.html and history.csv [default: reports].")
def history(reports: tuple[str, ...], output_dir: str | None) -> int:
    """Trends across earlier JSON reports (files or folders): history.html (SVG charts) and history.csv.

    Runs are ordered by start time; reports of other projects or rulesets form their own series. A file that
    is not a readable report is named and skipped (exit 3).
    """
    from wedata_audit.reporters.history import execute_history

    return execute_history(list(reports), output_dir, Terminal())


@cli.group()
def frameworks() -> None:
    """List and show framework catalogues (MLPS 2.0 level 3, ISO/IEC 27001:2022, SOC 2) and their rules."""


def _framework_paths(fn: F) -> F:
    return click.option("--frameworks", "framework_paths", multiple=True, type=click.Path(), metavar="PATH",
                        help="Framework catalogue file or folder to add (repeatable).")(fn)


@frameworks.command("list")
@_framework_paths
@rule_options
def frameworks_list(framework_paths: tuple[str, ...], **kw: Any) -> int:
    """List the framework catalogues: id, requirements, automated ones, source."""
    from wedata_audit.reporters.listings.frameworks import list_frameworks

    return list_frameworks(list(framework_paths), _rule_opts(kw), Terminal())


@frameworks.command("show")
@click.argument("framework_id")
@_framework_paths
@rule_options
def frameworks_show(framework_id: str, framework_paths: tuple[str, ...], **kw: Any) -> int:
    """Show a framework: its sources and notes, and each requirement with the rules that check it."""
    from wedata_audit.reporters.listings.frameworks import show_framework

    return show_framework(framework_id, list(framework_paths), _rule_opts(kw), Terminal())


_STATE = {"verbose": 0}  # the parsed -v count, for the error handler in main()


def _verbosity(verbose: int, quiet: bool = False) -> int:
    """Record the parsed -v count and set up logging from it and -q (done by each command that has -v)."""
    _STATE["verbose"] = verbose
    configure_logging(verbose, quiet)
    return verbose


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; every outcome, including a crash, becomes one of the documented exit codes."""
    args = list(sys.argv[1:] if argv is None else argv)
    _STATE["verbose"] = 0
    configure_logging(0)
    try:
        rv = cli.main(args=args, prog_name="wedata-audit", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return EXIT_USAGE
    except AuditError as exc:
        click.secho(f"wedata-audit: error: {exc}", fg="red", err=True, color=use_color())
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("wedata-audit: interrupted: the audit is incomplete", err=True)
        return EXIT_INCOMPLETE
    except Exception as exc:  # never let a crash read as 0 or 1
        click.secho(f"wedata-audit: internal error: {type(exc).__name__}: {exc}", fg="red", err=True,
                    color=use_color())
        if _STATE["verbose"]:
            traceback.print_exc()
        else:
            click.echo("(run with -v for the traceback)", err=True)
        return EXIT_USAGE
    return rv if isinstance(rv, int) else 0
