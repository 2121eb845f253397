"""Keys that cannot be confused (threat O1, issue 11's reproductions).

Each test replays what an operator or a customer actually typed: ``signing.pub`` given as
the signing key (the snapshot was signed with a seed everybody knows), the master and
signing keys swapped, a private key given where a public key belongs (its seed was printed
as the "public_key" evidence), ``/dev/zero`` or a FIFO as a key file (8.7 GB in 6 s, or a
hang), a key file others can read.  Each one fails without its defence: the old key files
were the same untyped 64 hex digits, read whole, by name, whatever their mode.
"""

from __future__ import annotations

import json
import os
import resource
import secrets
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from solvent.protocol.errors import InputError
from solvent.publish import keys as keys_module
from solvent.publish.keys import (
    format_key_file,
    generate_keys,
    load_master_key,
    load_private_key,
    load_signing_key,
    public_key_hex,
    write_key_file,
)
from tests.cli.conftest import KAT_V2, kat_v2_assets, solvent, write_kat_v2_ledger
from tests.cli_invoke import invoke

pytestmark = pytest.mark.integration


def _keygen(folder: Path) -> Path:
    keys = folder / "keys"
    result = solvent("keygen", "--out", keys)
    assert result.returncode == 0, result.stderr
    return keys


def _build_args(folder: Path, master: Path, signing: Path, *extra: object) -> list[str]:
    ledger = folder / "ledger.csv"
    if not ledger.exists():
        write_kat_v2_ledger(ledger)
    args = ["build", ledger, "--assets", kat_v2_assets(), "--snapshot-id", KAT_V2["snapshot_id"],
            "--master-key-file", master, "--signing-key-file", signing, "--out", folder / "snap",
            "--exchange", KAT_V2["exchange"], "--taken-at", KAT_V2["taken_at"], "-q", *extra]
    return [str(a) for a in args]


def _nothing_written(folder: Path) -> None:
    """A refused build leaves no snapshot and no temporary folder beside it."""
    assert sorted(p.name for p in folder.iterdir()) == ["keys", "ledger.csv"]


# -- private keys say what they are ------------------------------------------------------------------


def test_the_public_key_is_refused_as_the_signing_key(tmp_path: Path) -> None:
    """Reproduction: ``build --signing-key-file keys/signing.pub`` exited 0, signed with the public key as seed."""
    keys = _keygen(tmp_path)
    result = invoke(_build_args(tmp_path, keys / "master.key", keys / "signing.pub"))
    assert result.exit_code == 2, result.output
    assert "signing.pub" in result.stderr and "a public key is never a private one" in result.stderr
    _nothing_written(tmp_path)


def test_the_public_key_is_refused_as_the_master_key(tmp_path: Path) -> None:
    keys = _keygen(tmp_path)
    result = invoke(_build_args(tmp_path, keys / "signing.pub", keys / "signing.key"))
    assert result.exit_code == 2 and "a public key is never a private one" in result.stderr
    _nothing_written(tmp_path)


@pytest.mark.parametrize("swap", ["both", "signing as master", "master as signing"])
def test_master_and_signing_keys_are_never_swapped(tmp_path: Path, swap: str) -> None:
    """Reproduction: ``--master-key-file keys/signing.key`` was accepted (the same untyped hex)."""
    keys = _keygen(tmp_path)
    master, signing = {
        "both": (keys / "signing.key", keys / "master.key"),
        "signing as master": (keys / "signing.key", keys / "signing.key"),
        "master as signing": (keys / "master.key", keys / "master.key"),
    }[swap]
    result = invoke(_build_args(tmp_path, master, signing))
    assert result.exit_code == 2, result.output
    assert "this is the signing key, not the master key" in result.stderr or (
        "this is the master key, not the signing key" in result.stderr
    )
    _nothing_written(tmp_path)


def test_an_untyped_key_file_is_refused_with_the_command_that_converts_it(tmp_path: Path) -> None:
    """A key file from an older solvent (bare hex) is not silently taken: bare hex is what
    signing.pub holds.  The one-line conversion the error gives works, and checks what it can."""
    keys = _keygen(tmp_path)
    master, signing = load_master_key(keys / "master.key"), load_private_key(keys / "signing.key", "signing")
    for path, raw in ((keys / "master.key", master), (keys / "signing.key", signing)):
        path.unlink()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, raw.hex().encode() + b"\n")  # as solvent keygen used to write them
        os.close(fd)
    refused = invoke(_build_args(tmp_path, keys / "master.key", keys / "signing.key"))
    assert refused.exit_code == 2
    assert f"solvent keygen --upgrade {keys / 'master.key'} --kind master" in refused.stderr
    _nothing_written(tmp_path)
    # converting the wrong kind is refused: by name, and by the signing.pub beside it
    for path, kind in ((keys / "master.key", "signing"), (keys / "signing.key", "master")):
        wrong = solvent("keygen", "--upgrade", path, "--kind", kind)
        assert wrong.returncode == 2 and "refusing" in wrong.stderr, wrong.stderr
    renamed = keys / "seed"
    (keys / "signing.key").rename(renamed)
    as_master = solvent("keygen", "--upgrade", renamed, "--kind", "master")
    assert as_master.returncode == 2 and "the signing key of" in as_master.stderr
    renamed.rename(keys / "signing.key")
    assert solvent("keygen", "--upgrade", keys / "signing.pub", "--kind", "signing").returncode == 2
    # the right kinds convert: same key, typed, 0600; the build then works
    for kind in ("master", "signing"):
        hint = f"solvent keygen --upgrade {keys / f'{kind}.key'} --kind {kind}".split()
        converted = solvent(*hint[1:])
        assert converted.returncode == 0, converted.stderr
        assert solvent(*hint[1:]).stdout.endswith("nothing to do\n")
    assert load_master_key(keys / "master.key") == master
    assert load_private_key(keys / "signing.key", "signing") == signing
    assert all(stat.S_IMODE((keys / n).stat().st_mode) == 0o600 for n in ("master.key", "signing.key"))
    built = invoke(_build_args(tmp_path, keys / "master.key", keys / "signing.key"))
    assert built.exit_code == 0, built.stderr


@pytest.mark.parametrize(
    "mangle",
    [
        lambda b: b.replace(b"\n", b"\r\n"),
        lambda b: b[:-1],  # no final line feed
        lambda b: b + b"\n",
        lambda b: b + b"extra\n",
        lambda b: b.upper(),
        lambda b: b.replace(b"v1", b"v01"),
        lambda b: b.replace(b"v1", b"v2"),
        lambda b: b" " + b,
        lambda b: b"\xef\xbb\xbf" + b,
        lambda b: b.replace(b"key v1\n", b"key v1\n\n"),
        lambda b: b[:30] + b[31:],  # 63 hex digits
        lambda b: b.replace(b"signing", b"Signing"),
    ],
)
def test_the_typed_format_has_one_spelling_and_no_error_quotes_the_key(tmp_path: Path, mangle) -> None:
    seed = secrets.token_bytes(32)
    good = format_key_file("signing", seed)
    assert good == b"solvent signing key v1\n" + seed.hex().encode() + b"\n"
    path = tmp_path / "signing.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, mangle(good))
    os.close(fd)
    with pytest.raises(InputError) as e:
        load_signing_key(path)
    shown = e.value.message + json.dumps(e.value.evidence)
    assert seed.hex()[:16] not in shown.lower() and str(path) in shown


# -- bounded reads, regular files only ------------------------------------------------------------------


def _limited(limit: int) -> None:  # runs in the child before exec: its memory may not grow past ``limit``
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.parametrize("which", ["--master-key-file", "--signing-key-file", "--config"])
@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_a_device_or_fifo_as_a_key_or_config_file_fails_fast_in_bounded_memory(
    tmp_path: Path, which: str, special: str
) -> None:
    """Reproduction: ``--master-key-file /dev/zero`` grew to 8.7 GB in 6 s; a FIFO hung the build.

    The child may not grow past 2 GiB of address space and must be done within 60 s (it
    takes about one); the file is refused before anything is read from it."""
    keys = _keygen(tmp_path)
    if special == "fifo":
        os.mkfifo(tmp_path / "fifo")
        target = str(tmp_path / "fifo")
    else:
        target = special
    args = _build_args(tmp_path, keys / "master.key", keys / "signing.key")
    if which == "--config":
        args += ["--config", target]
    else:
        args[args.index(which) + 1] = target
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "solvent", *args], check=False, capture_output=True, text=True, timeout=60,
        preexec_fn=lambda: _limited(2 << 30),
    )
    assert result.returncode == 2, result.stderr
    assert "not a regular file" in result.stderr and target in result.stderr
    assert time.monotonic() - started < 60
    assert not (tmp_path / "snap").exists()


def test_a_large_key_file_is_not_read_whole(tmp_path: Path) -> None:
    big = tmp_path / "master.key"
    fd = os.open(big, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.ftruncate(fd, 1 << 30)  # 1 GiB, sparse: reading it whole would show
    os.close(fd)
    with pytest.raises(InputError, match="larger than 4096 bytes"):
        load_master_key(big)


def test_a_large_config_file_is_refused(tmp_path: Path) -> None:
    keys = _keygen(tmp_path)
    config = tmp_path / "config.toml"
    with config.open("wb") as f:
        f.truncate(2 << 20)
    result = invoke([*_build_args(tmp_path, keys / "master.key", keys / "signing.key"), "--config", str(config)])
    assert result.exit_code == 2 and "larger than" in result.stderr


# -- secret files are the owner's ----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "mode"), [("master.key", 0o644), ("signing.key", 0o640), ("master.key", 0o604)])
def test_a_secret_others_can_read_is_refused_with_the_chmod_that_fixes_it(tmp_path: Path, name: str, mode: int) -> None:
    keys = _keygen(tmp_path)
    (keys / name).chmod(mode)
    result = invoke(_build_args(tmp_path, keys / "master.key", keys / "signing.key"))
    assert result.exit_code == 2
    assert f"chmod 600 {keys / name}" in result.stderr
    _nothing_written(tmp_path)
    (keys / name).chmod(0o600)
    assert invoke(_build_args(tmp_path, keys / "master.key", keys / "signing.key")).exit_code == 0


def test_keygen_creates_secrets_0600_from_their_first_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every key file is created by ``open`` with its final mode, under a umask that lets
    everything through: no moment where a secret is readable, no chmod after the fact."""
    created: dict[str, int] = {}
    real_open = os.open

    def spying_open(path: object, flags: int, mode: int = 0o777, *args: object, **kwargs: object) -> int:
        fd = real_open(path, flags, mode, *args, **kwargs)  # type: ignore[arg-type]
        if flags & os.O_CREAT:
            assert flags & os.O_EXCL, "a key file is never opened over an existing one"
            assert os.fstat(fd).st_size == 0
            created[Path(str(path)).name] = stat.S_IMODE(os.fstat(fd).st_mode)
        return fd

    monkeypatch.setattr(keys_module.os, "open", spying_open)
    monkeypatch.setattr(keys_module.os, "chmod", lambda *a, **k: pytest.fail("chmod after creation"))
    old = os.umask(0)
    try:
        files = generate_keys(tmp_path / "keys")
    finally:
        os.umask(old)
    assert created == {"master.key": 0o600, "signing.key": 0o600, "signing.pub": 0o644}
    assert files.master_key.read_bytes().startswith(b"solvent master key v1\n")
    assert files.signing_key.read_bytes().startswith(b"solvent signing key v1\n")


def test_signing_pub_stays_as_the_spec_fixes_it(tmp_path: Path) -> None:
    """SPEC §5: ``signing.pub`` is the 32-byte raw public key as one line of hex."""
    files = generate_keys(tmp_path / "keys")
    text = files.signing_pub.read_bytes()
    assert len(text) == 65 and text.endswith(b"\n") and text[:64] == text[:64].lower()
    assert text[:64].decode() == public_key_hex(load_signing_key(files.signing_key))


def test_write_key_file_never_overwrites(tmp_path: Path) -> None:
    write_key_file(tmp_path / "k", "master", bytes(32))
    with pytest.raises(InputError, match="refusing to overwrite"):
        write_key_file(tmp_path / "k", "master", bytes(range(32)))
    assert load_master_key(tmp_path / "k") == bytes(32)


# -- a private key never goes where a public key belongs -----------------------------------------------


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The v2 KAT snapshot in ``folder/out``, its typed keys in ``folder``."""
    from tests.pipeline.v2_snapshots import build_kat

    return build_kat(tmp_path_factory.mktemp("kat"))


def _untyped_copy(key_file: Path, kind: str, to: Path) -> Path:
    """The key as an older solvent wrote it (bare hex, 0600)."""
    to.unlink(missing_ok=True)
    fd = os.open(to, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, load_private_key(key_file, kind).hex().encode() + b"\n")  # type: ignore[arg-type]
    os.close(fd)
    return to


def _public_key_commands(snapshot: Path, tmp: Path, key: str) -> dict[str, list[str]]:
    from solvent.pipeline.lookup import proof_bytes
    from tests.pipeline.v2_snapshots import KAT as KAT2
    from tests.reserves.scenario import make_scenario

    account = KAT2["accounts"][0]
    proof = tmp / "proof.json"
    proof.write_bytes(proof_bytes(snapshot, account["hashed_id"]))
    manifest = snapshot / "public" / "snapshot.json"
    names = ("eth1", "eth2", "btc_wpkh", "btc_tr", "btc_pkh", "other")
    scenario = make_scenario({n: secrets.token_bytes(32) for n in names}, eth_declared=True)
    declaration, signatures = tmp / "reserves.toml", tmp / "signatures.csv"
    declaration.write_text(scenario.toml)
    signatures.write_text(scenario.signatures_csv())
    (tmp / "reserves.json").write_bytes(b"{}")
    return {
        "verify": ["verify", str(proof), "--snapshot", str(manifest), "--public-key", key,
                   "--uid", account["uid"], "--secret", account["user_secret"]],
        "verify --json": ["verify", str(proof), "--snapshot", str(manifest), "--public-key", key, "--json"],
        "audit": ["audit", str(snapshot), "--public-key", key],
        "audit --json": ["audit", str(snapshot), "--public-key", key, "--json"],
        "report": ["report", str(snapshot), "--public-key", key],
        "reserves verify": ["reserves", "verify", str(tmp / "reserves.json"), "--snapshot", str(manifest),
                            "--public-key", key],
        "reserves challenge": ["reserves", "challenge", str(declaration), "--public-key", key],
        "reserves attest": ["reserves", "attest", str(declaration), "--signatures", str(signatures),
                            "--out", str(tmp / "attested.json"), "--public-key", key],
    }


@pytest.mark.parametrize(
    "given",
    ["signing.key", "master.key", "typed copy", "typed text", "untyped signing.key", "untyped master.key"],
)
def test_a_private_key_as_public_key_is_refused_and_never_printed(snapshot: Path, tmp_path: Path, given: str) -> None:
    """Reproduction: ``verify/audit --public-key keys/signing.key`` printed the secret seed as
    "public_key".  Every command that takes a public key refuses a private one (typed, or
    named as keygen names private keys), and prints no byte of it, in text or JSON."""
    folder = snapshot.parent
    seeds = [load_master_key(folder / "master.key").hex(), load_private_key(folder / "signing.key", "signing").hex()]
    keydir = tmp_path / "keys"
    keydir.mkdir()
    key = {
        "signing.key": str(folder / "signing.key"),
        "master.key": str(folder / "master.key"),
        "typed copy": str(keydir / "exchange-key"),
        "typed text": (folder / "signing.key").read_text(),
        "untyped signing.key": str(_untyped_copy(folder / "signing.key", "signing", keydir / "signing.key")),
        "untyped master.key": str(_untyped_copy(folder / "master.key", "master", keydir / "master.key")),
    }[given]
    if given == "typed copy":
        write_key_file(keydir / "exchange-key", "signing", bytes.fromhex(seeds[1]))
    for command, args in _public_key_commands(snapshot, tmp_path, key).items():
        result = invoke(args)
        assert result.exit_code == 2, (command, result.output)
        assert "private key" in result.output, (command, result.output)
        for seed in seeds:
            for i in range(0, 64, 8):  # not even a part of it
                assert seed[i : i + 16] not in result.output.lower(), (command, result.output)


@pytest.mark.parametrize("command", ["verify", "verify --json", "audit", "audit --json", "report", "reserves verify"])
def test_a_seed_that_looks_like_a_public_key_is_not_echoed_when_the_signature_fails(
    snapshot: Path, tmp_path: Path, command: str
) -> None:
    """An untyped private key under a name of its own cannot be told from a public key: it
    fails the signature check, and the key the verifier pinned is not quoted as evidence."""
    folder = snapshot.parent
    seed = load_private_key(folder / "signing.key", "signing").hex()
    pinned = _untyped_copy(folder / "signing.key", "signing", tmp_path / "old-key.hex")
    for key in (str(pinned), seed):
        result = invoke(_public_key_commands(snapshot, tmp_path, key)[command])
        assert result.exit_code == 1, result.output
        assert "does not verify" in result.output or "bad-signature" in result.output
        assert seed not in result.output and seed[:16] not in result.output


def test_a_private_key_published_as_signing_pub_is_refused_and_not_printed(snapshot: Path, tmp_path: Path) -> None:
    from tests.pipeline.v2_snapshots import copy

    out = copy(snapshot, tmp_path)
    seed = load_private_key(out.parent / "signing.key", "signing")
    (out / "public" / "signing.pub").write_bytes(format_key_file("signing", seed))
    for args in (["audit", str(out)], ["audit", str(out), "--json"]):
        result = invoke(args)
        assert result.exit_code == 1 and "private key" in result.output, result.output
        assert seed.hex()[:16] not in result.output


def test_the_right_public_key_still_verifies(snapshot: Path) -> None:
    pub = snapshot / "public" / "signing.pub"
    key = Ed25519PrivateKey.from_private_bytes(load_private_key(snapshot.parent / "signing.key", "signing"))
    assert pub.read_text() == public_key_hex(key) + "\n"
    for given in (str(pub), public_key_hex(key)):
        assert invoke(["audit", str(snapshot), "--public-key", given]).exit_code == 0


@pytest.mark.parametrize("data", [b"seed " + bytes(range(32)).hex().encode(), bytes(range(32)).hex().upper().encode(),
                                  bytes(range(32)).hex().encode() + b"00", b"0x" + bytes(range(32)).hex().encode()])
def test_a_file_that_is_not_a_public_key_is_described_not_quoted(data: bytes) -> None:
    from solvent.protocol.errors import FormatError
    from solvent.protocol.signature import parse_public_key

    with pytest.raises(FormatError) as e:
        parse_public_key(data, "pinned.pub")
    assert bytes(range(8)).hex() not in e.value.message.lower() and "pinned.pub" in e.value.message
