"""Test doubles for the reserves tests: an in-memory balance source and a node holding a scenario's balances.

The real sources are tested against real servers (anvil, loopback Bitcoin APIs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from solvent.protocol.errors import FetchError, VerificationError
from solvent.reserves.chains import CHAINS, Address, normalize_address
from solvent.reserves.pinned_block import BlockPin
from tests.reserves.scenario import ETH_PIN, USDT

USDT_KEY = normalize_address(CHAINS["ethereum"], USDT).key


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



def node_for(
    sc, *, eth1: int = 3 * 10**18 + 123, usdt: int = 2_500_000, decimals: int = 6, contract: bytes = USDT_KEY, **kw
) -> FakeSource:
    """A test-double node holding the scenario's balances (USDT in ``contract``, by default the real one)."""
    return FakeSource(
        "ethereum",
        {ETH_PIN.height: ETH_PIN.hash},
        native={sc.eth[0].key: eth1, sc.eth[1].key: 10**18},
        tokens={(contract, sc.eth[0].key): usdt},
        decimals={contract: decimals},
        **kw,
    )
