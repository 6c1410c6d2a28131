"""The `tenet` command: parse options, call the Scanner, pick a report, set the exit code.

Heavy modules (cloud SDKs, checkov, rich) are imported inside the commands
that need them, so `tenet scan` starts fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scanner import __version__

SEVERITIES = ("critical", "high", "medium", "low", "none")


class UsageError(click.UsageError):
    exit_code = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="tenet", message="%(prog)s %(version)s")
def main() -> None:
    """Tenet: one security standard for Terraform, Kubernetes and live AWS, Azure and GCP."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["console", "json", "sarif"]), default="console", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE.")
@click.option("--sarif", "sarif_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a SARIF 2.1.0 report to FILE, whatever the --format.")
@click.option("--category", default="tenet/", show_default=True,
              help="SARIF automationDetails.id: the GitHub code scanning category of this analysis.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default="low", show_default=True,
              help="Exit 1 when a finding is at or above this severity.")
@click.option("--fail-on-unknown", is_flag=True, help="Also fail on rules that could not be evaluated.")
@click.option("--var-file", "var_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Terraform variable file (repeatable), as for terraform plan.")
@click.option("--color/--no-color", default=None, help="Colour the console report (default: on a terminal).")
def scan(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    sarif_file: Path | None,
    category: str,
    fail_on: str,
    fail_on_unknown: bool,
    var_files: tuple[Path, ...],
    color: bool | None,
) -> None:
    """Scan Terraform and Kubernetes files or directories (default: the current directory)."""
    from scanner.engine.findings import Severity
    from scanner.scan import Scanner

    if sarif_file is not None and output is not None and sarif_file.resolve() == output.resolve():
        raise UsageError("--sarif and --output name the same file")
    result = Scanner(var_files=var_files).scan(list(paths) or [Path(".")])
    sarif_text = ""
    if fmt == "sarif" or sarif_file is not None:
        from scanner.reports import sarif

        sarif_text = sarif.render(result, category=category, cwd=Path.cwd())
    if fmt == "json":
        from scanner.reports import json as json_report

        text = json_report.render(result)
    elif fmt == "sarif":
        text = sarif_text
    else:
        from scanner.reports import console

        to_terminal = output is None and sys.stdout.isatty()
        text = console.render(result, colour=to_terminal if color is None else color)
    _write(text, output)
    if sarif_file is not None:
        _write(sarif_text, sarif_file)
    threshold = None if fail_on == "none" else Severity(fail_on)
    sys.exit(result.exit_code(threshold, fail_on_unknown))


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


@main.group(invoke_without_command=True)
@click.pass_context
def rules(ctx: click.Context) -> None:
    """List every rule: id, category, severity and title."""
    if ctx.invoked_subcommand is not None:
        return
    from scanner.engine.registry import load_rules

    for r in load_rules():
        click.echo(f"{r.id:<9} {r.category.value:<11} {r.severity.value:<9} {r.title}")


@rules.command("show")
@click.argument("rule_id")
def rules_show(rule_id: str) -> None:
    """Print one rule's rationale and remediation."""
    from scanner.engine.registry import load_rules

    wanted = rule_id.strip().upper()
    for r in load_rules():
        if wanted in (r.id, r.name.upper(), *(a.upper() for a in r.aliases)):
            click.echo(f"{r.id}  {r.title}\n")
            click.echo(f"name:      {r.name}")
            click.echo(f"category:  {r.category.value}")
            click.echo(f"severity:  {r.severity.value}")
            if r.aliases:
                click.echo(f"aliases:   {', '.join(r.aliases)}")
            click.echo(f"\nRationale\n  {r.rationale}\n\nRemediation\n  " + r.remediation.replace("\n", "\n  "))
            if r.references:
                click.echo("\nReferences\n" + "\n".join(f"  {ref}" for ref in r.references))
            if r.compliance:
                click.echo("\nCompliance\n" + "\n".join(f"  {k}: {', '.join(v)}" for k, v in r.compliance.items()))
            return
    raise UsageError(f"no rule {rule_id!r}; `tenet rules` lists them")
