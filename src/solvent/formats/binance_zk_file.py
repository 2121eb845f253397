"""User inclusion proofs of Binance's zk design (and its forks): strict parsing into frozen dataclasses.

Every version of the file is the JSON that the exchange's verifier reads with Go's
``encoding/json`` into its ``UserConfig`` struct (``src/verifier/config/config.go`` of
binance/zkmerkle-proof-of-solvency; ``config/config.go`` of Gate's fork).  The versions
differ in their field names (a :class:`Layout`): Binance's files before 2024 carry no
collateral, its 2024 pre-release called the loan amount ``VipLoan``, the current one
``Loan``; Gate renamed every field; HTX kept Binance's pre-2024 names but gives each
asset one signed ``Balance``.  Go is lenient (field names in any case, unknown
fields ignored, any ``big.Int``); this parser is not: every field of one known layout
must be present with its exact name and type, and every value in the range in which
it can be hashed without ambiguity (docs/formats/binance-zk.md, step 1, and threat L18).

A file whose fields fit no known layout of its family is an unsupported version
(``FormatError`` with code ``version``, exit 2), not a malformed file: a later version
may have added a field.  Totals are field elements of up to 77 digits, beyond the
20-digit cap of :mod:`solvent.protocol.strictjson`, so this module has its own limit.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from solvent.formats.poseidon_bn254 import MODULUS
from solvent.protocol.errors import FormatError
from solvent.protocol.strictjson import check_fields, check_int, field_names, hex_bytes, loads_strict

__all__ = [
    "BINANCE_LAYOUTS",
    "LOAN",
    "MAX_FILE_BYTES",
    "PRE_2024",
    "TREE_DEPTH",
    "U64_MAX",
    "VIPLOAN",
    "Layout",
    "UserProof",
    "ZkAsset",
    "first_asset_keys",
    "parse_user_config",
]

TREE_DEPTH = 28
MAX_FILE_BYTES = 1 << 20
U64_MAX = (1 << 64) - 1


@dataclass(frozen=True)
class Layout:
    """The field names of one generation of the file, and the bounds its verifier's Go types set.

    ``max_slots`` is the largest asset count of any version with these names (the
    ``Index`` bound and the list length); each version then checks its own slot count.
    ``amount_max`` bounds each asset amount (Go ``uint64``, or ``int64`` in HTX's fork);
    ``usd_decimals`` is the scale of the USD totals (10^-16 USD in Binance's and Gate's
    files, 10^-8 in HTX's).
    """

    name: str
    index: str
    id_hash: str
    totals: tuple[str, ...]
    assets: str
    root: str
    proof: str
    asset_fields: tuple[str, ...]
    max_slots: int
    amount_max: int = U64_MAX
    usd_decimals: int = 16

    @property
    def top_fields(self) -> frozenset[str]:
        return frozenset({self.index, self.id_hash, *self.totals, self.assets, self.root, self.proof})

    @property
    def core_fields(self) -> frozenset[str]:
        """The fields every version of the family has: a file without one is malformed, not newer."""
        return frozenset({self.index, self.id_hash, self.assets, self.root, self.proof})

    @property
    def asset_keys(self) -> frozenset[str]:
        return frozenset({"Index", *self.asset_fields})


#: Binance, February 2023 to mid 2024 (commit c1884aa and later): no collateral.
PRE_2024 = Layout(
    "pre-2024",
    "AccountIndex",
    "AccountIdHash",
    ("TotalEquity", "TotalDebt"),
    "Assets",
    "Root",
    "Proof",
    ("Equity", "Debt"),
    350,
)
_COLLATERAL_TOTALS = ("TotalEquity", "TotalDebt", "TotalCollateral")
#: Binance's 2024 pre-release (commit cf2a676 to 2cee166): the loan amount is ``VipLoan``.
VIPLOAN = Layout(
    "2024 VipLoan",
    "AccountIndex",
    "AccountIdHash",
    _COLLATERAL_TOTALS,
    "Assets",
    "Root",
    "Proof",
    ("Equity", "Debt", "VipLoan", "Margin", "PortfolioMargin"),
    500,
)
#: Binance since September 2024 (commit 49843ea and later).
LOAN = Layout(
    "2024 Loan",
    "AccountIndex",
    "AccountIdHash",
    _COLLATERAL_TOTALS,
    "Assets",
    "Root",
    "Proof",
    ("Equity", "Debt", "Loan", "Margin", "PortfolioMargin"),
    500,
)
BINANCE_LAYOUTS = (PRE_2024, VIPLOAN, LOAN)


@dataclass(frozen=True)
class ZkAsset:
    """One asset entry of the account: its slot and its amounts (u64, the layout's order)."""

    index: int
    amounts: tuple[int, ...]


@dataclass(frozen=True)
class UserProof:
    """A parsed proof file: every value range-checked, nothing computed yet."""

    layout: Layout
    account_index: int
    account_id_hash: bytes
    totals: tuple[int, ...]
    assets: tuple[ZkAsset, ...]
    root: bytes
    proof: tuple[bytes, ...]

    @property
    def total_equity(self) -> int:
        return self.totals[0]

    @property
    def total_debt(self) -> int:
        return self.totals[1]

    @property
    def total_collateral(self) -> int | None:
        return self.totals[2] if len(self.totals) > 2 else None

    def amount(self, asset: ZkAsset, field: str) -> int:
        return asset.amounts[self.layout.asset_fields.index(field)]

    def to_dict(self) -> dict[str, Any]:
        """The file's fields in the exchange's order (numbers as JSON integers)."""
        lay = self.layout
        return {
            lay.index: self.account_index,
            lay.id_hash: self.account_id_hash.hex(),
            **dict(zip(lay.totals, self.totals, strict=True)),
            lay.assets: [
                {"Index": a.index, **dict(zip(lay.asset_fields, a.amounts, strict=True))} for a in self.assets
            ],
            lay.root: self.root.hex(),
            lay.proof: [base64.b64encode(s).decode("ascii") for s in self.proof],
        }


def first_asset_keys(obj: object, lay: Layout) -> frozenset[str] | None:
    """The keys of the first asset entry of a file of ``lay``'s names, None when there is none
    (for sniffing: it tells HTX's ``{Index, Balance}`` entries from Binance's)."""
    if not isinstance(obj, dict):
        return None
    assets = obj.get(lay.assets)
    if not isinstance(assets, list) or not assets or not isinstance(assets[0], dict):
        return None
    return frozenset(assets[0])


def _version_error(name: str, what: str, family: str, layouts: Sequence[Layout]) -> FormatError:
    known = ", ".join(lay.name for lay in layouts)
    return FormatError(
        f"{name}: {what}; it fits no known version of {family}'s proof file (known: {known})",
        code="version",
        evidence={"file": name},
    )


def _differences(keys: frozenset[str] | set[str], expected: frozenset[str]) -> str:
    parts = []
    if missing := expected - keys:
        parts.append("missing " + field_names(missing))
    if unknown := keys - expected:
        parts.append("unknown " + field_names(unknown))
    return "; ".join(parts)


def _refuse_case_variants(keys: Iterable[str], known: frozenset[str], where: str) -> None:
    """A key that differs from a known field only in letter case is refused as malformed:
    Go's decoder reads it into that field (the last of the two wins), so the file would
    show one value and the exchange's verifier hash another."""
    by_fold = {k.casefold(): k for k in known}
    for key in keys:
        if key not in known and (field := by_fold.get(key.casefold())) is not None:
            raise FormatError(
                f"{where}: {field_names([key])} differs from the field {field} only in letter case "
                "(Go's decoder would read it as that field)",
                code="fields",
                evidence={"field": where},
            )


def choose_layout(obj: object, layouts: Sequence[Layout], family: str, name: str) -> Layout:
    """The one layout whose fields the object has exactly; a version error when the core is
    there but no layout fits; a plain FormatError when a core field is missing."""
    if not isinstance(obj, dict):
        raise FormatError(f"{name}: expected an object, got {type(obj).__name__}", code="type")
    keys = set(obj)
    _refuse_case_variants(keys, frozenset().union(*(lay.top_fields for lay in layouts)), name)
    core = layouts[0].core_fields
    if not core <= keys:
        # Malformed whatever its version: name what is missing against the newest layout.
        check_fields(obj, layouts[-1].top_fields, name)
    fitting = [lay for lay in layouts if lay.top_fields == keys]
    if fitting:
        assets = obj[fitting[0].assets]
        first = assets[0] if isinstance(assets, list) and assets else None
        if not isinstance(first, dict):
            return fitting[-1]  # no entry to tell VipLoan from Loan: any fitting one parses alike
        _check_asset_keys(assets, fitting[0], family, layouts, name)
        for lay in fitting:
            if lay.asset_keys == first.keys():
                return lay
        nearest = fitting[-1]
        raise _version_error(
            name,
            f"{nearest.assets}[0] has other fields ({_differences(set(first), nearest.asset_keys)})",
            family,
            layouts,
        )
    nearest = min(layouts, key=lambda lay: len(lay.top_fields ^ keys))
    raise _version_error(name, f"its fields differ ({_differences(keys, nearest.top_fields)})", family, layouts)


def _check_asset_keys(assets: list[object], lay: Layout, family: str, layouts: Sequence[Layout], name: str) -> None:
    """Every asset entry, not only the first: a key that is a known field in other letter
    case is malformed; a field that no version of the family has means a version not known
    here (code ``version``). Fields of another known version, or missing ones, are left to
    the strict parse, which calls the file malformed."""
    known = frozenset().union(*(x.asset_keys for x in layouts))
    for k, entry in enumerate(assets):
        if not isinstance(entry, dict):
            continue
        _refuse_case_variants(entry, known, f"{name}: {lay.assets}[{k}]")
        if extra := set(entry) - known:
            what = f"{lay.assets}[{k}] has fields no version has ({field_names(extra)})"
            raise _version_error(name, what, family, layouts)


def _field_bytes(raw: bytes, where: str) -> bytes:
    """32 big-endian bytes that must encode an element of the BN254 scalar field."""
    if int.from_bytes(raw, "big") >= MODULUS:
        # The exchanges' own tools panic on such input; it cannot be a hash output.
        raise FormatError(
            f"{where}: is not below the BN254 field order", code="field-element", evidence={"field": where}
        )
    return raw


def _base64_field(value: object, where: str) -> bytes:
    """Canonical standard base64 (with padding) of 32 bytes below the field order."""
    if not isinstance(value, str) or len(value) != 44:
        shown = value[:60] if isinstance(value, str) else type(value).__name__
        raise FormatError(
            f"{where}: expected 44 base64 characters, got {shown!r}", code="base64", evidence={"field": where}
        )
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as e:
        raise FormatError(f"{where}: not valid base64: {value!r}", code="base64", evidence={"field": where}) from e
    if len(raw) != 32 or base64.b64encode(raw).decode("ascii") != value:
        # Non-zero unused bits would let two spellings name the same node.
        raise FormatError(f"{where}: not the canonical base64 of 32 bytes", code="base64", evidence={"field": where})
    return _field_bytes(raw, where)


def _parse_assets(value: object, lay: Layout, name: str) -> tuple[ZkAsset, ...]:
    where = f"{name}: {lay.assets}"
    if not isinstance(value, list):
        raise FormatError(f"{where} must be a list", evidence={"field": lay.assets})
    if len(value) > lay.max_slots:
        raise FormatError(
            f"{where}: {len(value)} assets, at most {lay.max_slots}", code="range", evidence={"field": lay.assets}
        )
    assets = []
    for i, entry in enumerate(value):
        at = f"{where}[{i}]"
        d = check_fields(entry, lay.asset_keys, at)
        # An Index beyond the slots would never reach the commitment: reject it rather
        # than show an amount the root does not cover.
        index = check_int(d["Index"], f"{at}.Index", 0, lay.max_slots - 1)
        assets.append(ZkAsset(index, tuple(check_int(d[f], f"{at}.{f}", 0, lay.amount_max) for f in lay.asset_fields)))
    for i in range(1, len(assets)):
        # The exchanges' packing assumes ascending slots; out of order or twice, an amount
        # would be committed under another asset's slot.
        if assets[i].index <= assets[i - 1].index:
            raise FormatError(
                f"{where}[{i}].Index {assets[i].index} is not above the previous {assets[i - 1].index}",
                code="order",
                evidence={"field": f"{lay.assets}[{i}].Index"},
            )
    return tuple(assets)


def parse_proof(obj: object, lay: Layout, name: str) -> UserProof:
    """Range-check every field of ``obj`` under ``lay``; FormatError naming the field otherwise."""
    d = check_fields(obj, lay.top_fields, name)
    index = check_int(d[lay.index], f"{name}: {lay.index}", 0, (1 << TREE_DEPTH) - 1)
    id_hash = _field_bytes(hex_bytes(d[lay.id_hash], f"{name}: {lay.id_hash}", 32), f"{name}: {lay.id_hash}")
    totals = tuple(check_int(d[k], f"{name}: {k}", 0, MODULUS - 1) for k in lay.totals)
    root = _field_bytes(hex_bytes(d[lay.root], f"{name}: {lay.root}", 32), f"{name}: {lay.root}")
    assets = _parse_assets(d[lay.assets], lay, name)
    raw_proof = d[lay.proof]
    if not isinstance(raw_proof, list) or len(raw_proof) != TREE_DEPTH:
        shown = len(raw_proof) if isinstance(raw_proof, list) else type(raw_proof).__name__
        raise FormatError(
            f"{name}: {lay.proof} must be a list of exactly {TREE_DEPTH} siblings, got {shown}",
            code="length",
            evidence={"field": lay.proof, "expected": TREE_DEPTH, "got": shown},
        )
    siblings = tuple(_base64_field(v, f"{name}: {lay.proof}[{i}]") for i, v in enumerate(raw_proof))
    return UserProof(lay, index, id_hash, totals, assets, root, siblings)


def load_json(data: bytes, name: str) -> Any:
    """Strict JSON (L18). Totals are field elements of up to 77 digits, so the integer cap
    is wider than the project default; negatives are refused when each field is checked."""
    return loads_strict(data, name=name, max_bytes=MAX_FILE_BYTES, max_int_digits=78)


def parse_user_config(
    data: bytes,
    *,
    name: str = "user_config.json",
    layouts: Sequence[Layout] = BINANCE_LAYOUTS,
    family: str = "Binance",
) -> UserProof:
    """(1) Parse, pick the layout, range-check every field."""
    obj = load_json(data, name)
    return parse_proof(obj, choose_layout(obj, layouts, family, name), name)
