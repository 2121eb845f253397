"""The counting rule, with hand-computed expectations."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest

from solvent.pipeline.report import assess
from solvent.protocol.assets import parse_asset_list
from solvent.protocol.errors import BadSignature, ManifestMismatch, SumOverflow
from solvent.protocol.manifest import Manifest
from solvent.protocol.proof import Root
from solvent.report import solvency
from solvent.report.inputs import BalanceLine, Counted, OffchainLine, ReservesFacts, WalletLine
from solvent.report.solvency import AssetLine, format_ratio
from solvent.reserves.recheck import BalanceCheck, ReservesCheck, WalletCheck, check_attestation
from solvent.reserves.reserves_json import Balance
from tests.report.fixtures import SCENARIO_ASSETS, declared_attestation
from tests.reserves.scenario import SIGNING_KEY


def line(liab: int, observed: int, declared: int = 0) -> AssetLine:
    return AssetLine("ETH", 8, liab, observed, declared, 0, ())


def test_statuses() -> None:
    assert line(100, 100).status == "PASS"
    assert line(100, 99, 1).status == "DECLARED"
    assert line(100, 50, 49).status == "FAIL"
    assert line(0, 0).status == "PASS"


def test_ratio_is_rounded_down_and_surplus_signed() -> None:
    assert format_ratio(Fraction(2, 3)) == "66.66%"
    assert format_ratio(Fraction(99999, 100000)) == "99.99%"  # never shown as 100.00%
    assert format_ratio(None) == "-"
    assert line(300, 200).surplus == -100


def manifest(sums: tuple[int, ...]) -> Manifest:
    assets = parse_asset_list(SCENARIO_ASSETS)
    return Manifest("Test Exchange", "2026-11-23", "2026-11-23T00:00:00Z", assets, Root(b"\x01" * 32, sums, 3, 6), {})


def _counted(att, verdicts):
    """WalletChecks whose balances count as given (asset -> "observed"; others "declared")."""
    checks = []
    for w in att.wallets:
        balances = tuple(BalanceCheck(b, verdicts.get((w.address.text, b.asset), "declared")) for b in w.balances)
        # checked over challenges naming the manifest key, as check_attestation does for a /3 file
        checks.append(WalletCheck(w, None, "a node" if balances else None, balances, key_bound=True))
    return ReservesCheck(att, tuple(checks), taken_at="2026-11-23T00:00:00Z")


def test_assess_separates_observed_declared_and_offchain() -> None:
    att = declared_attestation()
    # the scenario declares BTC 1.25 + 0.75 + 0.00000001, ETH 1.5 + 2, USDT 10 and USD 1000.50 off-chain;
    # the verifier's check lets the first wallet's ETH (1.5) count as observed
    check = _counted(att, {(att.wallets[0].address.text, "ETH"): "observed"})
    report = assess(manifest((200_000_001, 300_000_000, 10**9, 100_050)), check)
    got = {ln.symbol: (ln.observed, ln.declared_onchain, ln.declared_offchain, ln.status) for ln in report.lines}
    assert got == {
        "BTC": (0, 200_000_001, 0, "DECLARED"),
        "ETH": (150_000_000, 200_000_000, 0, "DECLARED"),
        "USDT": (0, 10**9, 0, "DECLARED"),
        "USD": (0, 0, 100_050, "DECLARED"),
    }
    assert not report.passed()
    assert report.passed(allow_declared=True)


def test_what_the_file_calls_observed_counts_only_as_the_check_says() -> None:
    att = declared_attestation()
    first = att.wallets[0]
    observed = tuple(dataclasses.replace(b, source="observed") for b in first.balances)
    att = dataclasses.replace(att, wallets=(dataclasses.replace(first, balances=observed), *att.wallets[1:]))
    # a hand-made check without verdicts, as a caller that skipped check_attestation would make
    bare = ReservesCheck(att, tuple(WalletCheck(w, None, None) for w in att.wallets))
    eth = next(ln for ln in assess(manifest((0, 300_000_000, 0, 0)), bare).lines if ln.symbol == "ETH")
    assert (eth.observed, eth.declared_onchain) == (0, 350_000_000)
    # control: the verifier's verdict is what makes it observed
    check = _counted(att, {(first.address.text, "ETH"): "observed"})
    eth = next(ln for ln in assess(manifest((0, 300_000_000, 0, 0)), check).lines if ln.symbol == "ETH")
    assert (eth.observed, eth.declared_onchain) == (150_000_000, 200_000_000)


@pytest.mark.parametrize("usd_offchain", [(1 << 128) - 1 - 100_050, (1 << 128) - 100_050])
def test_reserves_adding_up_to_2_128_are_refused_naming_the_asset(usd_offchain: int) -> None:
    """Every amount is below 2^128, and so must their sum be: a second off-chain USD entry
    brings the total to 2^128 - 1 (accepted) or 2^128 (refused, not a crash in a renderer)."""
    att = declared_attestation()
    extra = dataclasses.replace(att.offchain[0], amount=usd_offchain, custodian="Second Bank")
    att = dataclasses.replace(att, offchain=(*att.offchain, extra))
    check = _counted(att, {})
    if usd_offchain + 100_050 < 1 << 128:
        usd = next(ln for ln in assess(manifest((0, 0, 0, 0)), check).lines if ln.symbol == "USD")
        assert usd.declared_offchain == (1 << 128) - 1
        return
    with pytest.raises(SumOverflow) as exc:
        assess(manifest((0, 0, 0, 0)), check)
    assert exc.value.evidence["asset"] == "USD" and "2^128" in exc.value.message


def test_a_check_against_another_snapshot_time_is_refused() -> None:
    check = dataclasses.replace(_counted(declared_attestation(), {}), taken_at="2026-11-24T00:00:00Z")
    with pytest.raises(ManifestMismatch):
        assess(manifest((0, 0, 0, 0)), check)


def test_a_failed_wallet_counts_for_nothing() -> None:
    att = declared_attestation()
    checks = [WalletCheck(w, None, None) for w in att.wallets]
    checks[2] = WalletCheck(att.wallets[2], BadSignature("forged"), None)  # the 1.25 BTC wallet
    report = assess(manifest((0, 0, 0, 0)), ReservesCheck(att, tuple(checks)))
    btc = next(ln for ln in report.lines if ln.symbol == "BTC")
    assert btc.declared_onchain == 75_000_001
    assert not report.passed(allow_declared=True)  # every asset is covered, yet a wallet failed


def test_no_reserves_published_fails_every_owed_asset() -> None:
    report = assess(manifest((1, 0, 0, 0)), None)
    assert [ln.status for ln in report.lines] == ["FAIL", "PASS", "PASS", "PASS"]


def test_real_signatures_check_out() -> None:
    assert all(w.ok for w in check_attestation(declared_attestation(), signing_key=SIGNING_KEY).wallets)
    assert Balance  # the format type is part of the public API used above


def _wallet(
    address: str, error: BadSignature | None, *balances: tuple[str, int, Counted], bound: bool = True
) -> WalletLine:
    lines = tuple(BalanceLine(a, amount, "observed", counts, None, None, ()) for a, amount, counts in balances)
    # key_bound: a signature over a challenge naming the manifest key (an unbound one counts as declared at most)
    return WalletLine(
        "ethereum", address, "", "eip191", error, "a node" if error is None else None, lines, key_bound=bound
    )


def test_the_counting_rule_works_from_plain_inputs() -> None:
    """The report needs no reserves types: hand-made plain values are counted by the rule alone."""
    facts = ReservesFacts(
        wallets=(
            _wallet("0xA", None, ("ETH", 100, "observed"), ("BTC", 5, "declared")),
            _wallet("0xB", BadSignature("no"), ("ETH", 10**9, "observed")),  # failed: counts for nothing
        ),
        unrecognised_label="unrecognised token contract",
        offchain=(OffchainLine("USD", 70, "a bank", ""),),
        taken_at="2026-11-23T00:00:00Z",
    )
    report = solvency.assess(manifest((5, 100, 0, 100)), facts)
    got = {ln.symbol: (ln.observed, ln.declared_onchain, ln.declared_offchain, ln.status) for ln in report.lines}
    assert got == {
        "BTC": (0, 5, 0, "DECLARED"),
        "ETH": (100, 0, 0, "PASS"),
        "USDT": (0, 0, 0, "PASS"),
        "USD": (0, 0, 70, "FAIL"),
    }
    assert [w.address for w in report.wallet_failures] == ["0xB"]
    assert not report.passed(allow_declared=True)


def test_plain_inputs_checked_against_another_snapshot_time_are_refused() -> None:
    facts = ReservesFacts((), "unrecognised token contract", taken_at="2026-11-22T00:00:00Z")
    with pytest.raises(ManifestMismatch):
        solvency.assess(manifest((0, 0, 0, 0)), facts)


def test_a_wallet_not_bound_to_the_manifest_key_counts_as_declared_at_most() -> None:
    """An older attestation's wallet (its challenge names no key: it could be another
    exchange's, republished) never makes an asset PASS, whatever the node observed."""

    def eth(bound: bool) -> tuple[int, int, str]:
        facts = ReservesFacts(
            wallets=(_wallet("0xA", None, ("ETH", 100, "observed"), bound=bound),),
            unrecognised_label="unrecognised token contract",
            taken_at="2026-11-23T00:00:00Z",
        )
        line = next(ln for ln in solvency.assess(manifest((0, 100, 0, 0)), facts).lines if ln.symbol == "ETH")
        return line.observed, line.declared_onchain, line.status

    assert eth(bound=True) == (100, 0, "PASS")
    assert eth(bound=False) == (0, 100, "DECLARED")
