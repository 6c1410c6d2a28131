"""Tenet's rule set: each rule is written once, against the provider-neutral model.

Rules live by family in `network`, `tls`, `encryption` and `iam`. To add one,
write a decorated function in its family's module and add pass/fail fixtures
under `fixtures/rules/`.
"""
