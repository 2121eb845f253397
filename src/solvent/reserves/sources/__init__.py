"""Balance sources: read a chain's balances at a pinned block (the chain-access edge).

:mod:`.base` defines the small interface; :mod:`.evm` (Ethereum JSON-RPC),
:mod:`.bitcoin_core` (Bitcoin Core JSON-RPC) and :mod:`.esplora` (Esplora HTTP API)
implement it; :func:`open_source` builds one from a ``CHAIN=URL`` option.
"""

from solvent.reserves.sources.base import BalanceSource, open_source, parse_node_option

__all__ = ["BalanceSource", "open_source", "parse_node_option"]
