"""The `tenet` command: parse options, call the Scanner, pick a report, set the exit code.

Heavy modules (cloud SDKs, checkov, rich) are imported inside the commands
that need them, so `tenet scan` starts fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from scanner import __version__
from scanner.reports.terminal import printable

if TYPE_CHECKING:
    from scanner.audit.engine import AuditResult
    from scanner.gating import Settings
    from scanner.scan import ScanResult

SEVERITIES = ("critical", "high", "medium", "low", "none")
# A scan that takes longer than this shows a spinner on a terminal.
SLOW_SCAN_SECONDS = 1.0
REPORT_FORMATS = ("console", "json", "sarif", "github", "gitlab-sast", "junit", "ocsf", "markdown", "html")
_COMPLIANCE_HELP = ("Also report every control of this compliance framework (repeatable): pass, fail, could not "
                    "evaluate, manual or not covered. An id (cis-aws-4.0, nist-800-53-r5 …; an unknown one lists "
                    "them) or a framework file.  [default: the configuration's compliance]")


class UsageError(click.UsageError):
    exit_code = 2

    def format_message(self) -> str:
        return printable(self.message)  # it may quote the input (a path, a config key)


class InputError(click.ClickException):
    """A configuration or baseline file that cannot be used: exit 2, no usage text."""

    exit_code = 2

    def format_message(self) -> str:
        return printable(self.message)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="tenet", message="%(prog)s %(version)s")
def main() -> None:
    """Tenet: one security standard for Terraform, Kubernetes and live AWS, Azure and GCP."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="console", show_default=True,
              help="The report on standard output (or --output): console, JSON, SARIF 2.1.0, GitHub Actions "
                   "workflow commands (inline pull request annotations), GitLab's SAST report, JUnit XML, OCSF "
                   "Detection Findings, Markdown, or a self-contained HTML report.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE.")
@click.option("--output-format", "output_formats", multiple=True, metavar="FORMAT=FILE",
              help="Also write a report in FORMAT to FILE (repeatable): json=tenet.json, sarif=tenet.sarif, …")
@click.option("--sarif", "sarif_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a SARIF 2.1.0 report to FILE: the same as --output-format sarif=FILE.")
@click.option("--include-suppressed", is_flag=True,
              help="Keep suppressed findings in SARIF (GitHub code scanning shows them as open alerts).")
@click.option("--sarif-include-unlocated", "include_unlocated", is_flag=True,
              help="Keep findings with no file in the repository in SARIF, for consumers other than GitHub code "
                   "scanning (which rejects them).")
@click.option("--category", default="tenet/", show_default=True,
              help="SARIF automationDetails.id: the GitHub code scanning category of this analysis.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
              help="Exit 1 when a finding is at or above this severity.  [default: the configuration's fail-on, "
                   "else low]")
@click.option("--fail-on-unknown/--no-fail-on-unknown", default=None,
              help="Also fail on rules that could not be evaluated.  [default: the configuration's, else no]")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read the configuration from FILE (a .tenet.toml, or a pyproject.toml with [tool.tenet]) "
                   "instead of the nearest one above the scanned paths.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Fail only on findings that are not in this baseline file.")
@click.option("--write-baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Record today's findings in FILE as accepted (then gate against it).")
@click.option("--quiet", "-q", is_flag=True, help="List only the findings that fail the run, then the summary.")
@click.option("--var-file", "var_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Terraform variable file (repeatable), as for terraform plan.")
@click.option("--source-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The Terraform configuration of a plan JSON, to locate findings at .tf lines "
                   "[default: the plan's directory].")
@click.option("--engine", "engines", multiple=True, type=click.Choice(["tenet", "checkov"]), default=("tenet",),
              show_default=True,
              help="Engine to run (repeatable): Tenet's rules, checkov's Terraform and Kubernetes checks, or both. "
                   "An issue both report is listed once, under Tenet's rule, with the checkov id as an alias.")
@click.option("--max-instances", type=click.IntRange(min=1), default=None,
              help="Most instances one count, for_each or dynamic block may expand to; a resource past it is an "
                   "error entry and is not scanned.  [default: the configuration's max-instances, else 10000]")
@click.option("--download-modules/--no-download-modules", default=None,
              help="Fetch registry, git and https-archive modules that `terraform init` has not installed, into "
                   "a cache ($TENET_CACHE_DIR, else ~/.cache/tenet/modules).  [default: the configuration's "
                   "download-modules, else no: offline]")
@click.option("--policies", "policy_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Also run the user policies in DIR (repeatable), as the configuration's policy-paths do; "
                   "see docs/custom-policies.md.")
@click.option("--compliance", "compliance", multiple=True, metavar="ID", help=_COMPLIANCE_HELP,
              callback=lambda _ctx, _param, values: _compliance_ids(values))
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes for the Terraform module directories of a large scan (16 directories and "
                   "256 KiB or more); 1 keeps the scan in one process. The report is the same either way.  "
                   "[default: the configuration's jobs, else one per CPU]")
@click.option("--color/--no-color", default=None, help="Colour the console report (default: on a terminal).")
def scan(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    output_formats: tuple[str, ...],
    sarif_file: Path | None,
    include_suppressed: bool,
    include_unlocated: bool,
    category: str,
    fail_on: str | None,
    fail_on_unknown: bool | None,
    config_file: Path | None,
    baseline_file: Path | None,
    write_baseline: Path | None,
    quiet: bool,
    var_files: tuple[Path, ...],
    source_dir: Path | None,
    engines: tuple[str, ...],
    max_instances: int | None,
    download_modules: bool | None,
    policy_dirs: tuple[Path, ...],
    compliance: tuple[str, ...],
    jobs: int | None,
    color: bool | None,
) -> None:
    """Scan Terraform and Kubernetes files or directories (default: the current directory)."""
    from scanner.config import ConfigError
    from scanner.engine.registry import load_rules
    from scanner.engines import TENET, external_engines
    from scanner.extras import MissingExtra
    from scanner.gating import BaselineError, prepare, record_baseline
    from scanner.scan import Scanner

    targets = list(paths) or [Path(".")]
    try:
        settings = prepare(targets, cwd=Path.cwd(), all_rules=load_rules(), config_file=config_file, fail_on=fail_on,
                           fail_on_unknown=fail_on_unknown, baseline_file=baseline_file,
                           writing_baseline=write_baseline is not None, policy_dirs=policy_dirs,
                           compliance=compliance)
        tenet = TENET in engines  # without it, only the other engines' findings are reported
        scanner = Scanner(var_files=var_files, source_dir=source_dir, params=settings.params,
                          rules=settings.rules if tenet else [], sources=None if tenet else [],
                          gating=settings.gating, engines=external_engines(engines),
                          max_instances=max_instances or settings.config.config.max_instances,
                          max_plan_bytes=settings.config.config.max_plan_mib * 1024 * 1024,
                          max_file_bytes=settings.config.config.max_file_mib * 1024 * 1024,
                          download_modules=settings.config.config.download_modules if download_modules is None
                          else download_modules,
                          errors=settings.policy_errors, jobs=jobs or settings.config.config.jobs)
        with _slow_scan_status(len(targets)):
            result = scanner.scan(targets)
        if write_baseline is not None:
            written = record_baseline(result, write_baseline, Path.cwd())
            count = len(written.entries)
            click.echo(printable(f"tenet: wrote {count} finding{'s' if count != 1 else ''} to {written.label}"),
                       err=True)
    except (ConfigError, BaselineError, MissingExtra) as exc:
        raise InputError(str(exc)) from None
    _report(result, settings, fmt=fmt, output=output, sarif_file=sarif_file, output_formats=output_formats,
            include_suppressed=include_suppressed, include_unlocated=include_unlocated, category=category,
            quiet=quiet, color=color, cwd=Path.cwd())


def _compliance_ids(values: tuple[str, ...]) -> tuple[str, ...]:
    """--compliance, checked before any work (an audit can take minutes): a shipped id or a framework file.
    The framework is read and checked later, with the rule set (`gating.prepare`)."""
    if not values:
        return values
    from scanner.compliance.frameworks import available_frameworks

    available = available_frameworks()
    for value in values:
        if value not in available and not Path(value).is_file():
            raise UsageError(f"--compliance {value}: no such compliance framework; available: {', '.join(available)} "
                             "(or the path of a framework file)")
    return values


def _report(result: ScanResult, settings: Settings, *, fmt: str, output: Path | None, sarif_file: Path | None,
            output_formats: tuple[str, ...], include_suppressed: bool, category: str, quiet: bool,
            include_unlocated: bool = False,
            color: bool | None, cwd: Path, console_footer: str = "", drift_gate: bool = False) -> NoReturn:
    """Render the chosen report (and any others asked for), write them, and exit with the gating code."""
    extra = _output_formats(output_formats, sarif_file)
    if settings.frameworks:
        from scanner.compliance.report import evaluate_frameworks

        result.compliance = evaluate_frameworks(result, settings.frameworks, settings.params, settings.all_rules)
    targets = [output.resolve() for output in [output] if output is not None] + [f.resolve() for _, f in extra]
    if len(set(targets)) != len(targets):
        raise UsageError("two reports name the same file (--output, --sarif, --output-format)")

    def render(kind: str, to_terminal: bool) -> str:
        if kind == "console":
            from scanner.reports import console

            shown = result.gating(settings.fail_on, settings.fail_on_unknown) if quiet else None
            colour = _colour(color, to_terminal)
            return console.render(result, colour=colour, findings=shown, fail_on=settings.fail_on,
                                  fail_on_unknown=settings.fail_on_unknown) + console_footer
        if kind == "json":
            from scanner.reports import json as json_report

            return json_report.render(result)
        if kind == "sarif":
            from scanner.reports import sarif

            return sarif.render(result, category=category, cwd=cwd, include_suppressed=include_suppressed,
                                include_unlocated=include_unlocated)
        if kind == "gitlab-sast":
            from scanner.reports import gitlab_sast

            return gitlab_sast.render(result)
        if kind == "junit":
            from scanner.reports import junit

            return junit.render(result)
        if kind == "ocsf":
            from scanner.reports import ocsf

            return ocsf.render(result)
        if kind == "markdown":
            from scanner.reports import markdown

            return markdown.render(result, fail_on=settings.fail_on, fail_on_unknown=settings.fail_on_unknown)
        if kind == "html":
            from scanner.reports import html

            return html.render(result, fail_on=settings.fail_on, fail_on_unknown=settings.fail_on_unknown)
        from scanner.reports import github

        return github.render(result)

    _write(render(fmt, output is None and sys.stdout.isatty()), output,
           colour=_colour(color, sys.stdout.isatty()) if fmt == "console" and output is None else None)
    for kind, path in extra:
        _write(render(kind, False), path)
    if drift_gate and not result.has_errors:
        # --fail-on-drift: only what changed outside Terraform, or what no Terraform manages, fails the run.
        drifted = [f for f in result.gating(settings.fail_on, settings.fail_on_unknown)
                   if f.drift in ("drifted", "unmanaged")]
        sys.exit(1 if drifted else 0)
    sys.exit(result.exit_code(settings.fail_on, settings.fail_on_unknown))


@contextmanager
def _slow_scan_status(paths: int) -> Iterator[None]:
    """A spinner on stderr once a scan has taken a second, on a terminal only: CI logs and pipes stay clean.
    rich is imported by the timer, so a quick scan never pays for it."""
    import os
    import threading

    if not sys.stderr.isatty() or os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        yield
        return
    shown: list[Any] = []
    finished: list[bool] = []
    lock = threading.Lock()

    def show() -> None:
        from rich.console import Console

        with lock:
            if finished:  # the scan ended while the timer fired
                return
            status = Console(stderr=True).status(f"tenet: scanning {paths} path{'s' if paths != 1 else ''}…")
            status.start()
            shown.append(status)

    timer = threading.Timer(SLOW_SCAN_SECONDS, show)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            finished.append(True)
            for status in shown:
                status.stop()


def _colour(color: bool | None, to_terminal: bool) -> bool:
    """--color/--no-color, else NO_COLOR and FORCE_COLOR (https://no-color.org, https://force-color.org),
    else whether the report goes to a terminal."""
    import os

    if color is not None:
        return color
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "") not in ("", "0", "false"):
        return True
    return to_terminal


def _output_formats(values: tuple[str, ...], sarif_file: Path | None) -> list[tuple[str, Path]]:
    """`--output-format FMT=FILE` (repeatable), and `--sarif FILE`, its shorthand."""
    pairs = [("sarif", sarif_file)] if sarif_file is not None else []
    for value in values:
        kind, sep, file = value.partition("=")
        if not sep or not file or kind not in REPORT_FORMATS:
            raise UsageError(f"--output-format {value}: write FORMAT=FILE, FORMAT one of {', '.join(REPORT_FORMATS)}")
        pairs.append((kind, Path(file)))
    return pairs


def _write(text: str, output: Path | None, colour: bool | None = None) -> None:
    if output is None:
        # click strips colour codes off a non-terminal unless told otherwise (--color).
        click.echo(text, nl=False, color=colour)
        return
    from scanner.sources.boundary import NotOpened, write_output

    try:
        write_output(output, text)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    except NotOpened as exc:
        raise UsageError(f"{output}: {exc}") from None


@main.group(invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
@click.option("--policies", "policy_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Also list the user policies in DIR (repeatable), as the configuration's policy-paths do; "
                   "see docs/custom-policies.md.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The configuration whose policy-paths to read, instead of the nearest one above the current "
                   "directory.")
@click.pass_context
def rules(ctx: click.Context, fmt: str, policy_dirs: tuple[Path, ...], config_file: Path | None) -> None:
    """List every rule: id, category, severity and title (user policies' rules marked with their file)."""
    ctx.obj = (policy_dirs, config_file)
    if ctx.invoked_subcommand is not None:
        return
    listed = _rule_set(policy_dirs, config_file)
    if fmt == "markdown":
        from scanner.reports import rules_doc

        click.echo(rules_doc.render(listed), nl=False)
        return
    for r in listed:
        mine = "" if r.is_builtin else f"  [{r.policy_file}" + (f", replaces {r.replaces}]" if r.replaces else "]")
        click.echo(printable(f"{r.id:<9} {r.category.value:<11} {r.severity.value:<9} {r.title}{mine}"))


def _rule_set(policy_dirs: tuple[Path, ...], config_file: Path | None) -> list[Any]:
    """The built-in rules, with the user policies of --policies and of the configuration's policy-paths.
    A policy file that cannot be imported is reported on standard error and exits 2."""
    from scanner.config import ConfigError, discover
    from scanner.engine.registry import load_rules
    from scanner.gating import load_user_policies

    cwd = Path.cwd()
    try:
        found = load_user_policies([cwd], cwd=cwd, builtins=load_rules(),
                                   config_file=config_file if config_file is not None else discover([cwd], cwd),
                                   discovered=config_file is None, policy_dirs=policy_dirs)
    except ConfigError as exc:
        raise InputError(str(exc)) from None
    if found is None:
        return load_rules()
    if found.errors:
        for error in found.errors:
            click.echo(printable(f"tenet: {error}"), err=True)
        sys.exit(2)
    return found.rules


@main.command()
@click.option("--format", "fmt", type=click.Choice(["markdown"]), default="markdown", show_default=True)
def coverage(fmt: str) -> None:
    """The coverage matrix (docs/coverage.md): resource types, families, rules, sources, live reads."""
    from scanner.reports import coverage_doc

    click.echo(coverage_doc.render(), nl=False)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["markdown"]), default="markdown", show_default=True)
def compliance(fmt: str) -> None:
    """The compliance frameworks' control coverage (docs/compliance.md), from policies/compliance/."""
    from scanner.compliance.frameworks import FrameworkError
    from scanner.reports import compliance_doc

    try:
        click.echo(compliance_doc.render(), nl=False)
    except FrameworkError as exc:
        raise InputError(str(exc)) from None


@rules.command("show")
@click.argument("rule_id")
@click.pass_obj
def rules_show(options: tuple[tuple[Path, ...], Path | None], rule_id: str) -> None:
    """Print one rule's rationale and remediation."""
    wanted = rule_id.strip().upper()
    for r in _rule_set(*options):
        if wanted in (r.id, r.name.upper(), *(a.upper() for a in r.aliases)):
            click.echo(f"{r.id}  {r.title}\n")
            click.echo(f"name:      {r.name}")
            click.echo(f"category:  {r.category.value}")
            click.echo(f"severity:  {r.severity.value}")
            if r.aliases:
                click.echo(f"aliases:   {', '.join(r.aliases)}")
            if not r.is_builtin:
                click.echo(printable(f"policy:    {r.policy_file}"))
            if r.replaces:
                click.echo(f"replaces:  {r.replaces}")
            click.echo(f"\nRationale\n{_wrapped(r.rationale)}\n\nRemediation\n{_wrapped(r.remediation)}")
            if r.references:
                click.echo("\nReferences\n" + "\n".join(f"  {ref}" for ref in r.references))
            from scanner.compliance.frameworks import describe_rule_controls

            controls = describe_rule_controls(r.id)
            if controls:
                click.echo("\nCompliance controls (policies/compliance/)\n" + "\n".join(f"  {c}" for c in controls))
            return
    raise UsageError(f"no rule {rule_id!r}; `tenet rules` lists them")


@main.command("test-policies")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--fixtures", "fixtures", type=click.Path(exists=True, path_type=Path),
              help="The fixtures to run the rules on (a file or a directory).  [default: DIRECTORY/fixtures]")
@click.option("--all-rules", is_flag=True,
              help="Run the built-in rules too and hold them to the annotations as well; by default only the "
                   "rules of DIRECTORY are held to them.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The configuration whose [params] the rules read, instead of the nearest one above the "
                   "fixtures.")
def test_policies(directory: Path, fixtures: Path | None, all_rules: bool, config_file: Path | None) -> None:
    """Run the policies in DIRECTORY on their fixtures and check the `# expect: ID` annotations.

    Each annotation is a test, reported PASS or FAIL; so is every finding of a rule under test on a line
    that expects none. Exit 0 when all hold, 1 when one fails, 2 when a policy cannot be loaded.
    """
    from scanner import config as cfg
    from scanner import policy_testing
    from scanner.engine.registry import load_rules
    from scanner.engine.user_policies import PolicyError, load_policies

    cwd = Path.cwd()
    builtins = load_rules()
    try:
        loaded = load_policies([directory], builtins, shown=lambda p: policy_testing.display(p, cwd))
    except PolicyError as exc:
        raise InputError(str(exc)) from None
    if loaded.errors:
        for error in loaded.errors:
            click.echo(printable(f"tenet: {error}"), err=True)
        sys.exit(2)
    mine = loaded.user_rules
    if not mine:
        raise InputError(f"{directory}: no rules found (a rule is a function decorated with scanner.policy.rule)")
    fixtures = fixtures if fixtures is not None else directory / "fixtures"
    if not fixtures.exists():
        raise InputError(f"{fixtures}: no such fixtures directory (give one with --fixtures)")
    try:
        path = config_file if config_file is not None else cfg.discover([fixtures], cwd)
        params = cfg.load(path, cwd, loaded.params_type).config.params
    except cfg.ConfigError as exc:
        raise InputError(str(exc)) from None
    rules = loaded.rules if all_rules else mine
    report = policy_testing.run(fixtures, rules, {r.id for r in rules}, params, cwd, tested={r.id for r in mine})
    for outcome in report.outcomes:
        click.echo(printable(str(outcome)))
        if outcome.detail:
            click.echo("    " + printable(outcome.detail))
    click.echo("-" * 80)
    click.echo(report.summary())
    sys.exit(1 if report.failed else 0)


def _wrapped(text: str) -> str:
    """A docstring section re-flowed to the terminal's width, indented; its paragraphs kept."""
    import shutil
    import textwrap

    width = min(100, shutil.get_terminal_size((100, 24)).columns) - 2
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
    return "\n\n".join(textwrap.fill(p, width, initial_indent="  ", subsequent_indent="  ") for p in paragraphs)


# -- live audits ---------------------------------------------------------------------------------------------

F = TypeVar("F", bound=Callable[..., Any])


def audit_options(command: F) -> F:
    """The options every `tenet audit <cloud>` command shares: report, gating, snapshot, concurrency.

    The command receives them as keyword arguments and passes them on: `finish_audit(result, **report)`,
    except `workers`, `audit_timeout`, `call_timeout` (which it gives its audit: `limits_of`) and `shard`.
    """
    options = [
        click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="console",
                     show_default=True),
        click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write the report to FILE."),
        click.option("--output-format", "output_formats", multiple=True, metavar="FORMAT=FILE",
                     help="Also write a report in FORMAT to FILE (repeatable)."),
        click.option("--sarif", "sarif_file", type=click.Path(dir_okay=False, path_type=Path),
                     help="Also write a SARIF 2.1.0 report to FILE: the same as --output-format sarif=FILE."),
        click.option("--include-suppressed", is_flag=True,
                     help="Keep suppressed findings in SARIF (GitHub code scanning shows them as open alerts)."),
        click.option("--sarif-include-unlocated", "include_unlocated", is_flag=True,
                     help="Keep findings with no file in the repository (live resources no state links to a .tf "
                          "line) in SARIF, for consumers other than GitHub code scanning, which rejects them."),
        click.option("--category", default="tenet/", show_default=True,
                     help="SARIF automationDetails.id: the GitHub code scanning category of this analysis."),
        click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
                     help="Exit 1 when a finding is at or above this severity.  [default: the configuration's "
                          "fail-on, else low]"),
        click.option("--fail-on-unknown/--no-fail-on-unknown", default=None,
                     help="Also fail on rules that could not be evaluated."),
        click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
                     help="Read the configuration from FILE instead of the nearest one above the current directory."),
        click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False, path_type=Path),
                     help="Fail only on findings that are not in this baseline file."),
        click.option("--write-baseline", type=click.Path(dir_okay=False, path_type=Path),
                     help="Record today's findings in FILE as accepted (then gate against it)."),
        click.option("--state", "states", multiple=True, metavar="STATE", callback=_state_specs,
                     help="A Terraform state that manages some of the audited resources (repeatable): a file "
                          "(terraform.tfstate, or terraform show -json), s3://BUCKET/KEY, azurerm://ACCOUNT/CONTAINER/"
                          "BLOB, gs://BUCKET/OBJECT, or `auto`: the backend block of the configuration. Live findings "
                          "are linked to their .tf lines and classed in-code, drifted, unmanaged or not-live."),
        click.option("--backend-config", "backend_configs", multiple=True, metavar="KEY=VALUE|FILE",
                     help="With --state auto: a backend setting, or a file of them, as terraform init "
                          "-backend-config takes (repeatable)."),
        click.option("--source-dir", "drift_source_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
                     help="With --state: the configuration to compare live with [default: the state's own "
                          "attributes, what Terraform last applied]; also where the .tf lines and the backend block "
                          "are [default: next to a state file; the current directory for a remote state]."),
        click.option("--fail-on-drift", is_flag=True,
                     help="With --state: fail only on drifted and unmanaged findings (at or above --fail-on)."),
        click.option("--save-inventory", type=click.Path(dir_okay=False, path_type=Path),
                     help="Save what was read, normalised, as JSON; `tenet scan FILE` re-evaluates it offline."),
        click.option("--workers", type=click.IntRange(1, 128), default=16, show_default=True,
                     help="API calls made at the same time."),
        click.option("--shard", default="1/1", show_default=True, metavar="K/N", callback=_shard,
                     help="Audit only shard K of N of the (account, region) work items: a slice that depends "
                          "on the items alone (docs/scale.md). Save each shard's --save-inventory, then "
                          "`tenet merge` them."),
        click.option("--timeout", "audit_timeout", type=click.FloatRange(min=0, min_open=True), default=None,
                     metavar="SECONDS",
                     help="Stop the whole audit after SECONDS: the calls not done are error entries (exit 2) and "
                          "the report covers what was read.  [default: no limit]"),
        click.option("--call-timeout", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
                     metavar="SECONDS",
                     help="The most one API call may take, its retries included; past it the call is an error "
                          "entry."),
        click.option("--quiet", "-q", is_flag=True, help="List only the findings that fail the run, then the summary."),
        click.option("--policies", "policy_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
                     help="Also run the user policies in DIR (repeatable); see docs/custom-policies.md."),
        click.option("--compliance", "compliance", multiple=True, metavar="ID", help=_COMPLIANCE_HELP,
                     callback=lambda _ctx, _param, values: _compliance_ids(values)),
        click.option("--color/--no-color", default=None, help="Colour the console report (default: on a terminal)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _state_specs(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """--state values checked before the audit starts: an address of a known form, or a file that exists."""
    if not value:
        return value  # the Terraform source is not imported for an audit without a state
    from scanner.sources.terraform.backend import AUTO, BackendError, parse_address

    for spec in value:
        if spec == AUTO:
            continue
        try:
            address = parse_address(spec)
        except BackendError as exc:
            raise click.BadParameter(str(exc).removeprefix(f"--state {spec}: "), ctx, param) from None
        if not address.remote and not Path(spec).is_file():
            raise click.BadParameter(f"{spec}: no such state file (a path, s3://, azurerm://, gs:// or auto)", ctx,
                                     param)
    return value


def _shard(ctx: click.Context, param: click.Parameter, value: str) -> Any:
    from scanner.audit.shards import Shard

    try:
        return Shard.parse(value)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


@main.group()
def audit() -> None:
    """Audit live cloud accounts against the same rules as `scan` (read-only API calls)."""


def finish_audit(
    audited: AuditResult,
    *,
    fmt: str,
    output: Path | None,
    output_formats: tuple[str, ...],
    sarif_file: Path | None,
    include_suppressed: bool,
    include_unlocated: bool,
    category: str,
    fail_on: str | None,
    fail_on_unknown: bool | None,
    config_file: Path | None,
    baseline_file: Path | None,
    write_baseline: Path | None,
    save_inventory: Path | None,
    quiet: bool,
    color: bool | None,
    states: tuple[str, ...] = (),
    backend_configs: tuple[str, ...] = (),
    drift_source_dir: Path | None = None,
    fail_on_drift: bool = False,
    policy_dirs: tuple[Path, ...] = (),
    gcs_endpoint: str | None = None,
    compliance: tuple[str, ...] = (),
) -> NoReturn:
    """Save the snapshot, run the rules, report, and exit (2 when the audit is partial)."""
    from scanner.config import ConfigError
    from scanner.engine.registry import load_rules
    from scanner.gating import BaselineError, prepare, record_baseline
    from scanner.scan import Scanner

    if save_inventory is not None:
        _write(audited.snapshot().dump(), save_inventory)
    cwd = Path.cwd()
    try:
        settings = prepare([cwd], cwd=cwd, all_rules=load_rules(), config_file=config_file, fail_on=fail_on,
                           fail_on_unknown=fail_on_unknown, baseline_file=baseline_file,
                           writing_baseline=write_baseline is not None, policy_dirs=policy_dirs,
                           compliance=compliance)
        scanner = Scanner(params=settings.params, rules=settings.rules, gating=settings.gating, cwd=cwd,
                          errors=settings.policy_errors)
        live = audited.load_result()
        result = scanner.evaluate(live)
        if states:
            result = _with_drift(result, settings, states, drift_source_dir, cwd, backend_configs=backend_configs,
                                 gcs_endpoint=gcs_endpoint, live_assets=live.assets, live_secrets=live.secrets)
        elif drift_source_dir is not None or fail_on_drift or backend_configs:
            raise UsageError("--source-dir, --backend-config and --fail-on-drift need --state")
        if write_baseline is not None:
            written = record_baseline(result, write_baseline, cwd)
            count = len(written.entries)
            click.echo(printable(f"tenet: wrote {count} finding{'s' if count != 1 else ''} to {written.label}"),
                       err=True)
    except (ConfigError, BaselineError) as exc:
        raise InputError(str(exc)) from None
    footer = ""
    if audited.partial:
        calls = audited.calls
        footer = (f"partial audit: {len(audited.errors)} of {calls} API call{'s' if calls != 1 else ''} "
                  "failed; the findings cover only what could be read\n")
    _report(result, settings, fmt=fmt, output=output, sarif_file=sarif_file, output_formats=output_formats,
            include_suppressed=include_suppressed, include_unlocated=include_unlocated, category=category,
            quiet=quiet, color=color, cwd=cwd, console_footer=footer, drift_gate=fail_on_drift)


def _with_drift(result: ScanResult, settings: Settings, specs: tuple[str, ...], source_dir: Path | None,
                cwd: Path, *, backend_configs: tuple[str, ...] = (), gcs_endpoint: str | None = None,
                live_assets: Sequence[object] = (), live_secrets: Iterable[str] = ()) -> ScanResult:
    """Live findings linked to the states that manage them, and classed against the intent (scanner/drift.py)."""
    import dataclasses

    from scanner.audit.remote_state import FetchOptions, opened, resolve
    from scanner.drift import classify, declarations, managed_ids
    from scanner.engine.redaction import Redactor
    from scanner.scan import Scanner
    from scanner.sources.boundary import Boundary
    from scanner.sources.interface import LoadContext
    from scanner.sources.terraform.backend import AUTO, BackendError, parse_backend_config

    config_dir = source_dir if source_dir is not None else cwd
    try:
        addresses = resolve(specs, config_dir, LoadContext(cwd=cwd).display_path(config_dir),
                            parse_backend_config(backend_configs, cwd))
    except BackendError as exc:
        raise InputError(str(exc)) from None
    if backend_configs and AUTO not in specs:
        raise UsageError("--backend-config completes the backend block of --state auto")
    limit = settings.config.config.max_plan_mib * 1024 * 1024
    with opened(addresses, FetchOptions(max_bytes=limit, gcs_endpoint=gcs_endpoint)) as states:
        # A remote state has no .tf files next to it: its configuration is --source-dir or the current directory.
        located_dir = source_dir if source_dir is not None or not states.remote else cwd

        def scanner() -> Scanner:
            made = Scanner(params=settings.params, rules=settings.rules, cwd=cwd, source_dir=located_dir,
                           max_plan_bytes=limit, keep_assets=True)
            made.context.shown_as.update(states.shown)
            return made

        errors = list(states.errors)
        if not states.paths:
            return dataclasses.replace(result, errors=[*result.errors, *errors])
        # The intent: the configuration when given, else the states' own attributes (what Terraform last applied).
        intent = scanner()
        intended = intent.scan([source_dir] if source_dir is not None else states.paths)
        errors += intended.errors
        if source_dir is None:
            located = intent  # the intent is the states themselves: their scan also places them at their .tf lines
        else:
            located = scanner()
            errors += located.scan(states.paths).errors  # a state that cannot be read is said, not skipped
        # The states named are read where they are, as their scan read them (a fetched one is in a private directory).
        ids = managed_ids(states.paths, LoadContext(cwd=cwd, max_plan_bytes=limit,
                                                    boundary=Boundary.around(states.paths)))
        # Every secret of the states and the configuration stays hidden: in drift details, and in the SARIF
        # snippets of the .tf lines live findings now point at.
        redact = Redactor([*live_secrets, *intent.loaded.secrets, *located.loaded.secrets])
        findings = classify(result.findings, intended.findings, ids, declarations(located.loaded.assets),
                            live_assets=live_assets, intent_assets=intent.loaded.assets, hide=redact)
    # A fetched state is no file of the repository: what is located only in it has no file location.
    fetched = set(states.shown.values())
    findings = [f.model_copy(update={"location": None}) if f.location is not None and f.location.path in fetched
                else f for f in findings]
    return dataclasses.replace(result, findings=findings, errors=[*result.errors, *errors],
                               files=sorted({*result.files, *intended.files}), redact=redact)


def limits_of(audit_timeout: float | None, call_timeout: float) -> Any:
    """The audit engine's `Limits` from --timeout and --call-timeout: each request's read timeout stays
    within the call's deadline."""
    from scanner.audit.engine import Limits

    defaults = Limits()
    return Limits(connect_timeout=min(defaults.connect_timeout, call_timeout),
                  read_timeout=min(defaults.read_timeout, call_timeout), attempts=defaults.attempts,
                  call_deadline=call_timeout, audit_timeout=audit_timeout)


def _csv(text: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in (text or "").split(",") if item.strip())


@audit.command("aws")
@click.option("--profile", "profiles", multiple=True,
              help="Profile to audit (repeatable). Default: the standard credential chain (environment, "
                   "AWS_PROFILE, SSO, instance or container role).")
@click.option("--regions", default="all", show_default=True,
              help="`all`: every region enabled in the account; or a comma-separated list.")
@click.option("--assume-role", help="Role to assume in each of --accounts: an ARN, in which `{account}` stands for "
                                    "the account id, or a role name (with an optional path).")
@click.option("--accounts", help="Comma-separated account ids to audit through --assume-role.")
@click.option("--organization", is_flag=True,
              help="Audit every active account of the organization (Organizations ListAccounts, from the management "
                   "or a delegated administrator account) through --assume-role.")
@click.option("--external-id", help="ExternalId for --assume-role, when the role's trust policy asks for one.")
@audit_options
def audit_aws(profiles: tuple[str, ...], regions: str, assume_role: str | None, accounts: str | None,
              organization: bool, external_id: str | None, workers: int, audit_timeout: float | None,
              call_timeout: float, shard: Any, **report: Any) -> None:
    """Audit AWS accounts: network (security groups, network ACLs, load balancers, EKS, public databases),
    TLS, encryption at rest and IAM across some thirty services.

    Only Describe*, Get* and List* calls are made (and sts:AssumeRole, sts:GetCallerIdentity for
    credentials). Exit codes as for `scan`; 2 also when a call failed and the audit is partial.
    """
    import dataclasses

    with _extra("aws", "tenet audit aws"):
        from scanner.audit.aws.collectors import AwsAuditOptions
        from scanner.audit.aws.collectors import audit_aws as run_aws_audit
    from scanner.audit.engine import progress_for

    wanted = _csv(regions)
    options = AwsAuditOptions(
        profiles=profiles,
        regions=None if [r.lower() for r in wanted] == ["all"] else wanted,
        assume_role=assume_role,
        accounts=_csv(accounts),
        organization=organization,
        external_id=external_id,
        workers=workers,
        shard=shard,
    )
    limits = limits_of(audit_timeout, call_timeout)
    options = dataclasses.replace(options, connect_timeout=limits.connect_timeout, read_timeout=limits.read_timeout,
                                  call_deadline=limits.call_deadline, audit_timeout=limits.audit_timeout)
    problems = options.problems()
    if problems:
        raise UsageError("; ".join(problems))
    finish_audit(run_aws_audit(options, progress=progress_for(label="tenet audit aws")), **report)


@audit.command("azure")
@click.option("--subscription", "subscriptions", multiple=True, metavar="ID",
              help="Subscription to audit (repeatable). Default: every enabled subscription the credential can see.")
@click.option("--management-group", "management_groups", multiple=True, metavar="ID",
              help="Audit every enabled subscription under this management group, at any depth (repeatable).")
@click.option("--endpoint", metavar="URL",
              help="Resource Manager URL, for sovereign clouds, Azure Stack Hub or a test server.  "
                   "[default: https://management.azure.com]")
@click.option("--audience", metavar="URI",
              help="Token audience when it is not the endpoint (Azure Stack Hub).  [default: the endpoint]")
@audit_options
def audit_azure(subscriptions: tuple[str, ...], management_groups: tuple[str, ...], endpoint: str | None,
                audience: str | None, workers: int, audit_timeout: float | None, call_timeout: float,
                shard: Any, **report: Any) -> None:
    """Audit Azure subscriptions: NSGs, gateways, storage, web apps, databases, caches, Key Vault,
    messaging, disks, VMs, AKS and RBAC.

    Credentials come from azure-identity's DefaultAzureCredential (environment, workload or managed
    identity, Azure CLI, …). Only list and get calls are made. Exit codes as for `scan`; 2 also when a
    call failed and the audit is partial.
    """
    import logging

    with _extra("azure", "tenet audit azure"):
        from azure.core.exceptions import ClientAuthenticationError
        from azure.identity import DefaultAzureCredential

        from scanner.audit.azure.collectors import PUBLIC_ENDPOINT, AzureOptions
        from scanner.audit.azure.collectors import audit as run_azure_audit
    from scanner.audit.engine import progress_for

    url = _endpoint_url(endpoint or PUBLIC_ENDPOINT, "--endpoint")
    scopes = (f"{_endpoint_url(audience, '--audience')}/.default",) if audience else ()
    options = AzureOptions(endpoint=url, credential_scopes=scopes, limits=limits_of(audit_timeout, call_timeout))
    # azure-identity also logs the credential chain's failure; the error below already says it all.
    logging.getLogger("azure.identity").setLevel(logging.ERROR)
    with DefaultAzureCredential() as credential:
        try:
            # Once, up front: a missing credential is one clear error, not one per call.
            credential.get_token(*options.scopes)
        except ClientAuthenticationError as exc:
            raise InputError(f"no Azure credential: {exc.message}") from None
        audited = run_azure_audit(credential, subscriptions, management_groups=management_groups, options=options,
                                  workers=workers, shard=shard,
                                  progress=progress_for(label="tenet audit azure"))
    finish_audit(audited, **report)


@audit.command("gcp")
@click.option("--project", "projects", multiple=True, metavar="ID",
              help="Project to audit (repeatable). Default: the application default credentials' project.")
@click.option("--organization", metavar="ID",
              help="Also audit every active project of this organization, its folders included.")
@click.option("--endpoint", "endpoints", multiple=True, metavar="[SERVICE=]URL",
              help="API endpoint for every service, or for one of cloudresourcemanager, compute, storage, "
                   "sqladmin, cloudkms, pubsub, run, cloudfunctions, bigquery, container, redis, artifactregistry, "
                   "bigtableadmin, dataproc, file, secretmanager, iam, spanner, aiplatform (repeatable): "
                   "private endpoints, "
                   "other universes, a test server.")
@audit_options
def audit_gcp(projects: tuple[str, ...], organization: str | None, endpoints: tuple[str, ...], workers: int,
              audit_timeout: float | None, call_timeout: float, shard: Any, **report: Any) -> None:
    """Audit Google Cloud projects: IAM policies (projects, buckets, KMS keys, Pub/Sub, Cloud Run,
    Cloud Functions, BigQuery datasets), firewalls, SSL policies and proxies, buckets, disks, Cloud SQL.

    Credentials are the application default credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's,
    or the metadata server's). Only list, get and getIamPolicy calls are made. Exit codes as for `scan`;
    2 also when a call failed and the audit is partial.
    """
    with _extra("gcp", "tenet audit gcp"):
        import requests
        from google.auth.exceptions import DefaultCredentialsError, GoogleAuthError

        from scanner.audit.gcp.collectors import SERVICES, GcpOptions, check_credentials, default_credentials
        from scanner.audit.gcp.collectors import audit as run_gcp_audit
    from scanner.audit.engine import progress_for

    by_service: dict[str, str] = {}
    for value in endpoints:
        service, _, url = value.partition("=") if "=" in value.split("://", 1)[0] else ("", "", value)
        if service and service not in SERVICES:
            raise UsageError(f"--endpoint {value}: the service is one of {', '.join(SERVICES)}")
        by_service[service] = _endpoint_url(url, "--endpoint")
    try:
        credentials, default_project = default_credentials()
    except DefaultCredentialsError as exc:
        raise InputError(f"no Google Cloud credentials: {' '.join(str(exc).split())}") from None
    try:
        # Once, up front: refused credentials are one clear error, not one per call.
        check_credentials(credentials)
    except (GoogleAuthError, requests.RequestException) as exc:
        raise InputError(f"Google Cloud credentials could not get a token: {' '.join(str(exc).split())}") from None
    if not projects and not organization:
        if default_project is None:
            raise UsageError("name --project or --organization: the credentials name no project")
        projects = (default_project,)
    options = GcpOptions(endpoints=by_service, limits=limits_of(audit_timeout, call_timeout))
    audited = run_gcp_audit(credentials, projects, organization=organization, options=options, workers=workers,
                            shard=shard, progress=progress_for(label="tenet audit gcp"))
    # A GCS state is read from the same storage endpoint the audit used.
    finish_audit(audited, gcs_endpoint=by_service.get("storage") or by_service.get(""), **report)


_CLOUDS = ("aws", "azure", "gcp")
# The options of each audit that choose what it audits: when one is given, `tenet drift` adds none of its own.
_SCOPE_OPTIONS = {"aws": ("--regions",), "azure": ("--subscription", "--management-group"),
                  "gcp": ("--project", "--organization")}


def _option_values(args: Sequence[str], name: str) -> list[str]:
    """Every value of `name` among unparsed arguments (`--name VALUE` or `--name=VALUE`)."""
    values = []
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            values.append(args[i + 1])
        elif arg.startswith(name + "="):
            values.append(arg.split("=", 1)[1])
    return values


@main.command("drift", context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                                        "allow_interspersed_args": False},
              options_metavar="[aws|azure|gcp] [AUDIT OPTIONS]")
@click.argument("args", nargs=-1, type=click.UNPROCESSED, metavar="")
@click.pass_context
def drift(ctx: click.Context, args: tuple[str, ...]) -> None:
    """Drift in one command: `tenet audit <cloud> --state auto`, where the cloud and what to audit come from
    the state.

    The state is the backend block's of the configuration in --source-dir or the current directory
    (complete it with --backend-config KEY=VALUE), unless --state names one. The cloud is the one whose
    resources the state records (name it first when it records several); the audit covers the AWS regions
    (and, with --assume-role, the accounts), Azure subscriptions or GCP projects of the state's resources,
    unless --regions, --subscription, --management-group, --project or --organization say otherwise. Every
    option of `tenet audit <cloud>` is taken; see docs/drift.md.
    """
    from scanner.audit.remote_state import FetchOptions, opened, resolve
    from scanner.drift import estate_of
    from scanner.sources.boundary import Boundary
    from scanner.sources.interface import LoadContext
    from scanner.sources.terraform.backend import AUTO, BackendError, parse_backend_config

    rest = list(args)
    cloud = rest.pop(0) if rest and rest[0] in _CLOUDS else None
    if any(a in ("-h", "--help") for a in rest):
        if cloud is None:
            click.echo(ctx.get_help())
            ctx.exit(0)
        _invoke_audit(ctx, cloud, rest)  # the audit's own options
    specs = _option_values(rest, "--state")
    if not specs:
        specs = [AUTO]
        rest += ["--state", AUTO]
    cwd = Path.cwd()
    config_dir = Path((_option_values(rest, "--source-dir") or ["."])[-1])
    endpoints = [e.split("=", 1)[-1] for e in _option_values(rest, "--endpoint")
                 if e.startswith("storage=") or "://" in e.split("=", 1)[0]]
    try:
        addresses = resolve(specs, config_dir, LoadContext(cwd=cwd).display_path(config_dir),
                            parse_backend_config(_option_values(rest, "--backend-config"), cwd))
    except BackendError as exc:
        raise InputError(str(exc)) from None
    with opened(addresses, FetchOptions(gcs_endpoint=endpoints[-1] if endpoints else None)) as states:
        if states.errors:
            raise InputError("; ".join(f"{e.path}: {e.message}" for e in states.errors))
        estate = estate_of(states.paths, LoadContext(cwd=cwd, boundary=Boundary.around(states.paths)))
    named = ", ".join(str(a) for a in addresses)
    if cloud is None:
        if len(estate.clouds) != 1:
            found = f"resources of {', '.join(sorted(estate.clouds))}" if estate.clouds else "no AWS, Azure or " \
                                                                                                  "GCP resource"
            raise UsageError(f"the state ({named}) records {found}: name the cloud, as in `tenet drift aws`")
        cloud = next(iter(estate.clouds))
    scope = sorted(estate.scope(cloud))
    if not any(_option_values(rest, option) for option in _SCOPE_OPTIONS[cloud]) and scope:
        if cloud == "aws":
            rest += ["--regions", ",".join(scope)]
        else:
            rest += [part for item in scope for part in (_SCOPE_OPTIONS[cloud][0], item)]
    if cloud == "aws" and _option_values(rest, "--assume-role") and not _option_values(rest, "--accounts") \
            and estate.accounts:
        rest += ["--accounts", ",".join(sorted(estate.accounts))]
    click.echo(printable(f"tenet drift: {cloud} {', '.join(scope) or '(the audit default)'}, against {named}"),
               err=True)
    _invoke_audit(ctx, cloud, rest)


def _invoke_audit(ctx: click.Context, cloud: str, args: list[str]) -> None:
    command = audit.get_command(ctx, cloud)
    assert command is not None  # one of _CLOUDS
    with command.make_context(cloud, args, parent=ctx) as sub:
        command.invoke(sub)


@main.command()
@click.argument("snapshots", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Write the merged snapshot to FILE; `tenet scan FILE` evaluates the organization.")
def merge(snapshots: tuple[Path, ...], output: Path) -> None:
    """Merge the snapshots of a sharded audit (`tenet audit ... --shard K/N --save-inventory`).

    Snapshots of different Tenet versions, providers or partitions are refused (exit 2, nothing written).
    A missing shard and the work items that failed are error entries of the merged snapshot: it is then a
    partial organization audit, said on stderr, and the exit code is 2.
    """
    from pydantic import ValidationError

    from scanner.audit.engine import Snapshot
    from scanner.audit.merge import merge as merge_snapshots
    from scanner.audit.shards import MergeRefused
    from scanner.sources.boundary import Boundary
    from scanner.sources.files import InputError as FileInputError
    from scanner.sources.files import read_text
    from scanner.sources.interface import LoadContext

    # The named files, however large: they are Tenet's own output.
    context = LoadContext(cwd=Path.cwd(), max_file_bytes=1 << 30, boundary=Boundary.around(list(snapshots)))
    named = []
    for path in snapshots:
        try:
            named.append((str(path), Snapshot.parse(read_text(path, context))))
        except FileInputError as exc:
            raise InputError(exc.error.message) from None
        except ValidationError as exc:
            first = exc.errors()[0] if exc.errors() else None
            where = ".".join(str(p) for p in first["loc"]) if first else ""
            raise InputError(f"{path}: not a Tenet inventory snapshot ({where}: {first['msg'] if first else exc})"
                             ) from None
    try:
        merged = merge_snapshots(named)
    except MergeRefused as exc:
        raise InputError(f"tenet merge: {exc}") from None
    _write(merged.dump(), output)
    assert merged.partition is not None and merged.work is not None
    covered = len(merged.work.covered)
    summary = (f"tenet merge: {len(named)} snapshot{'s' if len(named) != 1 else ''}, shards "
               f"{','.join(map(str, merged.partition.shards))} of {merged.partition.total}, {covered} work "
               f"item{'s' if covered != 1 else ''}, {len(merged.inventory.assets)} objects -> {output}")
    click.echo(printable(summary), err=True)
    for error in merged.errors:
        click.echo(printable(f"error: {error.scan_error().message}"), err=True)
    if merged.errors:
        missing = len(merged.partition.missing)
        click.echo(printable(f"tenet merge: partial organization audit: {missing} missing "
                             f"shard{'s' if missing != 1 else ''}, {len(merged.work.failed)} failed work "
                             f"item{'s' if len(merged.work.failed) != 1 else ''}"), err=True)
        sys.exit(2)


@contextmanager
def _extra(extra: str, command: str) -> Iterator[None]:
    """The imports of a command that needs an extra: a missing SDK is one line naming it, exit 2."""
    from scanner.extras import MissingExtra, imports_of

    try:
        with imports_of(extra, command):
            yield
    except MissingExtra as exc:
        raise InputError(str(exc)) from None


def _endpoint_url(url: str, option: str) -> str:
    if not url.startswith(("https://", "http://")):
        raise UsageError(f"{option} {url}: give a URL starting with https://")
    return url.rstrip("/")
