"""The protocol core: amounts, ids, hashing, strict JSON, the proof and manifest formats,
the inclusion verifier, manifest signatures and the error tree.

Standard library only (a test imports it in an isolated interpreter and ``make lint``
refuses any other import).  Everything here is what docs/spec.md specifies; every other
part of solvent is built on it.  The browser's verifier lives beside it in ``js/`` and
both run the conformance vectors.
"""
