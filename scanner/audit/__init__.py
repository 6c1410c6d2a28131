"""Live cloud audits: read what is deployed, normalise it into the model, run the same rules.

`scanner.audit.engine` is provider-neutral (threads, error recording, progress,
inventory snapshots); `scanner.audit.aws` (and the Azure and GCP packages) hold
the SDK calls and the pure adapters from API responses to model objects. No SDK
is imported here, so `tenet scan` never pays for one.
"""
