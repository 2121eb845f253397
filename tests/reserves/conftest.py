"""Shared fixtures: a test-double balance source, a real anvil node, key material."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from solvent.protocol.errors import FetchError, VerificationError
from solvent.reserves.chains import Address
from solvent.reserves.pinned_block import BlockPin


@dataclass
class FakeSource:
    """An in-memory BalanceSource for unit tests (the real ones are tested against real servers)."""

    chain: str
    blocks: dict[int, str]
    native: dict[bytes, int] = field(default_factory=dict)
    tokens: dict[tuple[bytes, bytes], int] = field(default_factory=dict)
    decimals: dict[bytes, int] = field(default_factory=dict)
    reachable: bool = True
    description: str = "fake node"
    closed: bool = False
    #: the pinned block's time: 2026-11-22T23:00:00Z, an hour before the scenarios' snapshot time
    block_time: int = 1795388400

    def _up(self) -> None:
        if not self.reachable:
            raise FetchError("fake node: unreachable", code="unreachable")

    def check_block(self, pin: BlockPin) -> int:
        self._up()
        if self.blocks.get(pin.height) != pin.hash:
            raise VerificationError(
                "block mismatch",
                code="block-mismatch",
                evidence={"expected_hash": pin.hash, "node_hash": self.blocks.get(pin.height)},
            )
        return self.block_time

    def native_balance(self, address: Address, pin: BlockPin) -> int:
        self._up()
        return self.native.get(address.key, 0)

    def token_balance(self, contract: Address, address: Address, pin: BlockPin) -> int:
        self._up()
        return self.tokens.get((contract.key, address.key), 0)

    def token_decimals(self, contract: Address, pin: BlockPin) -> int:
        self._up()
        return self.decimals[contract.key]

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def keys() -> dict[str, bytes]:
    return {name: secrets.token_bytes(32) for name in ("eth1", "eth2", "btc_wpkh", "btc_tr", "btc_pkh", "other")}


@pytest.fixture(scope="session")
def anvil() -> Iterator[object]:
    """One real anvil node for the session; always terminated."""
    from solvent.demo.devchain import Anvil

    node = Anvil()
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session")
def token_contract() -> object:
    from solvent.demo.devchain import compile_contract, repo_root

    return compile_contract(repo_root() / "contracts" / "ReserveToken.sol", "ReserveToken")
