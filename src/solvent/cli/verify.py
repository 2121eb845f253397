"""``solvent verify``: check a customer's inclusion proof, offline.

The project's own proofs are checked against a signed manifest: the proof's ``format``
says its protocol version (:mod:`solvent.protocol.versions`, the one rule), the manifest
must be of the same version, and each version has its own verifier
(:mod:`solvent.protocol.inclusion` for ``solvent-proof/1``, :mod:`solvent.protocol.v2.inclusion`
for ``solvent-proof/2``, whose report lists every asset of the manifest, held ones first).
Other exchanges' proof files (``--format``, or recognised from the file) are checked
by ``solvent.formats`` and printed with the findings that say what their format
cannot guarantee.

Verdicts fail closed.  A solvent proof checked without a manifest only matches the
root written inside it, which an exchange can make for anyone: exit 1 unless the
customer asks for exactly that with ``--unanchored`` (then both stdout and stderr say
so).  A foreign file whose hashes bind a negative balance or sum (threat L2: negative
accounts lower the published totals) is not "valid": the inclusion checked out but the
totals prove nothing, exit 3 (:data:`~solvent.cli.common.EXIT_UNSOUND`) and
``"valid": false``.  The format used is always named (on stderr when it was recognised
from the file), and a ``--uid``/``--secret`` that the format cannot check is refused,
never ignored.  A reader that goes away (``| head -1``) is not an error: the exit code
is still the verdict's.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from solvent.cli.common import EXIT_OK, EXIT_UNSOUND, silence_stdout
from solvent.cli.options import add_command, path
from solvent.protocol.errors import FormatError, InputError, SolventError, VerificationError
from solvent.protocol.text import printable

if TYPE_CHECKING:
    from solvent.formats.base import Finding, ForeignFormat, ForeignResult
    from solvent.protocol.inclusion import InclusionResult
    from solvent.protocol.signed_manifest import AnyManifestCheck
    from solvent.protocol.v2.inclusion import InclusionResult as InclusionResultV2
    from solvent.protocol.v2.manifest import Manifest as ManifestV2

__all__ = ["FORMAT_NAMES", "UNSOUND_VERDICT", "add_parser", "foreign_payload", "print_foreign_result", "run"]

#: ``solvent.formats.registry.names()``, spelled out so that ``--help`` need not import every
#: format (a test keeps the two equal).
FORMAT_NAMES = (
    "solvent",
    "okx-v1",
    "okx-v2",
    "bybit",
    "bitget",
    "mexc",
    "bitmex",
    "binance-zk",
    "gate-zk",
    "htx-zk",
    "okx-zkstark",
    "bitunix",
    "hotcoin",
    "bitbase",
)

#: Exit 3: what a foreign file whose tree binds negative sums proves, and what it does not.
UNSOUND_VERDICT = "your balance is included, but this tree contains negative sums: its totals prove nothing"
UNSOUND_NO_CUSTOMER = "this tree contains negative sums: its totals prove nothing"

#: The first word of an --unanchored pass: not "VALID", which means checked against the signed manifest.
UNANCHORED_HEADLINE = "UNANCHORED (--unanchored, no manifest checked)"

UNANCHORED_WARNING = (
    "WARNING: no snapshot manifest was given, so the proof was only compared with the root written\n"
    "inside the proof itself. An exchange could show you a tree of your own. Compare the root below\n"
    "with the published, signed snapshot.json (solvent verify PROOF --snapshot snapshot.json)."
)


def _print_result(result: InclusionResult, check: AnyManifestCheck | None) -> None:
    from solvent.protocol.amounts import format_units

    out = sys.stdout.write
    if check is None:
        out(f"{UNANCHORED_HEADLINE}: the balance below is included in the tree whose root the proof itself names\n")
    else:
        out("VALID: the balance below is included in the snapshot's Merkle sum tree\n")
    out("  protocol:      v1 (solvent-proof/1)\n")
    if check is not None:
        out(f"  exchange:      {printable(check.manifest.exchange)}\n")
        out(f"  snapshot:      {check.manifest.snapshot_id} taken at {check.manifest.taken_at}\n")
        out(f"  signature:     {check.note}{'' if check.signature_checked else ' (--no-signature)'}\n")
    else:
        out(f"  snapshot:      {result.proof.snapshot_id} (manifest NOT checked)\n")
    out(f"  merkle root:   {result.root.hash.hex()}\n")
    out(f"  accounts:      {result.root.leaf_count}\n")
    out(f"  hashed id:     {result.leaf.hashed_id.hex()}\n")
    out(f"  leaf index:    {result.leaf.index}\n")
    if result.owner_checked:
        out("  your id:       yes, recomputed from your uid and secret\n")
    else:
        out("  your id:       not checked (give --uid and --secret)\n")
    out("  balances:\n")
    for asset, amount, total in zip(result.proof.assets, result.leaf.amounts, result.root.sums, strict=True):
        out(
            f"    {asset.symbol:<8} {format_units(amount, asset.decimals):>32}"
            f"   (all customers: {format_units(total, asset.decimals)})\n"
        )


def _unsound(result: ForeignResult) -> bool:
    """Whether the file binds something a sound liabilities tree cannot hold (an ``anomaly``:
    a negative balance or sum): then its totals prove nothing, whatever the hashes say."""
    return any(f.severity == "anomaly" for f in result.findings)


def _verdict(result: ForeignResult) -> str | None:
    """The exit-3 sentence, or None when the file is sound as far as its format can tell."""
    if not _unsound(result):
        return None
    return UNSOUND_VERDICT if result.balances else UNSOUND_NO_CUSTOMER


def foreign_payload(result: ForeignResult, title: str, detected: bool = False) -> dict[str, object]:
    """The ``--json`` form of a foreign-format result: ``valid`` is false when the tree binds
    negative sums (exit 3), and ``verdict`` says why; ``version`` is the version of the
    format that matched."""
    from solvent.formats.base import version_of

    verdict = _verdict(result)
    return {
        "valid": verdict is None,
        "verdict": verdict or "valid",
        "format": result.format,
        "version": version_of(result),
        "format_chosen_by": "detected" if detected else "--format",
        "title": title,
        "root": result.root,
        "totals": dict(result.totals),
        "balances": dict(result.balances),
        "checked": list(result.checked),
        "details": dict(result.details),
        "findings": [{"severity": f.severity, "code": f.code, "text": f.text} for f in _ordered(result)],
    }


def _ordered(result: ForeignResult) -> list[Finding]:
    from solvent.formats.base import SEVERITIES

    return sorted(result.findings, key=lambda f: SEVERITIES.index(f.severity))


def print_foreign_result(result: ForeignResult, title: str, detected: bool = False) -> None:
    """Format and version, balances, root and totals, what was checked, and every finding,
    most alarming first.

    A tree that binds negative sums is headed NOT VALID with the exit-3 sentence, never VALID.
    """
    import textwrap

    from solvent.formats.base import version_of

    def out(text: str) -> None:
        sys.stdout.write("".join(printable(line) + "\n" for line in text.splitlines()))

    verdict = _verdict(result)
    if verdict is None:
        out(f"VALID: every hash and sum of this {title} re-computes\n")
    else:
        out(f"NOT VALID: {verdict}\n")
        anomalies = sum(1 for f in result.findings if f.severity == "anomaly")
        plural = "y" if anomalies == 1 else "ies"
        out(f"  every hash and sum of this {title} re-computes, BUT: {anomalies} anomal{plural} below\n")
    how = "recognised from the file; name another with --format" if detected else "--format"
    out(f"  format:        {result.format} ({how})\n")
    out(f"  version:       {version_of(result)}\n")
    out(f"  merkle root:   {result.root}\n")
    key_width = max((len(k) for k in result.details), default=0) + 1
    for key, value in result.details.items():
        out(f"  {key + ':':<{key_width}} {value}\n")
    name_width = max((len(k) for k in (*result.balances, *result.totals)), default=8)
    if result.balances:
        out("  your balances:\n")
        out("".join(f"    {asset:<{name_width}} {amount:>32}\n" for asset, amount in result.balances.items()))
    else:
        out("  your balances: none checked\n")
    out("  totals (all customers):\n")
    out("".join(f"    {asset:<{name_width}} {amount:>32}\n" for asset, amount in result.totals.items()))
    out("  checked:\n")
    out("".join(f"    - {line}\n" for line in result.checked))
    out("  findings (what this format cannot guarantee, or leaks):\n")
    for finding in _ordered(result):
        label = f"[{finding.severity.upper()}]"
        body = textwrap.fill(finding.text, width=100, initial_indent=f"    {label:<13}", subsequent_indent=" " * 17)
        out(body + "\n")


def _params(uid: str | None, secret: str | None, pairs: list[str]) -> dict[str, str]:
    params = {k: v for k, v in (("uid", uid), ("secret", secret)) if v is not None}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError(f"--param {pair!r}: expected KEY=VALUE", code="params")
        params[key.strip().replace("-", "_")] = value
    return params


def _verify_foreign(
    name: str, proof: Path, companions: list[Path], params: dict[str, str], *, as_json: bool, detected: bool
) -> int:
    """Verify a foreign file; the exit code: 0, or 3 when its tree binds negative sums."""
    from solvent.formats import registry

    fmt = registry.get(name)
    try:
        result = registry.verify(name, [proof, *companions], params)
    except SolventError as e:
        # A failure names the rules it was checked by too, so a wrong guess is seen as one:
        # the format, and the version (the one that got furthest, or every one tried).
        shown = e.evidence.pop("format", f"{name} (recognised from the file)" if detected else name)
        version = e.evidence.pop("version", None) or _failed_version(fmt, e)
        e.evidence.update({"format": shown, "version": version})
        raise
    verdict = _verdict(result)
    code = EXIT_OK if verdict is None else EXIT_UNSOUND

    def show() -> None:
        if as_json:
            sys.stdout.write(json.dumps(foreign_payload(result, fmt.title, detected), indent=2) + "\n")
        else:
            print_foreign_result(result, fmt.title, detected)
        if verdict is not None:
            sys.stderr.write(f"NOT VALID: {verdict}\n")

    return _shown(show, code)


def _failed_version(fmt: ForeignFormat, error: SolventError) -> str:
    """The version a failure is reported under, when the format's verifier did not say which
    version got furthest: unsupported (exit 2), not determined before any rule was tried, or
    the format's only one."""
    from solvent.cli.common import VERSION_CODE
    from solvent.formats.base import SINGLE_VERSION

    if error.code == VERSION_CODE:
        known = f" (known: {', '.join(fmt.versions)})" if fmt.versions else ""
        return f"unsupported{known}"
    if fmt.versions:
        return f"not determined (known: {', '.join(fmt.versions)})"
    return SINGLE_VERSION


def _shown(show: Callable[[], None], code: int) -> int:
    """Run ``show``; a reader that went away (``| head -1``) does not change the verdict's code."""
    try:
        show()
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
    return code


def add_parser(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "verify",
        "Verify an inclusion proof: every hash and sum up to the root, against the signed manifest.",
        "Also checks OKX, Bybit, Bitget, MEXC, BitMEX and Binance zk files, with findings on what each\n"
        "format cannot guarantee.",
        handler=run,
    )
    parser.add_argument(
        "proof",
        type=path,
        metavar="PROOF",
        help="The proof file: solvent-proof/2 or /1 (told apart by its format field), or another exchange's "
        "(see --format).",
    )
    parser.add_argument(
        "--snapshot",
        "--manifest",
        dest="snapshot",
        type=path,
        metavar="FILE",
        help="The published snapshot.json (v1 or v2, as the proof), obtained independently.",
    )
    parser.add_argument(
        "--signature", type=path, metavar="FILE", help="Signature file (default: snapshot.json.sig beside it)."
    )
    parser.add_argument("--public-key", metavar="KEY", help="Pin the exchange's Ed25519 key: hex, or a file.")
    parser.add_argument(
        "--no-signature", action="store_true", help="Accept a manifest without checking its signature."
    )
    parser.add_argument(
        "--uid", metavar="UID", help="Your account id (solvent: with --secret; bitmex: account number)."
    )
    parser.add_argument(
        "--secret", metavar="HEX", help="Your user secret (hex) from your account page (bitmex: this proof's nonce)."
    )
    parser.add_argument(
        "--hashed-id",
        metavar="HEX",
        help="The Hashed Client ID you looked the proof up by: the proof must be that id's (solvent proofs).",
    )
    parser.add_argument(
        "--format",
        dest="format_name",
        metavar="NAME",
        help=f"The file's format: {', '.join(FORMAT_NAMES)} (default: recognised from the file).",
    )
    parser.add_argument(
        "--with",
        dest="companions",
        action="append",
        type=path,
        metavar="FILE",
        help="A companion file: the OKX v2 user or tree file, the BitMEX tree file. Repeatable.",
    )
    parser.add_argument(
        "--param",
        action="append",
        metavar="KEY=VALUE",
        help="A value a format needs, e.g. schema=40v5 (bybit), account_nonce=HEX (bitmex). Repeatable.",
    )
    parser.add_argument(
        "--unanchored",
        action="store_true",
        help="Without --snapshot: accept a solvent proof that matches only the root written inside it (it is "
        "said so on stdout and stderr). Without this, a proof checked against no manifest exits 1.",
    )
    parser.add_argument("--json", dest="as_json", action="store_true", help="Print the result as JSON.")


def run(args: argparse.Namespace) -> int:
    from solvent.formats import registry

    if args.snapshot is None and (args.signature or args.public_key or args.no_signature):
        # Pinning a key without a manifest to check it against would pin nothing: refuse, do not ignore.
        raise InputError("--signature, --public-key and --no-signature check a manifest: give it with --snapshot")
    if args.snapshot is not None and args.unanchored:
        raise InputError("--unanchored means no manifest: give --snapshot or --unanchored, not both")
    proof: Path = args.proof
    detected = args.format_name is None
    name = registry.detect_file(proof) if detected else args.format_name
    if name != registry.SOLVENT:
        fmt = registry.get(name)  # an unknown --format is a usage error before anything is read
        if args.snapshot or args.signature or args.public_key or args.no_signature or args.hashed_id:
            raise InputError(
                "--snapshot, --signature, --public-key, --no-signature and --hashed-id apply to solvent proofs only"
            )
        if args.unanchored:
            raise InputError(f"--unanchored applies to solvent proofs only; {name} files have no manifest")
        given = [o for o, v in (("--uid", args.uid), ("--secret", args.secret)) if v is not None]
        refused = [o for o in given if o.removeprefix("--") not in fmt.params]
        if refused:
            # A format that cannot check a uid or secret must not look as if it had (threat: a
            # "valid" that printed "account: 999" for any uid).
            raise InputError(
                f"the {name} format does not take {', '.join(o.removeprefix('--') for o in refused)} "
                f"({' and '.join(refused)} would be ignored, not checked)"
                f"{' (recognised from the file; name another with --format)' if detected else ''}",
                code="params",
                evidence={"format": name},
            )
        params = _params(args.uid, args.secret, args.param or [])
        return _verify_foreign(name, proof, args.companions or [], params, as_json=args.as_json, detected=detected)
    if args.companions or args.param:
        raise InputError("--with and --param apply to other exchanges' formats, not to solvent proofs")
    return _verify_solvent(args)


def _verify_solvent(args: argparse.Namespace) -> int:
    from solvent.protocol.ids import check_uid, parse_hashed_id
    from solvent.protocol.layout import read_small_file
    from solvent.protocol.proof import MAX_PROOF_BYTES
    from solvent.protocol.strictjson import hex_bytes

    uid, secret = args.uid, args.secret
    if (uid is None) != (secret is None):
        raise InputError("--uid and --secret go together")
    if uid is not None:
        try:
            check_uid(uid)
        except FormatError as e:
            raise InputError(f"--uid: {e}") from e
    user_secret = None
    if secret is not None:
        try:
            user_secret = hex_bytes(secret.strip().lower(), "--secret", 32)
        except FormatError as e:
            raise InputError("--secret must be 64 hex digits") from e
    asked_for = parse_hashed_id(args.hashed_id) if args.hashed_id is not None else None
    check = None
    if args.snapshot is not None:
        from solvent.protocol.signed_manifest import load_signed_any_manifest

        check = load_signed_any_manifest(
            args.snapshot,
            signature_path=args.signature,
            public_key=args.public_key,
            require_signature=not args.no_signature,
        )
    proof: Path = args.proof
    data = read_small_file(proof, "proof", max_bytes=MAX_PROOF_BYTES)
    from solvent.protocol.errors import IdMismatch
    from solvent.protocol.inclusion import InclusionResult
    from solvent.protocol.versions import AnyInclusion, verify_any_proof_bytes

    def verify(typed: str | None) -> AnyInclusion:
        # The one rule for which verifier checks it: the manifest's version (protocol.versions).
        return verify_any_proof_bytes(
            data, check.manifest if check else None, uid=typed, user_secret=user_secret, asked_for=asked_for,
            name=str(proof),
        )

    # The uid as the customer typed it, in NFC first (v2 requires it of every uid, and v2's
    # verifier normalises too); then, for a v1 snapshot, whose ledger was never held to NFC,
    # exactly as typed. The browser tries the same two (protocol/js verifyOwnerV1).
    nfc = unicodedata.normalize("NFC", uid) if uid is not None else None
    try:
        result = verify(nfc)
    except IdMismatch:
        if nfc == uid:
            raise
        result = verify(uid)
    if not result.anchored and not args.unanchored:
        raise VerificationError(
            "no snapshot manifest was given: the proof only matches the root written inside it, which an "
            "exchange can make for anyone. Give the published, signed snapshot.json with --snapshot "
            "(or --unanchored to accept a check against the proof's own root)",
            code="unanchored",
            evidence={"proof": proof, "snapshot_id": result.proof.snapshot_id},
        )
    if isinstance(result, InclusionResult):
        v1 = result
        return _shown(lambda: _show_v1(v1, check, as_json=args.as_json), EXIT_OK)
    v2 = result
    return _shown(lambda: _show_v2(v2, check, as_json=args.as_json), EXIT_OK)


def _show_v1(result: InclusionResult, check: AnyManifestCheck | None, *, as_json: bool) -> None:
    from solvent.protocol.amounts import format_units

    if as_json:
        payload = {
            "valid": True,
            "protocol": 1,
            "anchored": result.anchored,
            "signature_checked": bool(check and check.signature_checked),
            "owner_checked": result.owner_checked,
            "snapshot_id": result.proof.snapshot_id,
            "root": result.root.to_dict(),
            "leaf": {"index": result.leaf.index, "hashed_id": result.leaf.hashed_id.hex()},
            "balances": {
                a.symbol: format_units(v, a.decimals)
                for a, v in zip(result.proof.assets, result.leaf.amounts, strict=True)
            },
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    else:
        _print_result(result, check)
    if not result.anchored:
        sys.stderr.write(UNANCHORED_WARNING + "\n")


def _show_v2(result: InclusionResultV2, check: AnyManifestCheck | None, *, as_json: bool) -> None:
    from solvent.protocol.v2.manifest import Manifest

    manifest = check.manifest if check else None
    assert manifest is None or isinstance(manifest, Manifest)  # verify_any_proof_bytes matched the versions
    if as_json:
        sys.stdout.write(json.dumps(_payload_v2(result, manifest, check), indent=2) + "\n")
    else:
        _print_result_v2(result, manifest, check)
    if not result.anchored:
        sys.stderr.write(UNANCHORED_WARNING.replace("the root below", "the roots below") + "\n")


def _rows_v2(result: InclusionResultV2, manifest: ManifestV2 | None) -> list[tuple[str, str, str | None]]:
    """(symbol, your amount, all customers' total) for every asset of the manifest, held ones
    first (``protocol.v2.inclusion.balances``); without a manifest, the proof's entries only."""
    from solvent.protocol.amounts import format_units
    from solvent.protocol.v2.inclusion import balances

    if manifest is None:
        return [
            (e.symbol, format_units(e.amount, e.asset.decimals), format_units(e.root.sum, e.asset.decimals))
            for e in result.proof.entries
        ]
    totals = {t.symbol: t.root.sum for t in manifest.trees}
    return [
        (a.symbol, format_units(amount, a.decimals), format_units(totals[a.symbol], a.decimals))
        for a, amount in balances(result.proof, manifest)
    ]


def _payload_v2(
    result: InclusionResultV2, manifest: ManifestV2 | None, check: AnyManifestCheck | None
) -> dict[str, object]:
    """The ``--json`` form of a verified v2 proof."""
    from solvent.protocol.amounts import format_units

    rows = _rows_v2(result, manifest)
    return {
        "valid": True,
        "protocol": 2,
        "anchored": result.anchored,
        "signature_checked": bool(check and check.signature_checked),
        "owner_checked": result.owner_checked,
        "snapshot_id": result.proof.snapshot_id,
        "hashed_id": result.proof.hashed_id.hex(),
        "accounts": manifest.accounts if manifest is not None else None,
        "held": [e.symbol for e in result.proof.entries],
        "entries": [
            {
                "symbol": e.symbol,
                "decimals": e.asset.decimals,
                "index": e.index,
                "amount": format_units(e.amount, e.asset.decimals),
                "root": e.root.to_dict(),
            }
            for e in result.proof.entries
        ],
        # Every asset of the manifest (held ones first, then the rest at 0); only the held
        # ones without a manifest.
        "balances": {symbol: amount for symbol, amount, _ in rows},
        "totals": {symbol: total for symbol, _, total in rows},
    }


def _print_result_v2(result: InclusionResultV2, manifest: ManifestV2 | None, check: AnyManifestCheck | None) -> None:
    out = sys.stdout.write
    held = len(result.proof.entries)
    if manifest is None:
        out(f"{UNANCHORED_HEADLINE}: the balances below are included in the trees whose roots the proof itself names\n")
    else:
        out("VALID: the balances below are included in the snapshot's Merkle sum trees, one tree per asset\n")
    out("  protocol:      v2 (solvent-proof/2)\n")
    if check is not None and manifest is not None:
        out(f"  exchange:      {printable(manifest.exchange)}\n")
        out(f"  snapshot:      {manifest.snapshot_id} taken at {manifest.taken_at}\n")
        out(f"  signature:     {check.note}{'' if check.signature_checked else ' (--no-signature)'}\n")
        out(f"  accounts:      {manifest.accounts}\n")
    else:
        out(f"  snapshot:      {result.proof.snapshot_id} (manifest NOT checked)\n")
    out(f"  hashed id:     {result.proof.hashed_id.hex()}\n")
    if result.owner_checked:
        out("  your id:       yes, recomputed from your uid and secret\n")
    else:
        out("  your id:       not checked (give --uid and --secret)\n")
    rows = _rows_v2(result, manifest)
    if manifest is not None:
        out(f"  balances:      {held} held, then the other {len(rows) - held} assets of the snapshot at 0\n")
    else:
        out(f"  balances:      the {held} held (assets you do not hold are listed in the manifest)\n")
    width = max(8, *(len(symbol) for symbol, _, _ in rows))
    amounts = max(32, *(len(amount) for _, amount, _ in rows))
    for symbol, amount, total in rows:
        out(f"    {symbol:<{width}} {amount:>{amounts}}   (all customers: {total})\n")
    out("  merkle roots of your trees:\n")
    for e in result.proof.entries:
        out(f"    {e.symbol:<{width}} {e.root.hash.hex()}  (leaf {e.index} of {e.root.leaf_count})\n")
