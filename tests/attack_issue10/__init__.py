"""Red-team reproductions for issue 10 (multisig, contract wallets, Tron, Solana).

Each test plays a cheating exchange, a hostile file or node, or a misled verifier, and
asserts the secure behaviour.  The findings of the red-team run (a forged observed block
hidden behind a declared wallet, unchecked ERC-1271 proofs shown as valid, latest
readings worded as pinned ones, a traceback on a huge CSV field, two spellings of an EVM
signature, a verifier's stale node blamed on the exchange) failed here before their fixes;
the others document attacks that were already defended.
"""
