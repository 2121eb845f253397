"""Every new wallet kind end to end: declaration + signatures -> attest -> reserves.json -> verify.

Bitcoin multisig (per-key signatures and a BIP-322 full proof, declared balances: no
Bitcoin node here), a 2-of-3 Safe and an ERC-1271 wallet on a real anvil node with
Polygon's chain id.  Each attack goes through the published file: what the operator's
attestation refuses, and what a verifier finds in a tampered reserves.json.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from coincurve import PrivateKey

from solvent.demo.devchain import Anvil, DevChain
from solvent.demo.safe import deploy_erc1271_wallet, deploy_safe, deploy_safe_factory, swap_owner
from solvent.demo.signers import (
    ethereum_address,
    multisig_address,
    multisig_script,
    sign_bip322_full_multisig,
    sign_eip191,
    sign_multisig_per_key,
)
from solvent.protocol.errors import BadSignature, InputError
from solvent.reserves.attest import attest, parse_signatures
from solvent.reserves.block_window import format_block_time
from solvent.reserves.chains import CHAINS, eip55
from solvent.reserves.challenge import challenge_message
from solvent.reserves.declaration import parse_declaration
from solvent.reserves.pinned_block import BlockPin
from solvent.reserves.recheck import check_attestation
from solvent.reserves.reserves_json import parse_attestation
from solvent.reserves.sources.evm import EvmRpcSource
from tests.reserves.scenario import SIGNING_KEY

EXCHANGE = "Kinds Exchange"
SNAPSHOT = "2026-12-01"
BTC_PIN = BlockPin("bitcoin", 840000, "0000000000000000000320283a032748cef8227873ff4872689bf23f1cda83a5")


def _header(assets: str) -> list[str]:
    return [
        'format = "solvent-reserves-declaration/1"',
        f'exchange = "{EXCHANGE}"',
        f'snapshot_id = "{SNAPSHOT}"',
        f'assets = "{assets}"',
    ]


class Multisig:
    def __init__(self, script_type: str = "p2wsh", k: int = 2, n: int = 3) -> None:
        self.secrets = [secrets.token_bytes(32) for _ in range(n)]
        self.keys = [PrivateKey(s).public_key.format() for s in self.secrets]
        self.script = multisig_script(self.keys, k)
        self.script_type = script_type
        self.address = multisig_address(CHAINS["bitcoin"], script_type, self.script)
        self.message = challenge_message(EXCHANGE, SNAPSHOT, BTC_PIN, self.address, signing_key=SIGNING_KEY)

    def declaration(self) -> bytes:
        return "\n".join(
            [
                *_header("BTC:8"),
                "[chains.bitcoin]",
                f"block_height = {BTC_PIN.height}",
                f'block_hash = "{BTC_PIN.hash}"',
                "[[wallets]]",
                'chain = "bitcoin"',
                f'address = "{self.address.text}"',
                'kind = "multisig"',
                f'script_type = "{self.script_type}"',
                f'script = "{self.script.hex()}"',
                'assets = ["BTC"]',
                'declared = { BTC = "12.5" }',
            ]
        ).encode()

    def per_key(self, signers: list[int], scheme: str = "bip137") -> bytes:
        rows = ["chain,address,signer,signature"]
        for i in signers:
            sig = sign_multisig_per_key(self.secrets[i], self.message, scheme)
            rows.append(f"bitcoin,{self.address.text},{sig.key},{sig.signature}")
        return ("\n".join(rows) + "\n").encode()

    def full(self, signers: list[int]) -> bytes:
        proof = sign_bip322_full_multisig(
            [self.secrets[i] for i in signers], self.script_type, self.script, self.address, self.message
        )
        return f"chain,address,signer,signature\nbitcoin,{self.address.text},,{proof}\n".encode()


def _attest(decl: bytes, sigs: bytes, sources: dict[str, Any] | None = None) -> Any:
    return attest(parse_declaration(decl), parse_signatures(sigs), sources or {}, signing_key=SIGNING_KEY)


@pytest.mark.parametrize("script_type", ["p2wsh", "p2sh-p2wsh", "p2sh"])
def test_a_multisig_per_key_attests_and_verifies(script_type: str) -> None:
    ms = Multisig(script_type)
    att = _attest(ms.declaration(), ms.per_key([0, 2]))
    again = parse_attestation(att.to_json())
    check = check_attestation(again, signing_key=SIGNING_KEY)
    (wc,) = check.wallets
    assert wc.ok, wc.error
    kind = {"p2wsh": "P2WSH", "p2sh-p2wsh": "P2SH-P2WSH", "p2sh": "P2SH"}[script_type]
    assert wc.method == f"2-of-3 {kind} multisig, one signature per key"
    published = json.loads(att.to_json())["wallets"][0]
    assert published["scheme"] == "multisig" and "signature" not in published
    assert [s["key"] for s in published["signers"]] == [ms.keys[0].hex(), ms.keys[2].hex()]


def test_a_multisig_bip322_full_proof_attests_and_verifies() -> None:
    ms = Multisig("p2wsh")
    att = _attest(ms.declaration(), ms.full([0, 1]))
    (wc,) = check_attestation(parse_attestation(att.to_json()), signing_key=SIGNING_KEY).wallets
    assert wc.ok, wc.error
    assert wc.method == "2-of-3 P2WSH multisig, BIP-322 full proof"


def test_k_minus_one_signatures_are_refused_when_attesting() -> None:
    ms = Multisig("p2wsh")
    with pytest.raises(BadSignature) as e:
        _attest(ms.declaration(), ms.per_key([1]))
    assert e.value.code == "threshold"


def test_the_same_key_twice_is_refused_in_signatures_csv() -> None:
    ms = Multisig("p2wsh")
    sigs = ms.per_key([0, 0])
    with pytest.raises(InputError) as e:
        parse_signatures(sigs)
    assert e.value.code == "duplicate-key"


def _tampered(att: Any, change: Any) -> Any:
    doc = json.loads(att.to_json())
    change(doc["wallets"][0])
    return parse_attestation(json.dumps(doc).encode())


def test_a_published_multisig_whose_signers_were_cut_fails_the_wallet() -> None:
    ms = Multisig("p2wsh")
    att = _attest(ms.declaration(), ms.per_key([0, 1]))
    cut = _tampered(att, lambda w: w.update(signers=w["signers"][:1]))
    (wc,) = check_attestation(cut, signing_key=SIGNING_KEY).wallets
    assert wc.error is not None and wc.error.code == "threshold"
    doubled = _tampered(att, lambda w: w.update(signers=[w["signers"][0], w["signers"][0]]))
    (wc,) = check_attestation(doubled, signing_key=SIGNING_KEY).wallets
    assert wc.error is not None and wc.error.code == "duplicate-key"


def test_a_published_multisig_with_another_script_fails_the_wallet() -> None:
    ms, other = Multisig("p2wsh"), Multisig("p2wsh")
    att = _attest(ms.declaration(), ms.per_key([0, 1]))
    swapped = _tampered(att, lambda w: w["script"].update(hex=other.script.hex()))
    (wc,) = check_attestation(swapped, signing_key=SIGNING_KEY).wallets
    assert wc.error is not None and wc.error.code == "script-mismatch"


# ---- EVM contract wallets on a real node (Polygon's chain id) ----

CHAIN_ID = CHAINS["polygon"].evm_chain_id


@pytest.fixture(scope="module")
def polygon() -> Iterator[Anvil]:
    node = Anvil(chain_id=CHAIN_ID or 0)
    try:
        yield node
    finally:
        node.stop()


def _pin(node: Anvil) -> tuple[BlockPin, int]:
    dev = DevChain(node.url)
    try:
        height, block_hash = dev.head()
    finally:
        dev.close()
    source = EvmRpcSource("polygon", node.url)
    try:
        pin = BlockPin("polygon", height, block_hash)
        return pin, source.check_block(pin)
    finally:
        source.close()


def _evm_declaration(address: str, kind: str, pin: BlockPin) -> bytes:
    return "\n".join(
        [
            *_header("POL:8"),
            "[chains.polygon]",
            f"block_height = {pin.height}",
            f'block_hash = "{pin.hash}"',
            "[[wallets]]",
            'chain = "polygon"',
            f'address = "{address}"',
            f'kind = "{kind}"',
            'assets = ["POL"]',
        ]
    ).encode()


@pytest.mark.integration
def test_a_two_of_three_safe_on_polygon_attests_and_counts_as_observed(polygon: Anvil) -> None:
    owners = [secrets.token_bytes(32) for _ in range(3)]
    owner_addresses = [ethereum_address(k) for k in owners]
    factory = deploy_safe_factory(polygon.url, l2=True)
    raw = deploy_safe(polygon.url, [a.key for a in owner_addresses], 2, factory=factory, salt=secrets.randbits(64))
    safe = eip55(raw)
    dev = DevChain(polygon.url)
    dev.send_eth(raw, 7 * 10**18)
    dev.close()
    pin, pin_time = _pin(polygon)
    # after the pin, an owner is swapped out: the proof made for the pin must still hold
    newcomer = secrets.token_bytes(32)
    swap_owner(polygon.url, raw, owner_addresses[0].key, ethereum_address(newcomer).key)
    decl = parse_declaration(_evm_declaration(safe, "safe", pin))
    message = challenge_message(EXCHANGE, SNAPSHOT, pin, decl.wallets[0].address, signing_key=SIGNING_KEY)
    rows = ["chain,address,signer,signature"] + [
        f"polygon,{safe},{owner_addresses[i].text},{sign_eip191(owners[i], message)}" for i in (0, 2)
    ]
    sigs = ("\n".join(rows) + "\n").encode()
    source = EvmRpcSource("polygon", polygon.url)
    try:
        att = attest(decl, parse_signatures(sigs), {"polygon": source}, signing_key=SIGNING_KEY)
        published = parse_attestation(att.to_json())
        assert published.wallets[0].safe is not None
        assert published.wallets[0].safe.owners == tuple(a.text for a in owner_addresses)
        taken_at = format_block_time(pin_time)
        check = check_attestation(published, {"polygon": source}, taken_at=taken_at, signing_key=SIGNING_KEY)
        (wc,) = check.wallets
        assert wc.ok, wc.error
        assert wc.method == "2-of-3 Safe, one EIP-191 signature per owner"
        assert [b.counts_as for b in wc.balances] == ["observed"]
        # the newcomer (an owner only after the pin) cannot sign for the pinned block
        late = ["chain,address,signer,signature"] + [
            f"polygon,{safe},{ethereum_address(k).text},{sign_eip191(k, message)}" for k in (newcomer, owners[2])
        ]
        with pytest.raises(BadSignature) as e:
            attest(
                decl, parse_signatures(("\n".join(late) + "\n").encode()), {"polygon": source}, signing_key=SIGNING_KEY
            )
        assert e.value.code == "not-owner"
        # a file claiming a 1-of-3 at the pin fails against the node's state
        lowered = _tampered(att, lambda w: w["safe"].update(threshold=1))
        (wc,) = check_attestation(lowered, {"polygon": source}, taken_at=taken_at, signing_key=SIGNING_KEY).wallets
        assert wc.error is not None and wc.error.code == "safe-state-mismatch"
        # offline, the recorded owners are used and said to be so
        (wc,) = check_attestation(published, signing_key=SIGNING_KEY).wallets
        assert wc.ok and "not re-read" in wc.ownership_note
    finally:
        source.close()


@pytest.mark.integration
def test_an_erc1271_wallet_is_checked_on_chain_and_never_offline(polygon: Anvil) -> None:
    owner = secrets.token_bytes(32)
    raw = deploy_erc1271_wallet(polygon.url, ethereum_address(owner).key)
    wallet = eip55(raw)
    pin, pin_time = _pin(polygon)
    decl = parse_declaration(_evm_declaration(wallet, "erc1271", pin))
    message = challenge_message(EXCHANGE, SNAPSHOT, pin, decl.wallets[0].address, signing_key=SIGNING_KEY)
    sigs = f"chain,address,signature\npolygon,{wallet},{sign_eip191(owner, message)}\n".encode()
    source = EvmRpcSource("polygon", polygon.url)
    try:
        with pytest.raises(InputError):  # no node: the contract cannot be asked
            attest(decl, parse_signatures(sigs), {}, signing_key=SIGNING_KEY)
        att = attest(decl, parse_signatures(sigs), {"polygon": source}, signing_key=SIGNING_KEY)
        taken_at = format_block_time(pin_time)
        (wc,) = check_attestation(att, {"polygon": source}, taken_at=taken_at, signing_key=SIGNING_KEY).wallets
        assert wc.ok and wc.ownership_checked and wc.method == "ERC-1271 contract signature"
        (wc,) = check_attestation(att, signing_key=SIGNING_KEY).wallets
        assert not wc.ownership_checked and [b.counts_as for b in wc.balances] == ["declared"]
        other = _tampered(att, lambda w: w.update(signature=sign_eip191(secrets.token_bytes(32), message)))
        (wc,) = check_attestation(other, {"polygon": source}, taken_at=taken_at, signing_key=SIGNING_KEY).wallets
        assert wc.error is not None and wc.error.code == "erc1271"
    finally:
        source.close()
