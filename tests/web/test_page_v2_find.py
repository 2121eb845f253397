"""The customer's page on a v2 snapshot after a successful Find My Balance (found by the v2
red-team run): the page stays healthy (v1's single path is not drawn for a v2 result), and
the assets the proof has no entry for are named without a click (threat L20)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import Mixed, Server

pytestmark = pytest.mark.integration


def test_find_my_balance_v2_leaves_the_page_healthy(page: Any, server_v2: Server, mixed: Mixed) -> None:
    page.goto(server_v2.url)
    page.wait_for_selector("body[data-ready=true]")
    alice = mixed.v2.account("alice")
    page.fill("#hashed-id", alice.hashed_id)
    page.click("#find-button")
    page.wait_for_selector("#verify-banner.pass")
    page.wait_for_function("() => !document.querySelector('#find-button').disabled")
    assert page.get_attribute("body", "data-ready") == "true", page.inner_text("body")[:300]


def test_an_asset_left_out_of_the_proof_is_shown_at_zero_without_a_click(
    page: Any, server_v2: Server, mixed: Mixed
) -> None:
    """THREATS L20: an exchange that drops an account from one asset's tree makes that asset
    vanish from the proof; the customer must see it at 0 (zeros explicit), not have to ask."""
    page.goto(server_v2.url)
    page.wait_for_selector("body[data-ready=true]")
    alice = mixed.v2.account("alice")
    page.fill("#hashed-id", alice.hashed_id)
    page.click("#find-button")
    page.wait_for_selector("#verify-banner.pass")
    zero = page.eval_on_selector_all(
        "#balance-table tbody tr[data-held=false]", "rows => rows.map(r => r.dataset.asset)"
    )
    assert zero, "the fixture's alice holds only some of the assets"
    assert page.locator("#balance-table tbody tr[hidden]").count() == len(zero)  # hidden rows, as the issue asks
    line = page.locator("#zero-assets")
    assert line.is_visible()
    assert all(symbol in line.inner_text() for symbol in zero)
    banner = page.inner_text("#verify-banner")
    assert "it holds" not in banner and "Every other asset is 0 for you" in banner
