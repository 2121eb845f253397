"""benchmarks/hashing.py still runs and prints its table (figures are not checked)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("solvent.tree.native", reason="native extension not built", exc_type=ImportError)

ROOT = Path(__file__).parents[2]


@pytest.mark.integration
def test_benchmark_prints_a_row_per_message_shape() -> None:
    argv = [sys.executable, str(ROOT / "benchmarks" / "hashing.py"), "--rows", "5000", "--hashlib-rows", "2000"]
    out = subprocess.run([*argv, "--repeat", "1", "--no-openssl"], capture_output=True, text=True, check=True).stdout
    rows = [line for line in out.splitlines() if line.startswith("| ") and not line.startswith("| message")]
    assert [r.split("|")[1].strip() for r in rows] == [
        "leaf (n=5)",
        "node (n=5)",
        "HMAC, shared key",
        "HMAC, per-row keys",
    ]
    # bytes and SHA-256 blocks per message, from spec §2 and §3 for five assets
    assert [(r.split("|")[2].strip(), r.split("|")[3].strip()) for r in rows] == [
        ("113", "2"),
        ("225", "4"),
        ("42", "2"),
        ("49", "4"),
    ]


@pytest.mark.integration
@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl command")
def test_openssl_speed_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("hashing_benchmark", ROOT / "benchmarks" / "hashing.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, bench)  # dataclasses look their module up there
    spec.loader.exec_module(bench)
    rate = bench.openssl_speed(113, seconds=1, multi=1)
    assert rate is not None and rate > 0
