"""Every foreign-format file is read with a limit suited to it (issue 11, "bounded everything").

A BitMEX tree file is streamed line by line into packed rows: a file of endless short
lines, or one endless line, is refused at the first bad line having held one line, and a
valid tree costs 40 bytes a node.  The memory bound is checked in a fresh process (the
peak of a child, read by a small wrapper with ``RUSAGE_CHILDREN``, so that the test
process's own memory is not counted); the code before this change needed about 1.4 GiB
for the short-line file of the reproduction, 490 MiB for the 20 MB one here and 184 MiB
for the tree below; the streaming reading 23 and 60 MiB (docs/benchmarks.md).
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from solvent.formats import bitmex, okx_v2
from solvent.protocol.errors import FormatError

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))
from formats_full_trees import bitmex_tree  # noqa: E402  (the benchmark's generator)

NONCE = b"n" * 32

#: Peak resident memory allowed for verifying either big file below, in MiB.  The new
#: reading stays near 25 MiB (short lines) and 60 MiB (tree); the old one exceeded both.
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
