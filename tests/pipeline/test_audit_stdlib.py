"""The standard-library auditor against the vectorised one: same verdict, same error, same evidence.

Small snapshots are generated from a seed inside each test, then tampered with in every
way the strict reader and the rebuild know; both auditors must agree on each, down to
the message.  A run in an isolated interpreter shows the standard-library one needs
nothing else, and a memory check that it does not hold the rows.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import shutil
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from solvent.columnar import u128
from solvent.columnar.liabilities_csv import write_liabilities_csv
from solvent.pipeline import audit, audit_stdlib
from solvent.protocol import liabilities_text
from solvent.protocol.amounts import AMOUNT_LIMIT, format_units
from solvent.protocol.assets import Asset
from solvent.protocol.errors import InputError, SolventError
from solvent.protocol.layout import LIABILITIES_FILE
from solvent.protocol.manifest import Manifest
from solvent.tree import builder
from solvent.tree.store import IDS_FILE, level_file
from tests.helpers import build, manifest_for

SRC = Path(audit_stdlib.__file__).parents[2]


def make_snapshot(public: Path, rng: random.Random, n: int, assets: tuple[Asset, ...]) -> Manifest:
    """A published folder of ``n`` random accounts: liabilities.csv, tree files, and its manifest."""
    public.mkdir(parents=True)
    ids = sorted({rng.randbytes(32) for _ in range(n)})
    big = [rng.choice([0, 1, rng.randrange(10**12), rng.randrange(2**100)]) for _ in range(len(ids) * len(assets))]
    accounts = [(i, big[k * len(assets) : (k + 1) * len(assets)]) for k, i in enumerate(ids)]
    tree = build(accounts, assets, out_dir=public)
    id_array = np.frombuffer(b"".join(ids), dtype=np.uint8).reshape(-1, 32)
    amounts = np.stack([u128.from_ints(list(a)) for _, a in accounts]).astype(np.uint64)
    digest = write_liabilities_csv(public / LIABILITIES_FILE, id_array, amounts, assets)
    manifest = manifest_for(tree, assets)
    return dataclasses.replace(manifest, files={**manifest.files, LIABILITIES_FILE: digest})


def outcome(auditor: Callable[..., audit.AuditResult], public: Path, manifest: Manifest) -> tuple[object, ...]:
    try:
        result = auditor(public, manifest)
    except SolventError as e:
        return type(e).__name__, e.code, e.message, e.evidence
    return "passed", result.totals, result.files_checked


def both(public: Path, manifest: Manifest) -> tuple[object, ...]:
    fast = outcome(audit.audit_snapshot, public, manifest)
    slow = outcome(audit_stdlib.audit_snapshot, public, manifest)
    assert slow == fast
    return fast


# -- tampering: each takes the folder, its manifest and a seeded rng, returns the manifest to audit --


def rebind(public: Path, manifest: Manifest, *names: str) -> Manifest:
    """What a cheating exchange does after an edit: bind the new digests (and re-sign)."""
    files = dict(manifest.files)
    for name in names or (LIABILITIES_FILE,):
        files[name] = hashlib.sha256((public / name).read_bytes()).hexdigest()
    return dataclasses.replace(manifest, files=files)


def edit_lines(public: Path, edit: Callable[[list[bytes], random.Random], None], rng: random.Random) -> None:
    path = public / LIABILITIES_FILE
    lines = path.read_bytes().split(b"\n")  # header, rows..., b""
    edit(lines, rng)
    path.write_bytes(b"\n".join(lines))


def cell_edit(value: Callable[[bytes, random.Random], bytes], column: int | None = None) -> Callable[..., None]:
    def edit(lines: list[bytes], rng: random.Random) -> None:
        row = rng.randrange(1, len(lines) - 1)
        cells = lines[row].split(b",")
        col = column if column is not None else rng.randrange(1, len(cells))
        cells[col] = value(cells[col], rng)
        lines[row] = b",".join(cells)

    return edit


def several(lines: list[bytes], rng: random.Random) -> None:
    for _ in range(7):
        cell_edit(lambda v, r: r.choice([b"-" + v, b"x", b"0" + v, b""]))(lines, rng)


def swap(lines: list[bytes], rng: random.Random) -> None:
    i = rng.randrange(1, len(lines) - 2)
    lines[i], lines[i + 1] = lines[i + 1], lines[i]


def duplicate(lines: list[bytes], rng: random.Random) -> None:
    i = rng.randrange(1, len(lines) - 2)
    lines[i + 1] = lines[i]


def padding_first(lines: list[bytes], _: random.Random) -> None:
    lines[1] = b"0" * 64 + lines[1][64:]


def set_row(make: Callable[[bytes], bytes]) -> Callable[..., None]:
    def edit(lines: list[bytes], rng: random.Random) -> None:
        row = rng.randrange(1, len(lines) - 1)
        lines[row] = make(lines[row])

    return edit


CSV_EDITS: dict[str, Callable[..., None]] = {
    "amount": cell_edit(lambda v, r: v[:-1] + (b"1" if v[-1:] != b"1" else b"2")),
    "negative": cell_edit(lambda v, r: b"-" + v),
    "sign": cell_edit(lambda v, r: b"+" + v),
    "fewer decimals": cell_edit(lambda v, r: v[:-1]),
    "more decimals": cell_edit(lambda v, r: v + b"0"),
    "leading zero": cell_edit(lambda v, r: b"0" + v),
    "exponent": cell_edit(lambda v, r: b"1e5"),
    "nan": cell_edit(lambda v, r: b"NaN"),
    "whitespace": cell_edit(lambda v, r: b" " + v),
    "quoted": cell_edit(lambda v, r: b'"' + v + b'"'),
    "empty cell": cell_edit(lambda v, r: b""),
    "2^128": cell_edit(lambda v, r: str(AMOUNT_LIMIT).encode() + b".0000"),
    "non-ascii digit": cell_edit(lambda v, r: "٣".encode() + v[1:]),
    "not utf-8": cell_edit(lambda v, r: v[:1] + b"\xff" + v[1:]),
    "upper-case id": cell_edit(lambda v, r: v.upper() if v.upper() != v else b"A" + v[1:], 0),
    "short id": cell_edit(lambda v, r: v[:63], 0),
    "non-hex id": cell_edit(lambda v, r: b"g" + v[1:], 0),
    "short row": set_row(lambda line: line.rsplit(b",", 1)[0]),
    "long row": set_row(lambda line: line + b",0"),
    "blank line": set_row(lambda line: b""),
    "several": several,
    "swap": swap,
    "duplicate": duplicate,
    "padding id": padding_first,
    "cr": set_row(lambda line: line + b"\r"),
    "header": lambda lines, rng: lines.__setitem__(0, lines[0].lower()),
    "extra row": lambda lines, rng: lines.insert(-1, lines[-2]),
    "missing row": lambda lines, rng: lines.pop(-2),
    "no final lf": lambda lines, rng: lines.pop(),
    "bom": lambda lines, rng: lines.__setitem__(0, b"\xef\xbb\xbf" + lines[0]),
}


def tree_edit(public: Path, manifest: Manifest, rng: random.Random, how: str) -> Manifest:
    names = [IDS_FILE, *(level_file(k) for k in range(manifest.root.height + 1))]
    name = rng.choice(names)
    path = public / name
    raw = bytearray(path.read_bytes())
    if how == "flip":
        raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
    elif how == "truncate":
        raw = raw[:-1]
    elif how == "extend":
        raw += b"\x00" * 16
    path.write_bytes(bytes(raw))
    return rebind(public, manifest, name) if rng.random() < 0.5 else manifest


def manifest_edit(public: Path, manifest: Manifest, rng: random.Random, how: str) -> Manifest:
    root = manifest.root
    if how == "root hash":
        return dataclasses.replace(manifest, root=dataclasses.replace(root, hash=bytes(32)))
    if how == "root sums":
        return dataclasses.replace(manifest, root=dataclasses.replace(root, sums=(root.sums[0] + 1, *root.sums[1:])))
    files = dict(manifest.files)
    if how == "unbind csv":
        del files[LIABILITIES_FILE]
    elif how == "stray tree file":
        files[level_file(root.height + 1)] = "00" * 32
    elif how == "missing bound file":
        (public / level_file(0)).unlink()
    elif how == "bound reserves differ":
        (public / "reserves.json").write_text("{}\n")
        files["reserves.json"] = "00" * 32
    elif how == "no tree files":  # not bound, not published: the CSV alone decides (passes)
        shutil.rmtree(public / "tree")
        files = {k: v for k, v in files.items() if not k.startswith("tree/")}
    return dataclasses.replace(manifest, files=files)


MANIFEST_EDITS = [
    "root hash",
    "root sums",
    "unbind csv",
    "stray tree file",
    "missing bound file",
    "bound reserves differ",
    "no tree files",
]
ASSET_LISTS = [(Asset("BTC", 8),), (Asset("BTC", 8), Asset("ETH", 18), Asset("USD", 2)), (Asset("XRP", 0),)]


@pytest.mark.parametrize("seed", range(6))
def test_both_auditors_agree_on_valid_and_tampered_snapshots(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    assets = ASSET_LISTS[seed % len(ASSET_LISTS)]
    n = rng.choice([1, 2, 3, 5, 8, 13, 33])
    original = tmp_path / "original"
    manifest = make_snapshot(original, rng, n, assets)
    assert both(original, manifest)[0] == "passed"
    verdicts: dict[str, object] = {}
    cases: list[tuple[str, Callable[[Path, Manifest], Manifest]]] = []
    for name, csv_edit in CSV_EDITS.items():

        def apply(public: Path, m: Manifest, csv_edit: Callable[..., None] = csv_edit) -> Manifest:
            edit_lines(public, csv_edit, rng)
            return rebind(public, m) if rng.random() < 0.9 else m

        cases.append((f"csv {name}", apply))
    for how in ("flip", "truncate", "extend"):
        cases.append((f"tree {how}", lambda p, m, how=how: tree_edit(p, m, rng, how)))
    for how in MANIFEST_EDITS:
        cases.append((f"manifest {how}", lambda p, m, how=how: manifest_edit(p, m, rng, how)))
    for label, tamper in cases:
        public = tmp_path / label.replace(" ", "-")
        shutil.copytree(original, public)
        try:
            tampered = tamper(public, manifest)
        except (IndexError, ValueError):
            continue  # an edit that does not apply to a one-row file
        verdicts[label] = both(public, tampered)[:2]
    refused = {k for k, v in verdicts.items() if v[0] != "passed"}
    assert len(refused) >= len(verdicts) - 3, verdicts  # only a no-op edit or "no tree files" may pass
    assert verdicts["manifest no tree files"][0] == "passed"


def test_a_sum_overflow_is_named_alike(tmp_path: Path) -> None:
    """Threat L3 in published data: amounts whose sum reaches 2^128 (the builder refuses to write
    such a tree, so the exchange wrote the CSV itself and claims some root)."""
    assets = (Asset("BTC", 0), Asset("ETH", 0))
    half = AMOUNT_LIMIT // 2
    rows = [(bytes([i]) * 32, (v, 7)) for i, v in enumerate([half, 1, half, 3, half, half, 5], start=1)]
    public = tmp_path / "public"
    public.mkdir()
    text = "hashed_id,BTC,ETH\n" + "".join(f"{i.hex()},{a},{b}\n" for i, (a, b) in rows)
    (public / LIABILITIES_FILE).write_text(text)
    fake = make_snapshot(tmp_path / "other", random.Random(1), len(rows), assets)
    manifest = dataclasses.replace(fake, files={LIABILITIES_FILE: hashlib.sha256(text.encode()).hexdigest()})
    kind, code, _, evidence = both(public, manifest)
    assert (kind, code) == ("SumOverflow", "sum-overflow")
    # Node 0 of level 2 overflows first in a walk from the left, node 2 of level 1 first level by level:
    # both auditors name the latter, as the vectorised builder meets it first.
    assert evidence == {"level": "1", "index": "2", "asset": "BTC"}


def test_the_overflow_order_follows_the_fast_builders_chunks() -> None:
    assert audit_stdlib.FAST_CHUNK_LOG2 == builder.DEFAULT_CHUNK_LOG2


def test_a_hash_backend_other_than_hashlib_is_a_usage_error(tmp_path: Path) -> None:
    manifest = make_snapshot(tmp_path / "p", random.Random(2), 3, ASSET_LISTS[0])
    with pytest.raises(InputError, match="hashlib"):
        audit_stdlib.audit_snapshot(tmp_path / "p", manifest, hasher="native")
    assert audit_stdlib.audit_snapshot(tmp_path / "p", manifest, hasher="hashlib").totals


def test_memory_does_not_grow_with_the_accounts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Peak Python allocations of the audit are the same for 2,000 and 20,000 accounts (with a
    64 KiB block for the byte scan, so that both files span several blocks)."""
    monkeypatch.setattr(liabilities_text, "_BLOCK", 1 << 16)
    peaks = []
    for n in (2_000, 20_000):
        public = tmp_path / str(n)
        manifest = make_snapshot(public, random.Random(n), n, ASSET_LISTS[1])
        tracemalloc.start()
        audit_stdlib.audit_snapshot(public, manifest)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < peaks[0] + 64 * 1024, peaks


def test_runs_with_the_standard_library_alone(tmp_path: Path) -> None:
    """``python -I -S`` with only src/ on the path (no site-packages): verify the signature and
    audit a snapshot built by the full install; nothing outside the standard library is loaded."""
    from tests.cli.conftest import build_kat

    snap = build_kat(tmp_path)
    code = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(SRC)!r})\n"
        "from pathlib import Path\n"
        "from solvent.pipeline.audit_stdlib import audit_snapshot\n"
        "from solvent.protocol.signed_manifest import load_signed_manifest\n"
        f"public = Path({str(snap / 'public')!r})\n"
        "check = load_signed_manifest(public / 'snapshot.json')\n"
        "result = audit_snapshot(public, check.manifest)\n"
        "print(json.dumps({'totals': [str(t) for t in result.totals], 'signed': check.signature_checked,\n"
        "                  'modules': sorted(sys.modules)}))\n"
    )
    run = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, cwd="/", check=False)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["signed"] is True
    kat = json.loads((Path(__file__).parents[1] / "vectors" / "kat-v1.json").read_text())
    want = [sum(int(a["amounts"][j]) for a in kat["accounts"]) for j in range(len(kat["assets"]))]
    assert [int(t) for t in out["totals"]] == want
    assert format_units(want[0], 8)  # the KAT totals are real amounts
    foreign = [m for m in out["modules"] if m.split(".")[0] not in sys.stdlib_module_names | {"solvent", "__main__"}]
    assert foreign == []
    vectorised = ("solvent.columnar", "solvent.tree.builder", "solvent.tree.bulk")
    assert not any(m.startswith(vectorised) for m in out["modules"])
