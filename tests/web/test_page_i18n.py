"""The page in the customer's language: Chinese (Simplified) and Spanish besides English.

In a browser whose language is Chinese or Spanish the page speaks it from the first paint:
its headline, buttons and verdict badges, its numbers grouped with the locale's separators
(and still exact: the digits come from the decimal string, the exact value stays in
<data value>), its dates as the locale writes them. The language menu switches in place (no
reload) and is remembered; a language the page does not have falls back to English.

The expected words are written out here, by hand, from the catalogues' intent: a test that
read them back from the catalogue would pass whatever the page showed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from solvent.protocol.amounts import format_units
from tests.web.browser import launch
from tests.web.conftest import Mixed, Server
from tests.web.test_page_layout import serve_reserves

pytestmark = pytest.mark.integration

CATALOGUES = Path(__file__).parents[2] / "src" / "solvent" / "web" / "static" / "i18n"
LOCALES = {"zh": "zh-CN", "es": "es-ES"}

#: The mixed v2 snapshot has 5 assets; serve_reserves gives them PASS, DECLARED, FAIL, PASS, PASS.
EXPECTED: dict[str, dict[str, Any]] = {
    "en": {
        "lang": "en",
        "headline": (
            "3 of 5 assets backed by checked reserves; 1 covered only by declared amounts (not checked); 1 not backed."
        ),
        "badges": {"PASS": "✓ Pass", "DECLARED": "! Declared only", "FAIL": "✗ Fail"},
        "find": "Find My Balance",
        "verified": "✓ Verified in your browser.",
        "signature": "✓ Valid",
        "group": ",",
        "decimal": ".",
        "four_digits_grouped": True,
        "date": "Dec 1, 2026, 00:00:00 UTC",
    },
    "zh": {
        "lang": "zh-Hans",
        "headline": "5 种资产中有 3 种由已核验的储备支持；1 种仅由申报金额覆盖（未核验）；1 种储备不足。",  # noqa: RUF001
        "badges": {"PASS": "✓ 通过", "DECLARED": "! 仅申报（未核验）", "FAIL": "✗ 未通过"},  # noqa: RUF001
        "find": "查询我的余额",
        "verified": "✓ 已在您的浏览器中核验。",
        "signature": "✓ 有效",
        "group": ",",
        "decimal": ".",
        "four_digits_grouped": True,
        "date": "2026年12月1日 UTC 00:00:00",
    },
    "es": {
        "lang": "es",
        "headline": (
            "3 de 5 activos respaldados por reservas comprobadas; "
            "1 cubierto solo con importes declarados (sin comprobar); 1 sin respaldo."
        ),
        "badges": {"PASS": "✓ Aprobado", "DECLARED": "! Solo declarado", "FAIL": "✗ Fallido"},
        "find": "Buscar mi saldo",
        "verified": "✓ Verificado en su navegador.",
        "signature": "✓ Válida",
        "group": ".",
        "decimal": ",",
        "four_digits_grouped": False,  # Spanish groups from five digits on: 2500, 12.345
        "date": "1 dic 2026, 00:00:00 UTC",
    },
}


def readable(exact: str, lang: str) -> str:
    """An exact decimal string as the page must show it in `lang`: trailing zeros of the
    fraction dropped, the whole part grouped by three with the locale's separators."""
    e = EXPECTED[lang]
    whole, _, fraction = exact.partition(".")
    fraction = fraction.rstrip("0")
    if len(whole) >= 4 if e["four_digits_grouped"] else len(whole) >= 5:
        head = len(whole) % 3 or 3
        whole = e["group"].join([whole[:head], *(whole[i : i + 3] for i in range(head, len(whole), 3))])
    return whole + (e["decimal"] + fraction if fraction else "")


def open_summary(page: Any, server: Server, mixed: Mixed) -> dict[str, str]:
    results = serve_reserves(page, mixed.v2)
    page.goto(server.url)
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#solvency-table tbody tr[data-status]")
    page.wait_for_selector("#signature-status .badge")
    return results


def find(page: Any, mixed: Mixed, uid: str) -> None:
    page.fill("#hashed-id", mixed.v2.account(uid).hashed_id)
    page.click("#find-button")
    page.wait_for_selector("#verify-banner.pass")


def assert_speaks(page: Any, lang: str, results: dict[str, str]) -> None:
    """The headline, buttons, badges and dates of the page are in `lang`."""
    e = EXPECTED[lang]
    assert page.get_attribute("html", "lang") == e["lang"]
    assert page.inner_text("#headline") == e["headline"]
    assert page.inner_text("#find-button") == e["find"]
    assert page.inner_text("#lookup-title") == e["find"]
    rows = page.locator("#solvency-table tbody tr")
    badges = rows.evaluate_all("rs => rs.map(r => [r.dataset.asset, r.querySelector('.badge').textContent])")
    assert {symbol: text for symbol, text in badges} == {s: e["badges"][r] for s, r in results.items()}
    assert page.inner_text("#signature-status .badge") == e["signature"]
    assert page.inner_text("#snapshot-time") == e["date"]
    assert page.get_attribute("#snapshot-time time", "datetime") == "2026-12-01T00:00:00Z"


def assert_amounts(page: Any, mixed: Mixed, lang: str) -> None:
    """The whale's balances grouped for `lang`, and exact in their <data value>."""
    whale = mixed.v2.account("whale")
    decimals = {a.symbol: a.decimals for a in mixed.v2.assets}
    rows = page.locator("#balance-table tbody tr[data-held=true]")
    shown = dict(rows.evaluate_all("rs => rs.map(r => [r.dataset.asset, r.querySelector('data.amount').textContent])"))
    exact = dict(rows.evaluate_all("rs => rs.map(r => [r.dataset.asset, r.querySelector('data.amount').value])"))
    want = {s: format_units(n, decimals[s]) for s, n in whale.holdings.items()}
    assert exact == want
    assert shown == {s: readable(v, lang) for s, v in want.items()}
    assert len(shown["ETH"]) > 8  # long enough to be grouped: 1,000,000 / 1.000.000


@pytest.mark.parametrize("lang", ["zh", "es"])
def test_the_page_speaks_the_browsers_language(browser_for: Any, server_v2: Server, mixed: Mixed, lang: str) -> None:
    page = browser_for(LOCALES[lang]).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        results = open_summary(page, server_v2, mixed)
        assert_speaks(page, lang, results)
        assert page.input_value("#language-select") == lang
        find(page, mixed, "whale")
        assert page.inner_text("#verify-banner strong").strip() == EXPECTED[lang]["verified"]
        assert_amounts(page, mixed, lang)
        # Alice's 2500 USDT: Spanish writes four digits ungrouped, Chinese groups them.
        find(page, mixed, "alice")
        usdt = page.locator("#balance-table tr[data-asset=USDT] data.amount")
        assert usdt.inner_text() == readable("2500.000000", lang) and usdt.get_attribute("value") == "2500.000000"
        assert page.locator("#balance-table tr[data-asset=BTC] data.amount").inner_text() == readable("1.5", lang)
        assert errors == []
    finally:
        page.close()


def test_a_language_the_page_lacks_falls_back_to_english(browser_for: Any, server_v2: Server, mixed: Mixed) -> None:
    page = browser_for("de-DE").new_page()
    try:
        results = open_summary(page, server_v2, mixed)
        assert page.evaluate("navigator.language") == "de-DE"  # the browser asked for German
        assert_speaks(page, "en", results)
        assert page.input_value("#language-select") == "en"
    finally:
        page.close()


def test_the_language_menu_switches_in_place_and_is_remembered(
    playwright: Any, server_v2: Server, mixed: Mixed
) -> None:
    # A browser of its own: the choice it remembers must not leak into other tests.
    with launch(playwright) as context:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        results = open_summary(page, server_v2, mixed)
        assert_speaks(page, "en", results)
        find(page, mixed, "whale")
        page.click("#balance-table .check-asset[data-asset=ETH]")
        page.wait_for_selector('#tree-view[data-asset=ETH] li.mine[data-level="0"]')
        page.evaluate("window.notReloaded = true")

        page.select_option("#language-select", "es")
        page.wait_for_function("() => document.documentElement.lang === 'es'")
        assert page.evaluate("window.notReloaded") is True  # the same document: no reload
        assert_speaks(page, "es", results)
        assert_amounts(page, mixed, "es")
        assert page.inner_text("#verify-banner strong").strip() == EXPECTED["es"]["verified"]
        assert page.inner_text("#check-title") == "Comprobar — ETH"
        assert page.inner_text('#tree-view li.mine[data-level="0"] > .tree-body .what').startswith("Hoja ")
        assert page.text_content("#path-view .node.mine .label >> nth=-1") == "Su hoja de ETH"
        assert json.loads((CATALOGUES / "es.json").read_text())["page.downloadsTitle"] == page.inner_text(
            "#downloads-title"
        )

        page.reload()
        page.wait_for_selector("body[data-ready=true]")
        page.wait_for_selector("#solvency-table tbody tr[data-status]")
        assert page.input_value("#language-select") == "es"  # remembered
        assert_speaks(page, "es", results)

        page.select_option("#language-select", "zh")
        page.wait_for_function("() => document.documentElement.lang === 'zh-Hans'")
        assert_speaks(page, "zh", results)
        page.select_option("#language-select", "en")
        page.wait_for_function("() => document.documentElement.lang === 'en'")
        assert_speaks(page, "en", results)
        assert errors == []
