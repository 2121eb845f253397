"""Protocol v2: one Merkle sum tree per asset (docs/spec.md, part II).

The same stdlib-only rules as v1 (strict JSON, canonical integers, fixed-width fields,
explicit padding, both children's sums hashed), with one change: each asset has its own
tree over the accounts holding a non-zero amount of it, and a proof carries one entry
per held asset.  v1 stays readable from :mod:`solvent.protocol` itself.
"""
