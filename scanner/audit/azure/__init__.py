"""The live Azure audit: `collectors` make the SDK calls, `adapters` turn REST JSON into the model.

`tenet audit azure` calls `collectors.audit`. Importing this package imports no SDK.
"""
