"""A chain node that dies in the middle of an attestation (issue 11's fault suite, R12).

The operator's `solvent reserves attest` has read the pinned block and the latest block
from a Tron node when the node dies: every later request finds the connection closed
without an answer.  The command must stop with a node error (exit 2) naming the node by
scheme and host only, and leave nothing behind: no reserves.json, no temporary file.  A
balance that could not be read is never written as read.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from solvent.demo.signers_tron import sign_tip191, tron_address_of
from solvent.demo.simnodes.loopback import NodeHandler
from solvent.demo.simnodes.tron import TronState, tron_node
from solvent.reserves.challenge import challenge_message
from solvent.reserves.pinned_block import BlockPin
from tests.cli_invoke import invoke
from tests.reserves.scenario import SIGNING_KEY

EXCHANGE = "Fault Exchange"
SNAPSHOT = "2026-12-04"


def _dead(h: NodeHandler) -> None:
    """The node is gone: the connection closes without a byte of answer."""
    h.close_connection = True


def test_a_tron_node_that_dies_mid_attest_leaves_nothing_and_exits_2(tmp_path: Path) -> None:
    now = int(time.time())
    state = TronState()
    state.add_block(0, 0)
    pin_block = state.add_block(100, now - 60)
    state.add_block(120, now - 10)
    secret = secrets.token_bytes(32)
    address = tron_address_of(secret)
    state.accounts[address.text] = 5_000_000
    pin = BlockPin("tron", 100, pin_block.id)
    decl = tmp_path / "reserves.toml"
    decl.write_text(
        "\n".join(
            [
                'format = "solvent-reserves-declaration/1"',
                f'exchange = "{EXCHANGE}"',
                f'snapshot_id = "{SNAPSHOT}"',
                'assets = "TRX:8"',
                "[chains.tron]",
                f"block_height = {pin.height}",
                f'block_hash = "{pin.hash}"',
                "[[wallets]]",
                'chain = "tron"',
                f'address = "{address.text}"',
                'assets = ["TRX"]',
            ]
        )
    )
    message = challenge_message(EXCHANGE, SNAPSHOT, pin, address, signing_key=SIGNING_KEY)
    sigs = tmp_path / "signatures.csv"
    sigs.write_text(f"chain,address,signature\ntron,{address.text},{sign_tip191(secret, message, 'tip191-v2')}\n")
    out = tmp_path / "out" / "reserves.json"
    out.parent.mkdir()
    # the blocks answer; the node dies before the account is read
    state.override["/walletsolidity/getaccount"] = _dead
    with tron_node(state) as node:
        url = node.url.replace("http://", "http://operator:s3cret@") + "/key/abcdef"
        result = invoke(
            [
                "reserves",
                "attest",
                decl,
                "--signatures",
                sigs,
                "--out",
                out,
                "--public-key",
                SIGNING_KEY,
                "--node",
                f"tron={url}",
            ]
        )
        served = [r["path"].removeprefix("/key/abcdef") for r in node.seen.requests]
    assert result.exit_code == 2, result.output
    assert "/walletsolidity/getnowblock" in served and "/walletsolidity/getaccount" in served  # it died mid-way
    assert not out.exists()
    assert list(out.parent.iterdir()) == []  # no temporary file either
    text = result.output
    assert "127.0.0.1" in text
    assert "s3cret" not in text and "abcdef" not in text and "operator" not in text
