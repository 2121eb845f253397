"""Build hook for the optional native hashing accelerator (src/solvent/tree/_sha256x.c).

Everything else is declared in pyproject.toml.  The extension is optional: when it
cannot be compiled (no C compiler or no OpenSSL headers), installation still succeeds
and solvent falls back to hashlib, producing identical trees, only slower.  The test
suite refuses to run without it unless SOLVENT_ALLOW_NO_NATIVE=1 is set, so a missing
build cannot go unnoticed.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "solvent.tree._sha256x",
            sources=["src/solvent/tree/_sha256x.c"],
            libraries=["crypto"],
            extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
            optional=True,
        )
    ]
)
