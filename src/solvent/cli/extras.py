"""Which optional dependencies (pip "extras") each command needs, checked once before it runs.

``pip install solvent`` installs no third-party package: ``verify``, ``prove`` and
``audit`` (with standard-library hashing) run on the standard library alone.  Every
other command names its extra; its modules are imported only when it runs, and
:func:`require` turns a missing one into exit 2 with the pip command that fixes it,
instead of an ImportError from deep inside.  The lists below are the import names
of the distributions in pyproject.toml's ``[project.optional-dependencies]``; a test
keeps the two in step.
"""

from __future__ import annotations

import importlib.util

from solvent.protocol.errors import InputError

__all__ = ["EXTRAS", "extra_providing", "installed", "missing_extra_error", "require"]

_RESERVES = ("bip322", "coincurve", "cryptography", "embit", "httpx", "Crypto")  # Crypto: pycryptodome (Keccak-256)

EXTRAS: dict[str, tuple[str, ...]] = {
    # keygen, build, and the fast (NumPy + native hashing) audit
    "operator": ("numpy", "polars", "cryptography"),
    # reserves challenge / attest / verify: wallet signatures and chain balances
    "reserves": _RESERVES,
    # report: the reserves check, the terminal table (rich), the HTML page (jinja2, matplotlib)
    "report": (*_RESERVES, "jinja2", "matplotlib", "rich"),
    # serve and publish: the page's API (FastAPI, uvicorn) and the reserves check shown on it
    "web": (*_RESERVES, "fastapi", "uvicorn"),
}
EXTRAS["all"] = tuple(dict.fromkeys(m for modules in EXTRAS.values() for m in modules))


def missing(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here (found without importing them)."""
    return [module for module in EXTRAS[extra] if importlib.util.find_spec(module) is None]


def installed(extra: str) -> bool:
    return not missing(extra)


def missing_extra_error(command: str, extra: str, modules: list[str]) -> InputError:
    return InputError(
        f"solvent {command} needs the '{extra}' extra: pip install 'solvent[{extra}]'",
        code="missing-extra",
        evidence={"extra": extra, "not installed": ", ".join(modules)},
    )


def require(command: str, extra: str | None) -> None:
    """Raise a usage error (exit 2) naming the extra to install if ``extra``'s modules are missing."""
    if extra is None:
        return
    absent = missing(extra)
    if absent:
        raise missing_extra_error(command, extra, absent)


def extra_providing(module: str | None) -> str | None:
    """The smallest extra that installs ``module`` (a top-level import name), if any does."""
    top = (module or "").split(".")[0]
    for extra, modules in EXTRAS.items():
        if top in modules:
            return extra
    return None
