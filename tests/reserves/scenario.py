"""A small, complete reserves scenario for unit tests: declaration text, keys, signatures."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from solvent.demo.signers import (
    bitcoin_address,
    ethereum_address,
    sign_bip137,
    sign_bip322_simple,
    sign_eip191,
)
from solvent.publish.keys import KeyFiles, public_key_hex, write_key_file
from solvent.reserves.attest import SignatureKey, parse_signatures
from solvent.reserves.chains import Address
from solvent.reserves.challenge import challenge_message
from solvent.reserves.declaration import Declaration, parse_declaration
from solvent.reserves.pinned_block import BlockPin

EXCHANGE = "Test Exchange"
SNAPSHOT = "2026-11-23"
ETH_PIN = BlockPin("ethereum", 100, "aa" * 32)
BTC_PIN = BlockPin("bitcoin", 840000, "0000000000000000000320283a032748cef8227873ff4872689bf23f1cda83a5")
USDT = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
#: The test exchange's manifest signing key (a real Ed25519 key) and its public half in hex,
#: as signing.pub holds it: the key every scenario challenge names.
MANIFEST_SEED = bytes(range(32))
MANIFEST_KEY = Ed25519PrivateKey.from_private_bytes(MANIFEST_SEED)
SIGNING_KEY = public_key_hex(MANIFEST_KEY)


def write_keys(directory: Path) -> KeyFiles:
    """Key files as ``solvent keygen`` writes them, holding MANIFEST_KEY (for builds of scenario reserves)."""
    directory.mkdir(parents=True, exist_ok=True)
    files = KeyFiles(directory / "master.key", directory / "signing.key", directory / "signing.pub")
    for path in (files.master_key, files.signing_key):
        path.unlink(missing_ok=True)
    write_key_file(files.master_key, "master", secrets.token_bytes(32))
    write_key_file(files.signing_key, "signing", MANIFEST_SEED)
    files.signing_pub.write_text(SIGNING_KEY + "\n")
    return files


@dataclass
class Scenario:
    toml: str
    eth: list[Address]
    btc: dict[str, Address]
    keys: dict[str, bytes]
    snapshot_id: str = SNAPSHOT

    def declaration(self) -> Declaration:
        return parse_declaration(self.toml.encode(), "reserves.toml")

    def signatures_csv(
        self,
        *,
        snapshot_id: str | None = None,
        exchange: str = EXCHANGE,
        eth_pin: BlockPin = ETH_PIN,
        signer_override: dict[str, bytes] | None = None,
        signing_key: str | None = SIGNING_KEY,
    ) -> str:
        override = signer_override or {}
        snapshot_id = snapshot_id or self.snapshot_id
        rows = ["chain,address,signature"]
        for name, a in zip(("eth1", "eth2"), self.eth, strict=True):
            key = override.get(name, self.keys[name])
            message = challenge_message(exchange, snapshot_id, eth_pin, a, signing_key=signing_key)
            rows.append(f"ethereum,{a.text},{sign_eip191(key, message)}")
        for kind, a in self.btc.items():
            name = {"p2wpkh": "btc_wpkh", "p2tr": "btc_tr", "p2pkh": "btc_pkh"}[kind]
            key = override.get(name, self.keys[name])
            message = challenge_message(exchange, snapshot_id, BTC_PIN, a, signing_key=signing_key)
            sig = sign_bip137(key, message) if kind == "p2pkh" else sign_bip322_simple(key, a, message)
            rows.append(f"bitcoin,{a.text},{sig}")
        return "\n".join(rows) + "\n"

    def signatures(self, **kwargs: object) -> dict[SignatureKey, str]:
        return parse_signatures(self.signatures_csv(**kwargs).encode(), "signatures.csv")  # type: ignore[arg-type]


def make_scenario(
    keys: dict[str, bytes],
    *,
    eth_pin: BlockPin = ETH_PIN,
    usdt: str = USDT,
    usdt_decimals: int = 6,
    eth_declared: bool = False,
    snapshot_id: str = SNAPSHOT,
) -> Scenario:
    eth = [ethereum_address(keys["eth1"]), ethereum_address(keys["eth2"])]
    btc = {
        "p2wpkh": bitcoin_address(keys["btc_wpkh"], "p2wpkh"),
        "p2tr": bitcoin_address(keys["btc_tr"], "p2tr"),
        "p2pkh": bitcoin_address(keys["btc_pkh"], "p2pkh"),
    }
    declared = '\ndeclared = { ETH = "1.5", USDT = "10" }' if eth_declared else ""
    declared2 = '\ndeclared = { ETH = "2" }' if eth_declared else ""
    toml = f'''format = "solvent-reserves-declaration/1"
exchange = "{EXCHANGE}"
snapshot_id = "{snapshot_id}"
assets = "BTC:8,ETH:8,USDT:8,USD:2"

[chains.ethereum]
block_height = {eth_pin.height}
block_hash = "0x{eth_pin.hash}"

[chains.bitcoin]
block_height = {BTC_PIN.height}
block_hash = "{BTC_PIN.hash}"

[[tokens]]
chain = "ethereum"
asset = "USDT"
contract = "{usdt}"
decimals = {usdt_decimals}

[[wallets]]
chain = "ethereum"
address = "{eth[0].text.lower()}"
assets = ["ETH", "USDT"]
label = "eth cold 1"{declared}

[[wallets]]
chain = "ethereum"
address = "{eth[1].text}"
assets = ["ETH"]{declared2}

[[wallets]]
chain = "bitcoin"
address = "{btc["p2wpkh"].text.upper()}"
assets = ["BTC"]
declared = {{ BTC = "1.25" }}

[[wallets]]
chain = "bitcoin"
address = "{btc["p2tr"].text}"
assets = ["BTC"]
declared = {{ BTC = "0.75" }}

[[wallets]]
chain = "bitcoin"
address = "{btc["p2pkh"].text}"
assets = ["BTC"]
declared = {{ BTC = "0.00000001" }}

[[offchain]]
asset = "USD"
amount = "1000.50"
custodian = "Example Bank"
note = "statement of 2026-11-23"
'''
    return Scenario(toml, eth, btc, keys, snapshot_id)
