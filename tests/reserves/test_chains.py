"""Address normalisation: one wallet has one identity, whatever its spelling (threat R3)."""

from __future__ import annotations

import pytest

from solvent.protocol.errors import FormatError
from solvent.reserves.chains import CHAINS, get_chain, normalize_address

BTC, ETH = CHAINS["bitcoin"], CHAINS["ethereum"]


def test_ethereum_spellings_of_one_address_share_an_identity() -> None:
    checksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    forms = [checksummed, checksummed.lower(), "0x" + checksummed[2:].upper()]
    normalised = {normalize_address(ETH, f) for f in forms}
    assert len(normalised) == 1
    assert normalised.pop().text == checksummed


def test_ethereum_wrong_checksum_is_rejected() -> None:
    with pytest.raises(FormatError) as e:
        normalize_address(ETH, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")
    assert e.value.code == "checksum"


@pytest.mark.parametrize("bad", ["", "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x1234", "0x" + "g" * 40, 42])
def test_ethereum_malformed(bad: object) -> None:
    with pytest.raises(FormatError):
        normalize_address(ETH, bad)


def test_bech32_case_forms_share_an_identity() -> None:
    lower = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
    a, b = normalize_address(BTC, lower), normalize_address(BTC, lower.upper())
    assert a == b
    assert a.text == lower
    assert a.kind == "p2wpkh"
    assert a.key.hex() == "0014751e76e8199196d454941c45d1b3a323f1433bd6"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("1PMycacnJaSqwwJqjawXBErnLsZ7RkXUAs", "p2pkh"),
        ("3JvL6Ymt8MVWiCNHC7oWU6nLeHNJKLZGLN", "p2sh"),
        ("bc1ppv609nr0vr25u07u95waq5lucwfm6tde4nydujnu8npg4q75mr5sxq8lt3", "p2tr"),
        ("bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", "p2wsh"),
    ],
)
def test_bitcoin_address_kinds(text: str, kind: str) -> None:
    assert normalize_address(BTC, text).kind == kind


@pytest.mark.parametrize(
    "bad",
    [
        "bc1Qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",  # mixed case
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",  # checksum
        "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",  # testnet
        "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn",  # testnet base58
        "1PMycacnJaSqwwJqjawXBErnLsZ7RkXUAt",  # base58 checksum
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    ],
)
def test_bitcoin_malformed_or_foreign(bad: str) -> None:
    with pytest.raises(FormatError):
        normalize_address(BTC, bad)


def test_unknown_chain() -> None:
    with pytest.raises(FormatError):
        get_chain("dogecoin")


@pytest.mark.parametrize("name", [n for n, c in CHAINS.items() if c.family == "evm"])
def test_every_evm_chain_of_the_registry_shares_the_address_rules(name: str) -> None:
    checksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    address = normalize_address(CHAINS[name], checksummed.lower())
    assert (address.chain, address.text, address.kind) == (name, checksummed, "evm")
    with pytest.raises(FormatError) as e:
        normalize_address(CHAINS[name], checksummed[:-1] + "D")
    assert e.value.code == "checksum"


def test_unknown_chain_error_lists_the_registry() -> None:
    with pytest.raises(FormatError) as e:
        get_chain("cardano")
    assert "avalanche, base, bitcoin, bsc, ethereum, optimism, polygon, solana, tron" in e.value.message
