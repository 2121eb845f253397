"""Every foreign-format file is read with a limit suited to it (issue 11, "bounded everything").

A BitMEX tree file is streamed line by line into packed rows: a file of endless short
lines, or one endless line, is refused at the first bad line having held one line, and a
valid tree costs 40 bytes a node.  The memory bound is checked in a fresh process (the
peak of a child, read by a small wrapper with ``RUSAGE_CHILDREN``, so that the test
process's own memory is not counted); the code before this change needed about 1.4 GiB
for the short-line file of the reproduction, 490 MiB for the 20 MB one here and 184 MiB
for the tree below; the streaming reading 23 and 60 MiB (docs/benchmarks.md).

An OKX v2 tree file is re-computed whole, so every node is kept, but packed: its 32-byte
hash, an 8-byte offset and its balance strings, about 73 bytes a node instead of some 790
in Python objects.  The tree and the hostile file below took 405 and 314 MiB before, 56
and 41 MiB packed (docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys
from pathlib import Path

import pytest

from solvent.formats import bitmex, okx_v2
from solvent.formats.exchange_decimals import parse_amount
from solvent.protocol.errors import FormatError

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))
from formats_full_trees import bitmex_tree, okx_tree  # noqa: E402  (the benchmark's generators)

from tests.formats import builders  # noqa: E402

NONCE = b"n" * 32

#: Peak resident memory allowed for verifying any big file below, in MiB.  The new readings
#: stay near 25 MiB (BitMEX short lines), 60 MiB (BitMEX tree), 56 MiB (OKX v2 tree) and
#: 41 MiB (OKX v2 hostile file); the old ones exceeded every one.
BOUND_MIB = 150

_WRAPPER = """
import resource, subprocess, sys
done = subprocess.run([sys.executable, "-m", "solvent", *sys.argv[1:]], capture_output=True)
sys.stderr.buffer.write(done.stderr)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
"""


def _peak_mib(*args: str) -> tuple[int, int, str]:
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *args], capture_output=True, text=True, timeout=300, check=True
    )
    code, mib = map(int, done.stdout.split())
    return code, mib, done.stderr


@pytest.fixture(scope="module")
def short_lines(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reproduction, smaller: ``block_height:1`` then 20 MB of three-byte lines."""
    path = tmp_path_factory.mktemp("bitmex") / "short.csv"
    with path.open("wb") as f:
        f.write(b"block_height:1\n")
        chunk = b"00\n" * (1 << 20)
        for _ in range(20 * 1000 * 1000 // len(chunk)):
            f.write(chunk)
    return path


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid tree of 2^18 leaves (524,287 node lines, 39 MB), every 97th leaf the account's."""
    path = tmp_path_factory.mktemp("bitmex") / "tree.csv"
    path.write_text(bitmex_tree(1 << 18, random.Random(1), NONCE))
    return path


@pytest.mark.integration
def test_a_file_of_short_lines_is_refused_in_bounded_memory(short_lines: Path) -> None:
    code, mib, err = _peak_mib("verify", "--format", "bitmex", str(short_lines))
    assert code == 1, err
    assert "line 2: expected '<64 hex>,<value>'" in err
    assert "Traceback" not in err
    assert mib < BOUND_MIB, f"peak {mib} MiB"


@pytest.mark.integration
def test_a_big_valid_tree_verifies_in_bounded_memory(big_tree: Path) -> None:
    code, mib, err = _peak_mib("verify", "--format", "bitmex", str(big_tree), "--secret", NONCE.hex())
    assert code == 0, err
    assert mib < BOUND_MIB, f"peak {mib} MiB"


def test_the_streamed_tree_is_the_tree(tmp_path: Path) -> None:
    """The packed rows say what the lines say: the same root, leaves and scan as line parsing."""
    text = bitmex_tree(1 << 6, random.Random(2), NONCE)
    path = tmp_path / "tree.csv"
    path.write_text(text)
    lines = text.splitlines()
    streamed, parsed = bitmex._read_tree(path), bitmex.parse_tree(lines)
    assert streamed == parsed
    assert streamed.root == (bytes.fromhex(lines[1].split(",")[0]), int(lines[1].split(",")[1]))
    assert streamed.levels[0][-1] == (bytes.fromhex(lines[-1].split(",")[0]), int(lines[-1].split(",")[1]))
    assert streamed.node_count == len(lines) - 1
    assert [i for i, _ in bitmex.find_account_leaves(streamed, NONCE)] == list(range(0, 64, 97))


def test_a_tree_file_over_the_limit_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tree.csv"
    path.write_text(bitmex_tree(1 << 4, random.Random(3), NONCE))
    monkeypatch.setattr(bitmex, "MAX_TREE_FILE_BYTES", path.stat().st_size - 1)
    with pytest.raises(FormatError, match=f"larger than {path.stat().st_size - 1} bytes") as e:
        bitmex.verify([path])
    assert e.value.code == "too-large"
    monkeypatch.setattr(bitmex, "MAX_TREE_FILE_BYTES", path.stat().st_size)
    bitmex.verify([path])


def test_the_tree_limit_is_documented_and_suited() -> None:
    """1 GiB: 16 million nodes at the shortest line, at most 0.6 of the file kept in memory."""
    assert bitmex.MAX_TREE_FILE_BYTES == 1 << 30
    assert bitmex.NODE_BYTES * (bitmex.MAX_TREE_FILE_BYTES // 67) < 0.6 * bitmex.MAX_TREE_FILE_BYTES


def test_one_endless_line_is_refused_at_the_line_limit(tmp_path: Path) -> None:
    path = tmp_path / "tree.csv"
    path.write_bytes(b"block_height:1\n" + b"a" * (bitmex.MAX_LINE_BYTES * 4))
    with pytest.raises(FormatError, match=f"line 2: longer than {bitmex.MAX_LINE_BYTES} bytes"):
        bitmex.verify([path])


def test_an_account_proof_over_its_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "proof.csv"
    path.write_bytes(b"1,1,1," + b"0" * bitmex.MAX_PROOF_FILE_BYTES)
    with pytest.raises(FormatError, match=f"larger than {bitmex.MAX_PROOF_FILE_BYTES} bytes"):
        bitmex.verify_with([path], {"secret": NONCE.hex()})


def test_okx_v2_refuses_one_endless_line(tmp_path: Path) -> None:
    path = tmp_path / "tree.txt"
    path.write_bytes(b"a" * (okx_v2.MAX_LINE_BYTES + 10))
    with pytest.raises(FormatError, match=f"line 1: longer than {okx_v2.MAX_LINE_BYTES} bytes"):
        okx_v2.verify([path])


@pytest.fixture(scope="module")
def okx_big_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid OKX v2 tree of 2^18 + 1 leaves (524,325 lines, 67 MB): every level but the root padded."""
    path = tmp_path_factory.mktemp("okx") / "tree.txt"
    path.write_text(okx_tree((1 << 18) + 1, random.Random(1)))
    return path


@pytest.mark.integration
def test_a_big_okx_v2_tree_verifies_in_bounded_memory(okx_big_tree: Path) -> None:
    code, mib, err = _peak_mib("verify", "--format", "okx-v2", str(okx_big_tree))
    assert code == 0, err
    assert mib < BOUND_MIB, f"peak {mib} MiB"


@pytest.mark.integration
def test_a_hostile_okx_v2_file_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """400,000 well-formed leaf lines under a root of height 2: all are read, then the count is refused."""
    path = tmp_path / "tree.txt"
    balances = '{"BTC":"0.01","ETH":"0.02","USDT":"0.03"}'
    with path.open("w") as f:
        f.write(f"{'0' * 64},2,{balances}\n")
        f.writelines(f"{hashlib.sha256(b'%d' % i).hexdigest()},1,{balances}\n" for i in range(400_000))
    code, mib, err = _peak_mib("verify", "--format", "okx-v2", str(path))
    assert code == 1, err
    assert "height 2 lists 1 nodes, its children make 200000" in err
    assert "Traceback" not in err
    assert mib < BOUND_MIB, f"peak {mib} MiB"


def test_the_packed_okx_v2_tree_is_the_tree(tmp_path: Path) -> None:
    """Each packed node says what its line says, streamed or from bytes, and the tree verifies."""
    text = okx_tree(37, random.Random(4))  # levels of 37+1, 19+1, 10, 5+1, 3+1, 2, 1 nodes
    path = tmp_path / "tree.txt"
    path.write_text(text)
    lines = text.splitlines()
    streamed = okx_v2.parse_tree(okx_v2._stream_lines(path), "tree")
    assert streamed == okx_v2.parse_tree(lines)
    assert streamed.lines == len(lines) == 38 + 20 + 10 + 6 + 4 + 2 + 1
    for level in streamed.levels:
        for i in range(len(level)):
            node = level[i]
            digest, height, balances = lines[node.line - 1].split(",", 2)
            assert (node.hash, node.height) == (digest, int(height))
            assert okx_v2.balances_json(node.balances) == balances
            assert level.line(i) == node.line and level.digest(i) == bytes.fromhex(digest)
    leaves = streamed.levels[0]
    assert streamed.root.line == 1 and leaves[0].line == len(lines)  # each level right to left
    assert leaves[-1].line == leaves.first_line and leaves[-1].balances == ("0", "0", "0")  # the padding twin
    assert okx_v2.verify_tree(streamed).leaves == 37


@pytest.mark.parametrize(
    "text", ["0", "-0", "00", "1", "-1.5", "0.000000000000000001", "340282366920938463463.374607431768211455", "7.10"]
)
def test_the_kept_strings_give_the_amounts_parse_amount_gives(text: str) -> None:
    """The rebuild re-reads checked strings without the checks: the same value for every form."""
    line = f"{'a' * 64},1,{okx_v2.balances_json([text, text, '0'])}"
    tree = okx_v2.parse_tree([line])
    assert okx_v2._units(tree.levels[0].text(0)) == [parse_amount(text, "x"), parse_amount(text, "x"), 0]


def test_okx_v2_counts_every_negative_leaf_and_shows_eight() -> None:
    users = [(f"n{i}", [("-1", "0", "-0.5"), ("0", "-2", "0")]) for i in range(7)]  # 21 negative balances
    text, _ = builders.okx_v2_files(users)
    result = okx_v2.verify_tree_bytes(text.encode())
    (anomaly,) = [f for f in result.findings if f.code == "negative-sum"]
    assert anomaly.text.count("leaf line") == 8
    assert "(and 13 more)" in anomaly.text


def test_an_okx_v2_node_costs_less_than_its_line() -> None:
    """The longest balances a line can hold (80 characters each) packed: 0.84 of the line at most."""
    line = f"{'a' * 64},1,{okx_v2.balances_json(['0' * 80] * 3)}\n"
    level = okx_v2.parse_tree([line]).levels[0]
    packed = len(level.hashes) + len(level.texts) + level.ends.itemsize
    assert (packed, len(line)) == (282, 337)
    with pytest.raises(FormatError, match="not a decimal number"):
        okx_v2.parse_tree([line.replace("0" * 80, "0" * 81, 1)])
