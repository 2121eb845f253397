"""Verifiers for other exchanges' published proof formats (OKX, Bybit, Bitget, MEXC, BitMEX, Binance zk).

Each format is a module ``solvent.formats.<name>`` exposing ``FORMAT`` (a
:class:`solvent.formats.base.ForeignFormat`).  See docs/formats/ for each format's
rules, where they were learned from, and what each can and cannot prove.
"""
