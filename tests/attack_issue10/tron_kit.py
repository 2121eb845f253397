"""A Tron chain on a loopback node, an honest attestation of it, and hand-made wallets.

Shared by the attack tests: the attacker (a cheating exchange) edits reserves.json
after attesting, signing every challenge it adds with keys it holds, so each wallet
it adds passes (V3) and only the latest-state rules can stop it.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from solvent.demo.signers_tron import sign_tip191, tron_address_of
from solvent.demo.simnodes.tron import TronState, tron_node
from solvent.reserves.attest import attest, parse_signatures
from solvent.reserves.challenge import challenge_message
from solvent.reserves.declaration import parse_declaration
from solvent.reserves.pinned_block import BlockPin
from solvent.reserves.sources.tron import TronHttpSource
from tests.reserves.scenario import SIGNING_KEY

EXCHANGE = "Attack Exchange"
SNAPSHOT = "2026-12-03"
NOW = int(time.time())


def declaration(pin: BlockPin, addresses: list[str], declared: dict[str, str] | None = None) -> bytes:
    lines = [
        'format = "solvent-reserves-declaration/1"',
        f'exchange = "{EXCHANGE}"',
        f'snapshot_id = "{SNAPSHOT}"',
        'assets = "TRX:8"',
        "[chains.tron]",
        f"block_height = {pin.height}",
        f'block_hash = "{pin.hash}"',
    ]
    for a in addresses:
        lines += ["[[wallets]]", 'chain = "tron"', f'address = "{a}"', 'assets = ["TRX"]']
        if declared and a in declared:
            lines.append(f'declared = {{ TRX = "{declared[a]}" }}')
    return "\n".join(lines).encode()


@dataclass
class TronChain:
    state: TronState
    url: str
    pin: BlockPin

    def source(self) -> TronHttpSource:
        # the node's clock is the kit's: a long test run must not make its blocks stale
        return TronHttpSource("tron", self.url, clock=lambda: float(NOW))

    def signed_wallet(self, trx_sun: int, observed: dict[str, Any] | None, source: str = "observed") -> dict[str, Any]:
        """A wallet entry the attacker writes by hand, with a valid signature of a key it holds."""
        secret = secrets.token_bytes(32)
        address = tron_address_of(secret)
        message = challenge_message(EXCHANGE, SNAPSHOT, self.pin, address, signing_key=SIGNING_KEY)
        self.state.accounts[address.text] = trx_sun
        return {
            "chain": "tron",
            "address": address.text,
            "label": "",
            "block": None,  # filled by the caller from the honest wallet
            "scheme": "tip191-v2",
            "signature": sign_tip191(secret, message, "tip191-v2"),
            "balances": [
                {
                    "asset": "TRX",
                    "contract": None,
                    "chain_decimals": 6,
                    "chain_amount": str(trx_sun),
                    "amount": str(trx_sun * 100),
                    "source": source,
                }
            ],
            "observed": observed,
        }

    def honest_attestation(self, trx_sun: int = 5_000_000) -> tuple[dict[str, Any], bytes]:
        """An honest one-wallet attestation read from the node (as a JSON document)."""
        secret = secrets.token_bytes(32)
        address = tron_address_of(secret).text
        self.state.accounts[address] = trx_sun
        decl = parse_declaration(declaration(self.pin, [address]))
        message = challenge_message(EXCHANGE, SNAPSHOT, self.pin, decl.wallets[0].address, signing_key=SIGNING_KEY)
        sigs = f"chain,address,signature\ntron,{address},{sign_tip191(secret, message, 'tip191-v2')}\n"
        src = self.source()
        try:
            att = attest(decl, parse_signatures(sigs.encode()), {"tron": src}, signing_key=SIGNING_KEY)
        finally:
            src.close()
        return json.loads(att.to_json()), secret


@contextmanager
def tron_chain() -> Iterator[TronChain]:
    state = TronState()
    state.add_block(0, 0)
    pin_block = state.add_block(100, NOW - 60)
    state.add_block(120, NOW - 10)
    with tron_node(state) as node:
        yield TronChain(state, node.url, BlockPin("tron", 100, pin_block.id))
