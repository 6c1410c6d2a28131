"""The live AWS audit: `collectors` makes the boto3 calls, `adapters` turns their answers into model objects.

Import `collectors` only where an audit runs: it imports boto3. `adapters` is SDK-free.
"""
