"""``--no-bridged``: a verifier can refuse bridged token variants; by default they are recognised."""

from __future__ import annotations

import argparse

import pytest

from solvent.cli.reserves import add_verifier_options, verifier_settings
from solvent.reserves.chains import CHAINS, normalize_address

BSC_USDT = normalize_address(CHAINS["bsc"], "0x55d398326f99059fF775485246999027B3197955")  # Binance-Peg
ARB_USDC = normalize_address(CHAINS["arbitrum"], "0xaf88d065e77c8cC2239327C5EDb3A432268e5831")  # Circle's own


def _settings(*argv: str) -> object:
    parser = argparse.ArgumentParser()
    add_verifier_options(parser)
    return verifier_settings(parser.parse_args(list(argv)))


@pytest.mark.parametrize(("argv", "bridged"), [((), True), (("--no-bridged",), False)])
def test_bridged_variants_follow_the_option(argv: tuple[str, ...], bridged: bool) -> None:
    tokens = _settings(*argv).tokens  # type: ignore[attr-defined]
    assert tokens.recognises("bsc", "USDT", BSC_USDT) is bridged
    assert tokens.recognises("arbitrum", "USDC", ARB_USDC)  # a native variant always


def test_a_verifiers_own_token_survives_no_bridged() -> None:
    tokens = _settings("--no-bridged", f"--token=bsc:USDT={BSC_USDT.text}").tokens  # type: ignore[attr-defined]
    assert tokens.recognises("bsc", "USDT", BSC_USDT)
