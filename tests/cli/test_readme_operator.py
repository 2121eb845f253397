"""The README's operator commands, run as written in a fresh folder with the real CLI.

The shell blocks of the README's "The exchange operator" section are read from the
README itself (continuation lines joined, comments dropped) and run one by one with
``python -m solvent`` in an empty folder, so that a command the README shows but the CLI
refuses (``--out snapshots/2026-11-23`` without ``snapshots/``, a renamed option) fails
here.  Only what cannot be as written is substituted, each named below:

* the operator's own inputs are written first: ``ledger.csv`` (the README's assets),
  ``reserves.toml`` (one Bitcoin cold wallet with a declared balance, no node needed, and
  a bank balance) and ``signatures.csv`` (that wallet's BIP-322 signature of its challenge,
  made with a fresh key under the ``keys/signing.pub`` that ``keygen`` just wrote);
* the reserves commands run before ``build``, which reads their ``reserves.json``;
* ``--node CHAIN=URL`` options are dropped: they name nodes that do not exist here
  (``https://your-tron-node``), for chains this declaration does not use;
* ``HASHED_CLIENT_ID`` is a hashed id from the snapshot's ``private/users.csv``;
* ``serve`` gets ``--port 0`` (8000 may be taken) and only the snapshot that exists; it
  must print its URL, and is then stopped.
"""

from __future__ import annotations

import csv
import re
import secrets
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

README = Path(__file__).parents[2] / "README.md"


def operator_commands() -> list[list[str]]:
    """Every ``solvent`` command of the README's operator section, as argv lists."""
    text = README.read_text()
    section = text[text.index("### The exchange operator") : text.index("### The customer")]
    commands: list[list[str]] = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words:
                assert words[0] == "solvent", line
                commands.append(words)
    return commands


def _inputs(folder: Path) -> None:
    from solvent.demo.signers import bitcoin_address, sign_bip322_simple
    from solvent.reserves.challenge import challenge_message
    from solvent.reserves.pinned_block import BlockPin

    (folder / "ledger.csv").write_text(
        "uid,BTC,ETH,USDT,USDC,USD\nalice,1.5,0,100,0,12.50\nbob,0,2.25,0,50,0\ncarol,0.1,0,0,0,1000\n"
    )
    key = secrets.token_bytes(32)
    address = bitcoin_address(key, "p2wpkh")
    pin = BlockPin("bitcoin", 840000, "0000000000000000000320283a032748cef8227873ff4872689bf23f1cda83a5")
    (folder / "reserves.toml").write_text(
        'format = "solvent-reserves-declaration/1"\nexchange = "Example Exchange"\nsnapshot_id = "2026-11-23"\n'
        'assets = "BTC:8,ETH:8,USDT:8,USDC:8,USD:2"\n\n'
        f'[chains.bitcoin]\nblock_height = {pin.height}\nblock_hash = "{pin.hash}"\n\n'
        f'[[wallets]]\nchain = "bitcoin"\naddress = "{address.text}"\nassets = ["BTC"]\ndeclared = {{ BTC = "2" }}\n\n'
        '[[offchain]]\nasset = "USD"\namount = "1500.00"\ncustodian = "Example Bank"\n'
    )
    public = (folder / "keys" / "signing.pub").read_text().strip()
    message = challenge_message("Example Exchange", "2026-11-23", pin, address, signing_key=public)
    signature = sign_bip322_simple(key, address, message)
    (folder / "signatures.csv").write_text(f"chain,address,signature\nbitcoin,{address.text},{signature}\n")


def _without_nodes(words: list[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word == "--node":
            skip = True
        else:
            out.append(word)
    return out


def _run(folder: Path, words: list[str]) -> subprocess.CompletedProcess[str]:
    stdout = None
    if ">" in words:
        at = words.index(">")
        words, stdout = words[:at], folder / words[at + 1]
    done = subprocess.run(
        [sys.executable, "-m", "solvent", *words[1:]], cwd=folder, capture_output=True, text=True, timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{shlex.join(words)}\n{done.stderr}"
    if stdout is not None:
        stdout.write_text(done.stdout)
    return done


def _serve(folder: Path, words: list[str]) -> None:
    words = [w for w in words if w in {"serve", "solvent"} or w.startswith("-") or (folder / w).exists()]
    words[words.index("--port") + 1 :] = ["0"]
    process = subprocess.Popen(
        [sys.executable, "-m", "solvent", *words[1:]], cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 120
        seen = ""
        while "open http://" not in seen and time.monotonic() < deadline and process.poll() is None:
            seen += process.stdout.readline()
        assert "open http://" in seen, seen
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


def _name(words: list[str]) -> str:
    if words[1] == "reserves":
        return " ".join(words[1:3])
    return "keygen --upgrade" if words[1:3] == ["keygen", "--upgrade"] else words[1]


def test_the_readme_names_the_operator_commands() -> None:
    names = [_name(c) for c in operator_commands()]
    assert names == [
        "keygen",
        "build",
        "keygen --upgrade",
        "keygen --upgrade",
        "reserves challenge",
        "reserves attest",
        "prove",
        "serve",
        "publish",
    ]


def test_the_readme_key_upgrade_commands_convert_old_key_files_as_written(tmp_path: Path) -> None:
    """Key files of a solvent before typed keys (64 bare hex digits) in keys/, as the
    README's operator had them: its two upgrade commands, run as written, type them."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from solvent.publish.keys import load_master_key, load_signing_key, public_key_hex

    keys = tmp_path / "keys"
    keys.mkdir()
    master, seed = secrets.token_bytes(32), secrets.token_bytes(32)
    for name, raw in (("master.key", master), ("signing.key", seed)):
        (keys / name).write_text(raw.hex() + "\n")
        (keys / name).chmod(0o600)
    (keys / "signing.pub").write_text(public_key_hex(Ed25519PrivateKey.from_private_bytes(seed)) + "\n")
    for words in (c for c in operator_commands() if _name(c) == "keygen --upgrade"):
        _run(tmp_path, words)
    assert load_master_key(keys / "master.key") == master
    assert public_key_hex(load_signing_key(keys / "signing.key")) == (keys / "signing.pub").read_text().strip()


def test_the_readme_operator_commands_run_as_written_in_a_fresh_folder(tmp_path: Path) -> None:
    commands = operator_commands()
    by_name = {_name(c): c for c in commands}
    _run(tmp_path, by_name["keygen"])
    _inputs(tmp_path)
    challenge = _run(tmp_path, by_name["reserves challenge"])
    assert "ownership challenge" in challenge.stdout
    _run(tmp_path, _without_nodes(by_name["reserves attest"]))
    assert (tmp_path / "reserves.json").is_file()
    assert not (tmp_path / "snapshots").exists()  # build makes its parent folder itself
    _run(tmp_path, by_name["build"])
    snapshot = tmp_path / "snapshots" / "2026-11-23"
    assert (snapshot / "public" / "snapshot.json").is_file() and (snapshot / "public" / "reserves.json").is_file()
    with (snapshot / "private" / "users.csv").open() as f:
        hashed_id = next(csv.DictReader(f))["hashed_id"]
    prove = [hashed_id if w == "HASHED_CLIENT_ID" else w for w in by_name["prove"]]
    _run(tmp_path, prove)
    verified = subprocess.run(
        [sys.executable, "-m", "solvent", "verify", "proof.json", "--snapshot", snapshot / "public" / "snapshot.json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert verified.returncode == 0 and verified.stdout.startswith("VALID"), verified.stderr
    _serve(tmp_path, by_name["serve"])
    _run(tmp_path, by_name["publish"])
    assert (tmp_path / "site").is_dir()
