"""The live GCP audit: `collectors` make the SDK calls, `adapters` turn REST JSON into the model.

`tenet audit gcp` calls `collectors.audit`. Importing this package imports no SDK.
"""
