"""Bitcoin balance sources against a loopback server speaking their protocols (no Bitcoin node here)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from solvent.protocol.errors import FetchError, VerificationError
from solvent.reserves.chains import CHAINS, normalize_address
from solvent.reserves.pinned_block import BlockPin
from solvent.reserves.sources.base import open_source
from solvent.reserves.sources.bitcoin_core import BitcoinCoreSource
from solvent.reserves.sources.esplora import EsploraSource
from tests.reserves.btc_server import ChainState, LoopbackChainServer

pytestmark = pytest.mark.integration

ADDRESS = normalize_address(CHAINS["bitcoin"], "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")
SCRIPT = ADDRESS.key.hex()
HASHES = {h: f"{h:064x}" for h in range(100, 131)}
PIN = BlockPin("bitcoin", 120, HASHES[120])


@pytest.fixture
def server() -> Iterator[LoopbackChainServer]:
    srv = LoopbackChainServer(ChainState(blocks=dict(HASHES), tip=120, auth=("alice", "s3cret")))
    try:
        yield srv
    finally:
        srv.close()


def core(server: LoopbackChainServer) -> BitcoinCoreSource:
    return BitcoinCoreSource("bitcoin", server.url.replace("http://", "http://alice:s3cret@"))


def test_core_reads_the_utxo_sum_exactly(server) -> None:
    server.state.utxos[ADDRESS.text] = ["0.50000000", "20999999.99999999", "0.00000001"]
    src = core(server)
    src.check_block(PIN)
    assert src.native_balance(ADDRESS, PIN) == 50_000_000 + 2_099_999_999_999_999 + 1


def test_core_wrong_block_hash(server) -> None:
    server.state.blocks[120] = "ee" * 32
    with pytest.raises(VerificationError) as e:
        core(server).check_block(PIN)
    assert e.value.code == "block-mismatch"
    assert e.value.evidence["node_hash"] == "ee" * 32


def test_core_scan_at_another_tip_fails_closed(server) -> None:
    server.state.tip = 125  # the node moved on: scantxoutset would include later blocks
    with pytest.raises(VerificationError) as e:
        core(server).native_balance(ADDRESS, PIN)
    assert e.value.code == "block-mismatch"
    assert e.value.evidence["node_height"] == "125"


def test_core_inconsistent_total_is_caught(server) -> None:
    server.state.utxos[ADDRESS.text] = ["1.00000000"]
    server.state.total_override = "2.00000000"
    with pytest.raises(VerificationError) as e:
        core(server).native_balance(ADDRESS, PIN)
    assert e.value.code == "inconsistent-node"


@pytest.mark.parametrize("amount", ["1e-8", "0.000000001", "-1.00000000"])
def test_core_inexact_or_negative_amounts_are_refused(server, amount: str) -> None:
    server.state.utxos[ADDRESS.text] = [amount]
    server.state.total_override = "0.00000000"
    with pytest.raises(FetchError):
        core(server).native_balance(ADDRESS, PIN)


def test_core_wrong_credentials(server) -> None:
    src = BitcoinCoreSource("bitcoin", server.url.replace("http://", "http://alice:wrong@"))
    with pytest.raises(FetchError) as e:
        src.check_block(PIN)
    assert "wrong" not in str(e.value) and "wrong" not in str(e.value.evidence)  # no credentials in messages


def test_core_block_out_of_range_is_a_fetch_error(server) -> None:
    with pytest.raises(FetchError):
        core(server).check_block(BlockPin("bitcoin", 999, "00" * 32))


def _tx(txid: int, height: int, *, received: int = 0, spent: int = 0, block_hash: str | None = None) -> dict:
    return {
        "txid": f"{txid:064x}",
        "status": {
            "confirmed": True,
            "block_height": height,
            "block_hash": block_hash or HASHES.get(height, "00" * 32),
        },
        "vin": [{"prevout": {"scriptpubkey": SCRIPT, "value": spent}}]
        if spent
        else [{"prevout": {"scriptpubkey": "0014" + "11" * 20, "value": 5}}],
        "vout": [{"scriptpubkey": SCRIPT, "value": received}, {"scriptpubkey": "0014" + "22" * 20, "value": 7}],
    }


def test_esplora_balance_at_the_pin_across_pages(server) -> None:
    # 30 transactions (two pages), newest first; those after height 120 must not count
    txs = [_tx(1000 + i, 100 + i % 21, received=1000 + i) for i in range(28)]
    txs.append(_tx(2000, 110, spent=500))
    txs += [_tx(3000, 121, received=10**8), _tx(3001, 125, spent=1000)]  # after the pin
    txs.sort(key=lambda t: -t["status"]["block_height"])
    server.state.history[ADDRESS.text] = txs
    server.state.tip = 130
    src = EsploraSource("bitcoin", server.url)
    src.check_block(PIN)
    expected = sum(1000 + i for i in range(28)) - 500
    assert src.native_balance(ADDRESS, PIN) == expected
    assert sum(1 for r in server.state.requests if "/txs/chain" in r) == 3  # two pages and the empty end


def test_esplora_wrong_block_hash_and_lying_history(server) -> None:
    server.state.blocks[120] = "ee" * 32
    with pytest.raises(VerificationError):
        EsploraSource("bitcoin", server.url).check_block(PIN)
    server.state.history[ADDRESS.text] = [_tx(1, 110, spent=5)]  # spends more than it ever received
    with pytest.raises(VerificationError) as e:
        EsploraSource("bitcoin", server.url).native_balance(ADDRESS, PIN)
    assert e.value.code == "inconsistent-node"


def test_esplora_transaction_in_the_pinned_block_must_name_it(server) -> None:
    server.state.history[ADDRESS.text] = [_tx(1, 120, received=5, block_hash="ff" * 32)]
    with pytest.raises(VerificationError):
        EsploraSource("bitcoin", server.url).native_balance(ADDRESS, PIN)


def test_open_source_picks_the_protocol(server) -> None:
    assert isinstance(open_source("bitcoin", "esplora+" + server.url), EsploraSource)
    assert isinstance(open_source("bitcoin", server.url), BitcoinCoreSource)


def test_unreachable_node_is_a_fetch_error() -> None:
    srv = LoopbackChainServer(ChainState(blocks=dict(HASHES), tip=120))
    url = srv.url
    srv.close()  # nothing listens on that port any more
    for src in (BitcoinCoreSource("bitcoin", url), EsploraSource("bitcoin", url)):
        with pytest.raises(FetchError) as e:
            src.check_block(PIN)
        assert e.value.code == "unreachable"


# --- the pinned block's time (docs/spec.md §12.2) ---------------------------------------------------


def test_both_sources_return_the_pinned_blocks_time(server) -> None:
    server.state.times[120] = 1795388400  # 2026-11-22T23:00:00Z
    server.state.tip = 125  # Esplora has no tip requirement; the time is the pinned block's, not the tip's
    assert EsploraSource("bitcoin", server.url).check_block(PIN) == 1795388400
    server.state.tip = 120
    assert core(server).check_block(PIN) == 1795388400
    assert "getblockheader" in server.state.requests


@pytest.mark.parametrize("protocol", ["core", "esplora"])
def test_a_header_at_another_height_is_a_mismatch(server, protocol: str) -> None:
    server.state.header_height[PIN.hash] = 119
    src = core(server) if protocol == "core" else EsploraSource("bitcoin", server.url)
    with pytest.raises(VerificationError) as e:
        src.check_block(PIN)
    assert e.value.code == "block-mismatch"


@pytest.mark.parametrize("protocol", ["core", "esplora"])
@pytest.mark.parametrize("bad_time", ["1795388400", -1, 10**12, True])
def test_a_header_without_a_valid_time_is_a_fetch_error(server, protocol: str, bad_time: object) -> None:
    server.state.times[120] = bad_time  # type: ignore[assignment]
    src = core(server) if protocol == "core" else EsploraSource("bitcoin", server.url)
    with pytest.raises(FetchError) as e:
        src.check_block(PIN)
    assert e.value.code == "bad-response"
