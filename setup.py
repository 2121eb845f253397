"""Build hook for the optional native hashing accelerator (see src/solvent/tree/_native).

Everything else is declared in pyproject.toml.  The extension is optional: when it
cannot be compiled (no C compiler or OpenSSL headers), solvent falls back to
hashlib and produces identical trees, only slower.
"""

from setuptools import setup

setup()
