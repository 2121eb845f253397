"""Shared fixtures: a real anvil node, key material (the test-double node is in fakes.py)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest


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
