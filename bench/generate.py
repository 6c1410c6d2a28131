"""Generate a synthetic Terraform repository: N resources of the kinds Tenet evaluates."""

from __future__ import annotations

import argparse
from pathlib import Path

_TEMPLATES = (
    """resource "aws_security_group" "sg_{i}" {{
  name = "sg-{i}"
  ingress {{
    from_port   = {port}
    to_port     = {port}
    protocol    = "tcp"
    cidr_blocks = [var.cidrs[{j}]]
  }}
  egress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.{j}.0.0/16"]
  }}
}}
""",
    """resource "aws_s3_bucket" "b_{i}" {{
  bucket = "bucket-${{local.env}}-{i}"
}}
""",
    """resource "aws_iam_policy" "p_{i}" {{
  name = "policy-{i}"
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:PutObject"]
      Resource = "arn:aws:s3:::bucket-{i}/*"
    }}]
  }})
}}
""",
    """resource "aws_ebs_volume" "v_{i}" {{
  availability_zone = "eu-west-1a"
  size              = 10
  encrypted         = {encrypted}
}}
""",
    """resource "azurerm_network_security_rule" "r_{i}" {{
  name                        = "rule-{i}"
  priority                    = {priority}
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "{port}"
  source_address_prefix       = "10.{j}.0.0/16"
  destination_address_prefix  = "*"
  resource_group_name         = "rg"
  network_security_group_name = "nsg"
}}
""",
)


def generate(target: Path, resources: int, per_file: int = 50) -> None:
    target.mkdir(parents=True, exist_ok=True)
    (target / "variables.tf").write_text(
        'variable "cidrs" {\n  default = [' + ", ".join(f'"10.{j}.0.0/16"' for j in range(10)) + ', "0.0.0.0/0"]\n}\n'
        'locals {\n  env = "prod"\n}\n'
    )
    for f in range(0, resources, per_file):
        parts = []
        for i in range(f, min(f + per_file, resources)):
            parts.append(_TEMPLATES[i % len(_TEMPLATES)].format(
                i=i, j=i % 11, port=8000 + i % 100, encrypted="true" if i % 7 else "false", priority=100 + i))
        (target / f"main_{f // per_file:04d}.tf").write_text("\n".join(parts))


_SHARED_MODULE = """variable "name" {}
variable "cidr" {}
resource "aws_security_group" "this" {
  name = var.name
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
}
output "id" {
  value = aws_security_group.this.id
}
"""


def generate_modules(target: Path, modules: int, resources: int = 50) -> None:
    """`modules` root module directories (stacks/sNNN) of `resources` resources each, every one calling a shared
    local module; some have an unset variable (unknowns), a suppression comment or a syntax error, so that a
    parallel scan is compared with a serial one on everything a report holds."""
    (target / "modules" / "sg").mkdir(parents=True, exist_ok=True)
    (target / "modules" / "sg" / "main.tf").write_text(_SHARED_MODULE)
    for m in range(modules):
        stack = target / "stacks" / f"s{m:03d}"
        generate(stack, resources, per_file=-(-resources // 2))
        extra = [f'module "sg" {{\n  source = "../../modules/sg"\n  name   = "stack-{m}"\n'
                 f'  cidr   = "{"0.0.0.0/0" if m % 3 == 0 else f"10.{m % 200}.0.0/16"}"\n}}\n']
        if m % 5 == 1:  # an unknown: a variable without a value
            extra.append('variable "open" {}\nresource "aws_ebs_volume" "unknown" {\n  availability_zone = "a"\n'
                         '  size = 1\n  encrypted = var.open\n}\n')
        if m % 7 == 2:  # a suppressed finding
            extra.append('# tenet:ignore ENC-001 reason="scratch volume"\nresource "aws_ebs_volume" "scratch" {\n'
                         '  availability_zone = "a"\n  size = 1\n  encrypted = false\n}\n')
        if m % 50 == 3:  # an error entry: a file that does not parse
            (stack / "broken.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = \n}\n')
        (stack / "stack.tf").write_text("\n".join(extra))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target", type=Path)
    parser.add_argument("--resources", type=int, default=5000)
    parser.add_argument("--modules", type=int, default=0, help="root module directories of --resources each")
    args = parser.parse_args()
    if args.modules:
        generate_modules(args.target, args.modules, args.resources)
    else:
        generate(args.target, args.resources)
