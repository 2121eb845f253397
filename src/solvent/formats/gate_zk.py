"""Gate's zk proof of reserves: verify one customer's inclusion proof (Gate's ``user_config.json``).

Gate forked Binance's pre-2024 design (gatechain/gate-zkmerkle-proof, July 2023; then
gateio/proof-of-reserves from October 2023) and renamed every field of the user file:
``Arrangement`` (the account index), ``UniqueIdentification`` (the account id hash),
``TotalAssetEquity``, ``TotalAssetDebt``, ``AssetDetails`` (``Index``, ``Equity``,
``Debt``), ``TreeRootHash`` and ``MerkleProofEncode``.  The leaf, node hash and
Poseidon are Binance's February 2023 ones (blocks of 12, output element 1, depth 28);
only the number of dense asset slots changed over time: 350, then 500 (June 2025, for
one day), then 800 (July 2025).  docs/formats/gate-zk.md says where each rule was
learned.  Gate's first files, made with the fork before the renaming, carry Binance's
field names and verify as ``binance-zk`` version 2023-02.

The engine is :mod:`solvent.formats.binance_zk`'s; this module names Gate's layout
and versions.  The zk batch proofs (SNARKs) are not checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from solvent.formats.base import ForeignFormat, ForeignResult
from solvent.formats.binance_zk import Rule, build_result, match_rule
from solvent.formats.binance_zk_file import MAX_FILE_BYTES, Layout, parse_user_config
from solvent.protocol.errors import InputError
from solvent.protocol.layout import read_small_file

__all__ = ["FORMAT", "GATE", "RULES", "sniff", "verify", "verify_user_config"]

GATE = Layout(
    "Gate",
    "Arrangement",
    "UniqueIdentification",
    ("TotalAssetEquity", "TotalAssetDebt"),
    "AssetDetails",
    "TreeRootHash",
    "MerkleProofEncode",
    ("Equity", "Debt"),
    800,
)
_GATE = "gateio/proof-of-reserves"
RULES = (
    Rule("2023-10 (350 asset slots)", GATE, 350, 12, f"{_GATE} 0c0abf50"),
    Rule("2025-06 (500 asset slots)", GATE, 500, 12, f"{_GATE} cf0d653d"),
    Rule("2025-07 (800 asset slots)", GATE, 800, 12, f"{_GATE} 944422e2"),
)
_FAMILY = "Gate"


def verify_user_config(data: bytes, *, name: str = "user_config.json") -> ForeignResult:
    """Parse, recompute under each of Gate's versions, compare; return what was established and what was not."""
    proof = parse_user_config(data, name=name, layouts=(GATE,), family=_FAMILY)
    match = match_rule(proof, RULES, name=name, family=_FAMILY)
    return build_result(proof, match, format_name=FORMAT.name, family=_FAMILY, anchored=False)


def verify(paths: Sequence[Path]) -> ForeignResult:
    """The registry entry point: exactly one file, Gate's ``user_config.json``."""
    if len(paths) != 1:
        raise InputError(f"gate-zk takes exactly one file (user_config.json), got {len(paths)}")
    data = read_small_file(paths[0], "Gate user_config.json", MAX_FILE_BYTES)
    return verify_user_config(data, name=str(paths[0]))


def sniff(obj: object) -> bool:
    """Gate's user proof shape: the fields every version has."""
    return isinstance(obj, dict) and GATE.core_fields <= obj.keys()


FORMAT = ForeignFormat(
    name="gate-zk",
    title="Gate zk proof of reserves: user inclusion proof (Gate's fork of Binance's design)",
    sniff=sniff,
    verify=verify,
    versions=tuple(r.version for r in RULES),
)
