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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target", type=Path)
    parser.add_argument("--resources", type=int, default=5000)
    args = parser.parse_args()
    generate(args.target, args.resources)
