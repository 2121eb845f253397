"""Shared by the stdlib-only and install tests: what counts as third-party, and one real
file of every foreign format to verify."""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["FOREIGN", "REALWORLD", "third_party"]


def third_party(modules: list[str]) -> list[str]:
    """The modules in ``modules`` that are neither the standard library's nor solvent's."""
    own = {"solvent", "__main__", "_distutils_hack"}  # _distutils_hack: the interpreter's setuptools shim
    return sorted(
        m
        for m in modules
        if m.split(".")[0] not in sys.stdlib_module_names
        and m.split(".")[0] not in own
        and not m.startswith("__editable__")
    )


REALWORLD = Path(__file__).parents[1] / "vectors" / "realworld"
# One real file of every foreign format in the repository (Bitget's may not be copied here).
FOREIGN = {
    "okx-v1": [REALWORLD / "okx" / "merkle_proof_file.json"],
    "okx-v2": [
        REALWORLD / "okx" / "user_info_file.json", "--with", REALWORLD / "okx" / "full-liabilities-merkle-tree.txt"
    ],
    "bybit": [REALWORLD / "bybit" / "mock_user_merkle_tree_path_40_v5.json"],
    "mexc": [REALWORLD / "mexc" / "merkle_proof.json"],
    "bitmex": [REALWORLD / "bitmex" / "liabilities-100-proof.csv"],
    "binance-zk": [REALWORLD / "binance" / "user_config.json"],
    "htx-zk": [REALWORLD / "htx" / "user_config.json"],
}
