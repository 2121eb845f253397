"""The protocol core: amounts, canonical bytes, hashing and formats.

Standard library only, no I/O, no clock.  Everything here is what docs/spec.md
specifies; everything else in solvent is built on it.
"""
