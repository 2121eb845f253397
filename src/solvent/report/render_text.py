"""The solvency report as a terminal table (rich), with the limits always printed.

Everything shown here that came from a file or a node (exchange name, labels,
custodians, notes, addresses, error messages and evidence) is exchange-controlled
text.  It goes to the console only as :class:`rich.text.Text`, never as a markup
string, so ``[link=...]`` stays literal text and ``[/x]`` cannot crash the report; and
characters that are not printable are shown escaped, so no terminal control sequence
gets through.  Only the module's own constant strings carry style.

Per wallet the table says how ownership was proven (the method, with k-of-n for a
multisig or a Safe) and how the balances were read: at the pinned block, or -- on a
chain whose nodes keep no history -- "observed at block N (latest), not at the pinned
block", never as a pinned-block reading.  A second table gives each asset's reserves
per chain.

No number is ever cut or folded (a folded amount reads as another number on its first
line): each table is printed when it fits the console, and otherwise drops to a narrower
layout, one "heading: value" line per cell, word-wrapped at spaces only. A value longer
than the whole line (a 40-character amount on a 40-column terminal) gets a line of its own,
whole, which the terminal wraps.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from solvent.protocol.amounts import format_signed_units, format_units
from solvent.protocol.manifest import Manifest
from solvent.protocol.text import printable
from solvent.report.inputs import BalanceLine, ReservesFacts, WalletLine
from solvent.report.render_json import NOT_CHECKED
from solvent.report.solvency import LIMITATIONS, SolvencyReport, format_ratio

__all__ = ["print_report"]

_STYLE = {"PASS": "bold green", "DECLARED": "bold yellow", "FAIL": "bold red"}


def _clean(text: object) -> str:
    return printable(text, keep="\n")


def _t(text: object, style: str = "") -> Text:
    """Data as plain text: never parsed as markup."""
    return Text(_clean(text), style=style)


def _line(*parts: tuple[object, str] | object) -> Text:
    """A line of (text, style) pairs and plain data, all literal."""
    out = Text()
    for part in parts:
        if isinstance(part, tuple):
            out.append(_clean(part[0]), style=part[1])
        else:
            out.append(_clean(part))
    return out


_WORD = re.compile(r"\S+")


def _wrap(text: Text, width: int, indent: int = 2) -> list[Text]:
    """``text`` in lines of at most ``width`` cells, broken at spaces only: a word longer than a
    line is never split but gets a line of its own (longer than ``width``). Continuation lines
    are indented ``indent`` more than the paragraph, when the next word fits so."""
    out: list[Text] = []
    for para in text.split("\n", allow_blank=True):
        plain = para.plain
        words = [(m.start(), m.end()) for m in _WORD.finditer(plain)]
        if not words:
            out.append(para)
            continue
        lead = " " * (len(plain) - len(plain.lstrip(" ")) + indent)
        prefix, start, end = "", 0, words[0][1]
        for w_start, w_end in words[1:]:
            if cell_len(prefix) + cell_len(plain[start:w_end]) <= width:
                end = w_end
                continue
            out.append(Text(prefix) + para[start:end])
            prefix = lead if cell_len(lead) + cell_len(plain[w_start:w_end]) <= width else ""
            start, end = w_start, w_end
        out.append(Text(prefix) + para[start:end])
    return out


def _say(console: Console, text: Text, indent: int = 2) -> None:
    """Print ``text`` word-wrapped to the console's width, no word split (:func:`_wrap`)."""
    if text.plain.endswith("\n"):
        text = text[:-1]
    for line in _wrap(text, console.width, indent):
        console.print(line, crop=False, soft_wrap=True)


def _natural_width(console: Console, table: Table) -> int:
    """The table's width when nothing in it wraps (measured without the console's bound)."""
    return Measurement.get(console, console.options.update_width(1 << 20), table).maximum


def _fits_unfolded(console: Console, table: Table) -> bool:
    """Whether every column can be at least as wide as its longest word (an amount, an address):
    rich then wraps the cells at spaces only, and folds nothing."""
    return Measurement.get(console, console.options.update_width(1 << 20), table).minimum <= console.width


def _stacked(console: Console, title: str, rows: list[tuple[Text, list[tuple[str, Text]]]]) -> None:
    """The narrow layout of a table: per row its first cell, then one "heading: value" line per
    other cell (a multi-line cell continues below its heading)."""
    _say(console, _line((title, "italic")))
    for head, cells in rows:
        for i, para in enumerate(head.split("\n")):
            _say(console, Text("  " * (i > 0)) + para)
        for name, cell in cells:
            for i, para in enumerate(cell.split("\n")):
                _say(console, Text("    " + (f"{name}: " if i == 0 else "  ")) + para, indent=4)


def _balance_cell(b: BalanceLine, wc: WalletLine, decimals: dict[str, int], label: str) -> Text:
    """Amount, how it counts, and for a token its full contract (a shortened one could be spoofed)."""
    cell = _line(f"{format_units(b.amount, decimals[b.asset])} {b.asset}")
    if b.claimed == "declared":
        counted = ("declared", "yellow")
    elif b.counts_as == "observed":
        counted = ("observed (re-read)", "green")
    elif wc.rechecked_by:
        counted = ("re-read, counts as declared", "yellow")
    else:
        counted = ("not re-read: counts as declared", "yellow")
    cell.append_text(_line("  ", counted if wc.ok else ("not counted", "red")))
    if b.contract is not None:
        cell.append_text(_line("\n  ", b.contract))
        if b.recognised is False:
            cell.append_text(_line("\n  ", (_unrecognised_flag(b, label), "bold red")))
    # The verdict's other notes (not re-read, time not checked) are the same for every balance
    # of a chain: the report's notes below the table say them once.
    return cell


def _unrecognised_flag(b: BalanceLine, label: str) -> str:
    """The flag, with whose contract it is when the verifier knows it (a relabelled real token)."""
    note = next((n for n in b.notes if n.startswith(label)), label)
    return label.upper() + note[len(label) :]


def _pinned_blocks(reserves: ReservesFacts) -> Text:
    """One block per chain: height, hash and the time that was checked (and where it came from)."""
    lines = Text()
    for pin in reserves.pins:
        wc = next(w for w in reserves.wallets if w.chain == pin.chain)
        if wc.block_time is None:
            when = "time unknown (no node)"
        else:
            when = f"made {wc.block_time} (time from {wc.block_time_from})"
        lines.append_text(_line(f"  {pin.chain}: block {pin.height} {pin.hash}, {when}\n"))
        for w in reserves.wallets:
            if w.chain == pin.chain and w.observed is not None and w.timing != "declared":
                lines.append_text(_line("    ", w.address, (f": balances {w.timing}\n", "yellow")))
    return lines


def _per_chain(report: SolvencyReport, console: Console) -> None:
    """Each asset's reserves per chain (and off-chain), observed and declared apart."""
    rows: list[tuple[str, str, str, str]] = []
    for line in report.lines:
        for c in line.by_chain:
            name = c.chain if c.name == c.chain else f"{c.name} ({c.chain})"
            rows.append(
                (line.symbol, name, format_units(c.observed, line.decimals), format_units(c.declared, line.decimals))
            )
        if line.declared_offchain:
            rows.append((line.symbol, "off-chain", "-", format_units(line.declared_offchain, line.decimals)))
    if not rows:
        return
    table = Table(title="Reserves per chain")
    table.add_column("asset", overflow="fold")
    table.add_column("chain", overflow="fold")
    table.add_column("observed", justify="right", overflow="fold")
    table.add_column("declared (unverified)", justify="right", overflow="fold")
    for row in rows:
        table.add_row(*(_t(cell) for cell in row))
    if _fits_unfolded(console, table):
        console.print(table)
        return
    _stacked(
        console,
        "Reserves per chain",
        [
            (_line("  ", symbol, " on ", chain), [("observed", _t(observed)), ("declared (unverified)", _t(declared))])
            for symbol, chain, observed, declared in rows
        ],
    )


def _ownership_cell(wc: WalletLine, reserves: ReservesFacts) -> Text:
    """Whether the wallet passed, how its ownership was proven (k-of-n for a multisig or a
    Safe), and a proof that lives on chain and was not checked, said as such."""
    if wc.error is not None:
        cell = _line(("FAILED: ", "red"), wc.error.code)
    elif not wc.ownership_checked:
        cell = _line((NOT_CHECKED, "bold yellow"))
    else:
        cell = _line(("valid", "green"))
    method = wc.method or wc.scheme
    if method:
        cell.append_text(_line("\n", method))
    if wc.ownership_note:
        cell.append_text(_line("\n", (wc.ownership_note, "dim")))
    if not wc.key_bound:
        cell.append_text(_line("\n", (reserves.not_key_bound_label, "bold yellow")))
    return cell


def _timing_line(wc: WalletLine) -> Text:
    """How the balances were read, in the words every output uses: a reading at a chain's
    latest block is never shown as one at the pinned block."""
    if not wc.timing:
        return Text()
    latest = wc.observed is not None and wc.timing != "declared"
    return _line(("balances " + wc.timing, "yellow" if latest else "dim"), "\n")


def _wallet_cells(reserves: ReservesFacts, decimals: dict[str, int]) -> list[tuple[Text, Text, Text, Text]]:
    """Per wallet (and off-chain holding): chain, address and label, ownership check, balances."""
    rows = []
    for wc in reserves.wallets:
        balances = _timing_line(wc)
        balances.append_text(
            Text("\n").join(_balance_cell(b, wc, decimals, reserves.unrecognised_label) for b in wc.balances)
        )
        who = _line(wc.address)
        if wc.label:
            who.append_text(_line("\n", (wc.label, "dim")))
        chain = _line(wc.chain)
        if wc.chain_name and wc.chain_name != wc.chain:
            chain.append_text(_line("\n", (wc.chain_name, "dim")))
        rows.append((chain, who, _ownership_cell(wc, reserves), balances))
    for o in reserves.offchain:
        rows.append(
            (
                _t("off-chain"),
                _line(o.custodian, ("\n" + o.note if o.note else "", "dim")),
                _t("none possible"),
                _line(f"{format_units(o.amount, decimals[o.asset])} {o.asset}", ("  declared", "yellow")),
            )
        )
    return rows


def _wallet_table(rows: list[tuple[Text, Text, Text, Text]], *, bound: bool) -> Table:
    """Four columns: a full EVM address and a full token contract are never cut (a shortened
    one could be a look-alike).  ``bound``: widths that fit 130 characters, the chain and the
    ownership words wrapping within a set width (unbound, rich would widen the table past
    the console when it re-measures the columns)."""
    table = Table(title="Reserves by wallet")
    table.add_column("chain", overflow="fold", max_width=10 if bound else None)
    table.add_column("address, label", overflow="fold", min_width=42, max_width=42 if bound else None)
    table.add_column("ownership check", overflow="fold", max_width=21 if bound else None)
    table.add_column("balances (token contract), how they were read and count", overflow="fold", min_width=44)
    for row in rows:
        table.add_row(*(cell.copy() for cell in row))
    return table


def _wallets(report: SolvencyReport, console: Console) -> None:
    reserves = report.reserves
    assert reserves is not None
    decimals = {a.symbol: a.decimals for a in report.manifest.assets}
    rows = _wallet_cells(reserves, decimals)
    table = _wallet_table(rows, bound=False)
    if _natural_width(console, table) > console.width:
        table = _wallet_table(rows, bound=True)
    if _fits_unfolded(console, table):
        console.print(table)
    else:  # narrower than the bound table: one line per cell, nothing folded
        _stacked(
            console,
            "Reserves by wallet",
            [
                (_line("  ", chain), [("address", who), ("ownership check", ownership), ("balances", balances)])
                for chain, who, ownership, balances in rows
            ],
        )
    _say(console, _line("Pinned blocks:"))
    _say(console, _pinned_blocks(reserves), indent=4)
    for wc in report.wallet_failures:
        assert wc.error is not None  # a failure is a wallet with an error
        _say(console, _line(("INVALID wallet ", "red"), wc.address, ": ", wc.error.message))
        for key, value in wc.error.evidence.items():
            _say(console, _line(f"    {key}: ", value), indent=4)
    if reserves.taken_at is not None:
        _say(
            console,
            _line(
                f"  Pinned blocks must be made between {reserves.max_age_text} before and "
                f"{reserves.max_lead_text} after the snapshot time ",
                reserves.taken_at,
                ".",
            ),
        )
    for note in report.notes:  # not wrapped: a command to copy stays on one line
        console.print(_line((note, "yellow")), soft_wrap=True)


def _roots(report: SolvencyReport, console: Console) -> None:
    """The protocol version and what the liabilities were read from: v1's one root, or
    every asset tree's root of a v2 manifest (holders: the tree's leaf count)."""
    m = report.manifest
    if isinstance(m, Manifest):
        _say(console, _line("  protocol:           v1 (one tree, every asset's amount in every leaf)"))
        _say(console, _line(f"  liabilities root:   {m.root.hash.hex()} ({m.root.leaf_count} accounts)"))
        return
    _say(console, _line(f"  protocol:           v2 (one sum tree per asset), {m.accounts} accounts"))
    width = max(len(t.symbol) for t in m.trees)
    for t in m.trees:
        _say(console, _line(f"  {t.symbol:<{width}} tree root:  {t.root.hash.hex()} ({t.root.leaf_count} holders)"))


def print_report(report: SolvencyReport, console: Console, *, allow_declared: bool = False) -> None:
    m = report.manifest
    _say(
        console,
        _line(("Solvency report", "bold"), ": ", m.exchange, ", snapshot ", m.snapshot_id, " taken at ", m.taken_at),
    )
    _say(console, _line("  manifest signature: ", report.signature_note), indent=4)
    _roots(report, console)
    table = Table(show_lines=False)
    rows = [
        (
            line.symbol,
            format_signed_units(line.liabilities, line.decimals),
            format_signed_units(line.observed, line.decimals),
            format_signed_units(line.declared, line.decimals),
            format_ratio(line.ratio),
            format_signed_units(line.surplus, line.decimals),
            line.status,
        )
        for line in report.lines
    ]
    headings = ("asset", "liabilities", "observed reserves", "declared (unverified)", "ratio (observed)", "surplus")
    needed = 1  # the table's left border; each column adds its width, two of padding and a border
    for i, column in enumerate((*headings, "result")):
        # No cell is ever folded: "123...678.1234" over "79" reads as another amount on its first
        # line (an 18-decimal balance is 40 characters). Each column is as wide as its longest
        # value; a terminal too narrow for that gets the stacked layout below instead.
        widest = max(cell_len(column), *(cell_len(_clean(row[i])) for row in rows))
        table.add_column(
            column,
            justify="left" if column in ("asset", "result") else "right",
            no_wrap=True,
            min_width=widest,
            overflow="fold",
        )
        needed += widest + 3
    for row, line in zip(rows, report.lines, strict=True):
        table.add_row(*(_t(cell) for cell in row[:-1]), _t(row[-1], _STYLE[line.status]))
    if needed <= console.width:
        console.print(table, crop=False)
    else:  # one asset after another, one line per figure
        for row, line in zip(rows, report.lines, strict=True):
            _say(console, _line((row[0], "bold"), "  ", (row[-1], _STYLE[line.status])))
            for name, value in zip(headings[1:], row[1:-1], strict=True):
                _say(console, _line(f"  {name}: ", value), indent=4)
    _say(
        console,
        _line(
            "  PASS: on-chain reserves re-read by this verifier alone cover the liabilities. DECLARED: only with "
            "amounts nobody here verified (declared, not re-read, or in an unrecognised token contract). "
            "FAIL: not covered."
        ),
    )
    if report.reserves is None:
        _say(console, _line(("No reserves.json was published with this snapshot: no reserves are proven.", "bold red")))
    else:
        _per_chain(report, console)
        _wallets(report, console)
    for text in LIMITATIONS:
        _say(console, _line(text))
    verdict = "PASS" if report.passed(allow_declared=allow_declared) else "NOT PASSED"
    _say(console, _line("Overall: ", (verdict, "bold green" if verdict == "PASS" else "bold red")))
