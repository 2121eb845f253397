"""Typed key files: a key of the wrong kind, a public key as a private one, a secret echoed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from solvent.protocol.errors import InputError
from solvent.publish.keys import load_private_key
from tests.attack_issue11.conftest import Kit
from tests.cli_invoke import invoke


def _build(kit: Kit, out: Path, *, master: Path, signing: Path) -> tuple[int, str]:
    ledger = kit.work / "ledger-2026-11-01.csv"
    r = invoke(
        [
            "build",
            ledger,
            "--master-key-file",
            master,
            "--signing-key-file",
            signing,
            "--out",
            out,
            "--assets",
            "BTC:8,ETH:8,USDT:8,USD:2",
            "--snapshot-id",
            "x",
            "--exchange",
            "Ex",
            "--workers",
            "1",
        ]
    )
    return r.exit_code, r.output


def test_the_public_key_is_refused_as_the_signing_key(kit: Kit, tmp_path: Path) -> None:
    code, _ = _build(kit, tmp_path / "o", master=kit.keys / "master.key", signing=kit.keys / "signing.pub")
    assert code == 2 and not (tmp_path / "o").exists()


def test_the_master_key_is_refused_as_the_signing_key(kit: Kit, tmp_path: Path) -> None:
    code, output = _build(kit, tmp_path / "o", master=kit.keys / "master.key", signing=kit.keys / "master.key")
    assert code == 2 and "master key, not the signing key" in output and kit.master_hex not in output


def test_the_signing_key_is_refused_as_the_master_key(kit: Kit, tmp_path: Path) -> None:
    code, output = _build(kit, tmp_path / "o", master=kit.keys / "signing.key", signing=kit.keys / "signing.key")
    assert code == 2 and kit.seed_hex not in output


@pytest.mark.parametrize("form", ["typed-file", "untyped-copy", "hex", "HEX", "master-hex", "master-file"])
@pytest.mark.parametrize("json_out", [False, True])
def test_a_private_key_given_as_public_key_is_never_echoed(kit: Kit, form: str, json_out: bool) -> None:
    untyped = kit.work / "old-signing.hex"
    if not untyped.exists():
        untyped.write_text(kit.seed_hex + "\n")
        untyped.chmod(0o600)
    value = {
        "typed-file": str(kit.keys / "signing.key"),
        "untyped-copy": str(untyped),
        "hex": kit.seed_hex,
        "HEX": kit.seed_hex.upper(),
        "master-hex": kit.master_hex,
        "master-file": str(kit.keys / "master.key"),
    }[form]
    args = ["verify", kit.proof, "--snapshot", kit.manifest, "--uid", kit.uid, "--secret", kit.secret]
    r = invoke([*args, "--public-key", value, *(["--json"] if json_out else [])])
    assert r.exit_code in (1, 2)
    low = r.output.lower()
    assert kit.seed_hex not in low and kit.master_hex not in low
    r = invoke(["audit", kit.snapshot, "--public-key", value])
    assert r.exit_code in (1, 2) and kit.seed_hex not in r.output.lower() and kit.master_hex not in r.output.lower()


def test_special_and_huge_key_files_are_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "master.key"
    os.mkfifo(fifo)
    for p in (fifo, Path("/dev/zero"), Path("/dev/urandom")):
        with pytest.raises(InputError):
            load_private_key(p, "master")
    big = tmp_path / "big.key"
    big.write_bytes(b"solvent master key v1\n" + b"a" * (1 << 20))
    big.chmod(0o600)
    with pytest.raises(InputError, match="larger than"):
        load_private_key(big, "master")


def test_a_group_readable_key_through_a_symlink_is_refused(kit: Kit, tmp_path: Path) -> None:
    real = tmp_path / "real.key"
    shutil.copy(kit.keys / "master.key", real)
    real.chmod(0o640)
    link = tmp_path / "link.key"
    link.symlink_to(real)
    with pytest.raises(InputError, match="chmod 600") as e:
        load_private_key(link, "master")
    assert kit.master_hex not in str(e.value)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give a file away")
def test_a_key_file_owned_by_another_user_is_refused(kit: Kit, tmp_path: Path) -> None:
    theirs = tmp_path / "signing.key"
    shutil.copy(kit.keys / "signing.key", theirs)
    theirs.chmod(0o600)
    os.chown(theirs, 65534, 65534)
    with pytest.raises(InputError):
        load_private_key(theirs, "signing")


def test_a_key_in_a_world_writable_folder_is_refused(kit: Kit, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shutil.copy(kit.keys / "master.key", shared / "master.key")
    (shared / "master.key").chmod(0o600)
    shared.chmod(0o777)
    with pytest.raises(InputError):
        load_private_key(shared / "master.key", "master")


def test_upgrade_never_makes_a_public_key_a_signing_key(kit: Kit, tmp_path: Path) -> None:
    copy = tmp_path / "exchange-old.key"
    shutil.copy(kit.keys / "signing.pub", copy)
    copy.chmod(0o600)
    r = invoke(["keygen", "--upgrade", copy, "--kind", "signing"])
    assert r.exit_code == 2
    assert not copy.read_bytes().startswith(b"solvent signing key")


def test_upgrade_refuses_the_public_key_beside_it_and_its_own_pub(kit: Kit, tmp_path: Path) -> None:
    d = tmp_path / "k"
    shutil.copytree(kit.keys, d)
    (d / "signing.pub.bak").write_bytes((d / "signing.pub").read_bytes().upper())
    (d / "signing.pub.bak").chmod(0o600)
    for name, kind in (("signing.pub", "signing"), ("signing.pub.bak", "signing"), ("signing.pub.bak", "master")):
        r = invoke(["keygen", "--upgrade", d / name, "--kind", kind])
        assert r.exit_code == 2, (name, kind, r.output)
    # a typed file upgraded again is left alone; as the other kind it is refused
    assert invoke(["keygen", "--upgrade", d / "master.key", "--kind", "master"]).exit_code == 0
    assert invoke(["keygen", "--upgrade", d / "master.key", "--kind", "signing"]).exit_code == 2


def test_upgrade_through_a_symlink_converts_the_target_or_refuses(kit: Kit, tmp_path: Path) -> None:
    real = tmp_path / "vault-master"
    real.write_text(kit.master_hex + "\n")
    real.chmod(0o600)
    link = tmp_path / "master.key"
    link.symlink_to(real)
    r = invoke(["keygen", "--upgrade", link, "--kind", "master"])
    converted = link.is_symlink() and real.read_bytes().startswith(b"solvent master key v1\n")
    assert converted or (r.exit_code == 2 and real.read_text() == kit.master_hex + "\n" and link.is_symlink())


def test_keygen_writes_secrets_0600_and_never_overwrites(tmp_path: Path) -> None:
    out = tmp_path / "k"
    r = subprocess.run(
        [sys.executable, "-m", "solvent", "keygen", "--out", str(out)], capture_output=True, text=True, check=False
    )
    assert r.returncode == 0
    for name in ("master.key", "signing.key"):
        assert (out / name).stat().st_mode & 0o777 == 0o600
        assert (out / name).read_text().split("\n")[1] not in r.stdout + r.stderr
    before = (out / "master.key").read_bytes()
    assert invoke(["keygen", "--out", out]).exit_code == 2
    assert (out / "master.key").read_bytes() == before
