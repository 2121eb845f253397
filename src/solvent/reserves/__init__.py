"""Proof of reserves: cold-wallet ownership, balances at a pinned block, the attestation.

The flow is one way: the operator's ``reserves.toml`` (:mod:`.declaration`) gives wallets
and a pinned block per chain; :mod:`.challenge` derives one message per address; the
wallet owners sign it; :mod:`.attest` checks every signature (:mod:`.ownership`), reads
every balance at the pinned block from a chain node (:mod:`.sources`), records the
block's time, converts it to the snapshot's base units (:mod:`.conversion`) and writes
``reserves.json`` (:mod:`.reserves_json`).  Anyone re-checks it with :mod:`.recheck`,
at the pinned block (:mod:`.pinned_block`) whose time must lie near the snapshot time
(:mod:`.block_window`), and against the token contracts the verifier recognises
(:mod:`.tokens`).
"""
