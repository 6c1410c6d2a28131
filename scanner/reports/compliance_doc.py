"""The compliance frameworks' control coverage (docs/compliance.md), generated from policies/compliance/.

For each framework: the controls in scope (those Tenet's network, tls, encryption and iam rules touch), how
many the rules cover fully or partly, how many are manual or not covered, and the per-control table with
its rules and the reason for anything short of full. Nothing here is a hand table.

Regenerate with `tenet compliance --format markdown > docs/compliance.md`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from scanner.compliance.frameworks import COVERAGES, Control, Framework, available_frameworks, load_framework

COMMAND = "tenet compliance --format markdown > docs/compliance.md"
_COVERAGE_LABEL = {"full": "full", "partial": "partial", "manual": "manual", "not-covered": "not covered"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _counts(fw: Framework) -> Counter[str]:
    return Counter(c.coverage for c in fw.controls)


def _resources(control: Control) -> str:
    if control.resources:
        return ", ".join(f"`{r}`" for r in sorted(control.resources))
    return "all its rules read" if control.rules else ""


def _providers(fw: Framework) -> str:
    return ", ".join(sorted(fw.providers)) or "all"


def render(frameworks: Iterable[Framework] | None = None) -> str:
    listed = list(frameworks) if frameworks is not None else [load_framework(i) for i in available_frameworks()]
    out = [
        "# Compliance frameworks",
        "",
        f"Generated from `policies/compliance/*.yaml` by `{COMMAND}`; do not edit by hand (a test fails when "
        "it is stale).",
        "",
        "Each framework file lists the controls of one benchmark version that Tenet's four rule families "
        "(network, tls, encryption, iam; see [rules.md](rules.md)) touch, with the control ids and titles of "
        "the benchmark's own document. A control names the rules that evaluate it; the rules carry no "
        "framework ids of their own. Coverage is stated conservatively:",
        "",
        "- **full**: the rules evaluate everything the control asks of the resource kinds it names;",
        "- **partial**: the rules evaluate part of it, and the note says what is left to you;",
        "- **manual**: the control needs a person's judgement (a process, an inventory, an approval);",
        "- **not covered**: the control needs something Tenet does not read; the note says what.",
        "",
        "`tenet scan … --compliance ID` (and `tenet audit …`) reports every control in scope. A control's "
        "rules run on the resources of the framework's providers only. A control that names its resources "
        "(the `resources` column: Terraform resource types, or Kubernetes kinds) counts only findings and "
        "objects of those kinds, whether read from code or live (a live type is mapped onto the Terraform types "
        "that declare it, `scanner/providers/resource_types.py`): ENC-001 on an RDS instance fails the RDS "
        "control, not the EFS or EBS one, and a security group open to the internet does not fail a network "
        "ACL control. A control without `resources` counts every kind its rules read. A control whose rules "
        "could not evaluate, were switched off or had nothing of its kinds to read is unknown, not a pass; a "
        "pass on a partial control covers only what its rules evaluate. The files validate against "
        "`policies/compliance/schema.json`.",
        "",
        "| framework | id | version | providers | controls in scope | full | partial | manual | not covered |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for fw in listed:
        n = _counts(fw)
        out.append(f"| [{_cell(fw.title)}](#{fw.id.replace('.', '')}) | `{fw.id}` | {_cell(fw.version)} | "
                   f"{_providers(fw)} | {len(fw.controls)} | " + " | ".join(str(n[c]) for c in COVERAGES) + " |")
    for fw in listed:
        n = _counts(fw)
        out += [
            "",
            f"## {fw.id}",
            "",
            f"**{_cell(fw.title)}**, version {_cell(fw.version)}. Source: {_cell(fw.source)}, <{fw.url}>. "
            f"Providers: {_providers(fw)}.",
            "",
            f"{len(fw.controls)} controls in scope: {n['full']} covered fully, {n['partial']} partly, "
            f"{n['manual']} manual, {n['not-covered']} not covered.",
            "",
            "| control | title | coverage | rules | resources | note |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        out += [f"| {_cell(c.id)} | {_cell(c.title)} | {_COVERAGE_LABEL[c.coverage]} | "
                f"{', '.join(f'[{r}](rules.md#{r.lower()})' for r in c.rules)} | "
                f"{_resources(c)} | {_cell(c.note)} |"
                for c in fw.controls]
    return "\n".join(out) + "\n"
