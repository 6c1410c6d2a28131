"""Compliance frameworks as data: the controls of CIS, NIST, PCI DSS and ISO benchmarks that Tenet's rules evaluate.

The mappings live in `policies/compliance/<id>.yaml` (one file per framework and version); a control lists
the rules that evaluate it, and rules carry no framework ids of their own. `frameworks` loads and checks them.
"""
