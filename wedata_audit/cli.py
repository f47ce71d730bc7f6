"""The command line: parse options into plain objects, then hand them to :mod:`wedata_audit.runner`.

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
from wedata_audit.errors import EXIT_USAGE, AuditError
from wedata_audit.finding import Severity
from wedata_audit.reporters import format_choices
from wedata_audit.runner import CheckOptions, FilterOptions, ReportOptions, RuleOptions, execute_check
from wedata_audit.terminal import Terminal

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
        click.option("-v", "--verbose", count=True, help="Print every finding; -vv adds tracebacks."),
        click.option("-q", "--quiet", is_flag=True, help="Print only the verdict line."),
    ]):
        fn = deco(fn)
    return fn


def _rule_opts(kw: dict[str, Any]) -> RuleOptions:
    no_default = kw.pop("no_default_rules")
    return RuleOptions(rule_paths=list(kw.pop("rule_paths")), default_rules=False if no_default else None,
                       params=list(kw.pop("params")), severities=list(kw.pop("severities")),
                       select=list(kw.pop("select")), ignore=list(kw.pop("ignore")))


def _filter_opts(kw: dict[str, Any]) -> FilterOptions:
    return FilterOptions(waivers=kw.pop("waivers"), baseline=kw.pop("baseline"))


def _report_opts(kw: dict[str, Any]) -> ReportOptions:
    return ReportOptions(formats=list(kw.pop("formats")), output_dir=kw.pop("output_dir"),
                         fail_on=kw.pop("fail_on"), verbose=kw.pop("verbose"), quiet=kw.pop("quiet"))


@click.group(epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="wedata-audit")
def cli() -> None:
    """Audit Tencent Cloud WeData trigger-task versions against a JSON schema and YAML policy rules."""


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, required=True)
@click.option("--project-id", help="WeData project id of the snapshots (Data carries none).")
@rule_options
@report_options
def check(paths: tuple[str, ...], project_id: str | None, **kw: Any) -> int:
    """Audit saved task-version snapshots: JSON or JSON Lines files, folders, or - for stdin."""
    opts = CheckOptions(paths=list(paths), project_id=project_id, config=kw.pop("config"), rules=_rule_opts(kw),
                        filters=_filter_opts(kw), report=_report_opts(kw))
    return execute_check(opts, Terminal(opts.report.verbose, opts.report.quiet))


@cli.group()
def rules() -> None:
    """List, show and validate policy rules."""


@rules.command("list")
@rule_options
def rules_list(**kw: Any) -> int:
    """List the rules in effect: id, severity, title."""
    from wedata_audit.rulesdoc import list_rules

    return list_rules(_rule_opts(kw), Terminal())


@rules.command("show")
@click.argument("rule_id")
@rule_options
def rules_show(rule_id: str, **kw: Any) -> int:
    """Show a rule's whole documentation, with its params."""
    from wedata_audit.rulesdoc import show_rule

    return show_rule(rule_id, _rule_opts(kw), Terminal())


@rules.command("validate")
@click.argument("paths", nargs=-1)
def rules_validate(paths: tuple[str, ...]) -> int:
    """Validate policy files (the bundled pack when no PATH is given)."""
    from wedata_audit.rulesdoc import validate_rules

    return validate_rules(list(paths), Terminal())


@rules.command("test")
@click.argument("paths", nargs=-1, required=True)
@rule_options
@click.option("--config", "config", type=click.Path(), help="Configuration file (rules, overrides).")
@click.option("-v", "--verbose", count=True, help="List every case, passing ones too.")
def rules_test(paths: tuple[str, ...], config: str | None, verbose: int, **kw: Any) -> int:
    """Run policy unit tests: case files (or folders of them) that say which rules must fail or pass.

    Exits 1 when any case does not behave as it says.
    """
    from wedata_audit.rulesdoc import test_rules

    return test_rules(list(paths), _rule_opts(kw), config, Terminal(verbose))


@cli.command()
@click.argument("old", type=click.Path())
@click.argument("new", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def diff(old: str, new: str, fmt: str) -> int:
    """Compare two JSON reports: new, fixed and still-open findings. Exits 1 when there are new ones."""
    from wedata_audit.reportdiff import diff_reports

    return diff_reports(old, new, fmt, Terminal())


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    verbose = sum(a.count("v") for a in args if a.startswith("-") and not a.startswith("--") and set(a[1:]) == {"v"})
    verbose += args.count("--verbose")
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
        click.secho(f"wedata-audit: error: {exc}", fg="red", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("wedata-audit: interrupted", err=True)
        return EXIT_USAGE
    except Exception as exc:  # never let a crash read as 0 or 1
        click.secho(f"wedata-audit: internal error: {type(exc).__name__}: {exc}", fg="red", err=True)
        if verbose:
            traceback.print_exc()
        else:
            click.echo("(run with -v for the traceback)", err=True)
        return EXIT_USAGE
    return rv if isinstance(rv, int) else 0
