"""The reserves half of ``solvent demo``: five chains, real signatures, an attestation.

:func:`prepare_demo_reserves` gives the synthetic exchange reserves on five chains, as a
real exchange holds them:

* **Ethereum**: a real local node (anvil, chain id 1) with one ERC-20 per token asset
  (``contracts/ReserveToken.sol``, 6 decimals like USDT/USDC) and ETH, in two fresh
  externally owned wallets (EIP-191 signatures).  After the snapshot block is pinned,
  **later** transfers go into the same wallets -- enough to hide a shortfall if anyone
  read the latest state instead of the pinned block.
* **Polygon PoS**: a second anvil with Polygon's chain id (137), where a 2-of-3 Safe
  deployed from Safe's own published bytecode (:mod:`solvent.demo.safe`) holds part of
  the USDC in a demo ERC-20 on that chain; two of its three owners sign.
* **Bitcoin**: P2WPKH, P2TR (BIP-322) and P2PKH (BIP-137) single-key wallets and a
  2-of-3 P2WSH multisig (one BIP-137 signature per key, from two of the three keys).
  There is no Bitcoin node here: their balances are declared, at mainnet block 840000.
* **Tron**: part of the USDT in Tether's real TRC-20 contract address (which the built-in
  registry recognises), signed with TIP-191 v2, on a simulated java-tron node.
* **Solana**: part of the USDC in Circle's real USDC mint, through a token account the
  wallet owns, signed as an off-chain message, on a simulated Solana node.

No Tron or Solana node can be installed here: :mod:`solvent.demo.simnodes` plays them,
speaking their real APIs, with blocks that keep coming at the chain's pace for as long as
the demo runs.  Tron and Solana nodes answer only the latest state, so those balances are
observed at the latest block, not at the pinned one, and every output says so.

The totals follow one rule across chains: each asset's reserves are its liabilities plus
5 %, or, for one asset when ``insolvent``, 10 % short (that asset is ETH's or the first
Ethereum token's, whose later transfers would hide the shortfall).  USDT is split between
Ethereum and Tron, USDC between Ethereum, the Polygon Safe and Solana.  Every challenge
is signed with freshly generated keys and names the manifest signing key the snapshot
will be signed with (``signing_key``), so the attestation is ``solvent-reserves/3``,
bound to that key.  Fiat (``USD``) is an off-chain declared reserve.  The attestation is
produced by the same code as ``solvent reserves attest``: the declaration and signatures
are written to files and parsed back.

The demo's own ERC-20 contracts (on Ethereum and Polygon) are freshly deployed, so no
verifier recognises them (docs/spec.md §12.8 (Verifying reserves.json (anyone))):
whoever reports on the demo must pass them as recognised tokens explicitly
(:attr:`DemoReserves.token_options`, the same as ``--token ethereum:USDT=0x...``), which
the demo may do because it deployed them.  Tron's USDT and Solana's USDC are the real
contracts, recognised by the built-in registry.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from coincurve import PrivateKey
from embit import base58

from solvent.demo.devchain import Anvil, DevChain, compile_contract, repo_root
from solvent.demo.safe import deploy_safe, deploy_safe_factory
from solvent.demo.signers import (
    bitcoin_address,
    ethereum_address,
    multisig_address,
    multisig_script,
    sign_bip137,
    sign_bip322_simple,
    sign_eip191,
    sign_multisig_per_key,
)
from solvent.demo.signers_solana import sign_solana_offchain, solana_keypair
from solvent.demo.signers_tron import sign_tip191, tron_address_of
from solvent.demo.simnodes.loopback import LiveChain, LoopbackServer
from solvent.demo.simnodes.solana import FINALIZED_LAG, SLOT_INTERVAL_MS, SolanaState, TokenAccount, start_solana_node
from solvent.demo.simnodes.tron import BLOCK_INTERVAL_MS, SOLIDIFIED_LAG, Token, TronState, start_tron_node
from solvent.protocol.amounts import format_units
from solvent.protocol.assets import Asset
from solvent.protocol.errors import InputError
from solvent.reserves.attest import attest, parse_signatures
from solvent.reserves.chains import CHAINS, Address, eip55, normalize_address
from solvent.reserves.challenge import challenge_message
from solvent.reserves.declaration import DECLARATION_FORMAT, parse_declaration
from solvent.reserves.pinned_block import BlockPin
from solvent.reserves.sources.base import opened_sources
from solvent.reserves.sources.solana import SPL_TOKEN_PROGRAM

__all__ = [
    "BITCOIN_DEMO_PIN",
    "FIAT_SYMBOLS",
    "SOLANA_USDC",
    "SPLITS",
    "TRON_USDT",
    "DemoReserves",
    "prepare_demo_reserves",
]

#: Bitcoin mainnet block 840000 (the fourth halving), for the declared Bitcoin balances.
BITCOIN_DEMO_PIN = BlockPin("bitcoin", 840000, "0000000000000000000320283a032748cef8227873ff4872689bf23f1cda83a5")
FIAT_SYMBOLS = frozenset({"USD", "EUR", "GBP", "JPY", "CHF"})
TOKEN_DECIMALS = 6
#: Tether's USDT contract on Tron and Circle's USDC mint on Solana: the real addresses,
#: which the built-in registry recognises (here on simulated nodes).
TRON_USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
SOLANA_USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
#: The share (percent) of a stablecoin's reserves held off Ethereum, per chain; Ethereum holds the rest.
SPLITS: dict[str, tuple[tuple[str, int], ...]] = {
    "USDT": (("tron", 30),),
    "USDC": (("polygon", 30), ("solana", 20)),
}
#: Where the simulated chains' served heads start (illustrative heights, near mainnet's), and how
#: far behind it the exchange pins its block (about a minute: it pins, then signs and attests).
TRON_HEAD = 80_000_000
SOLANA_HEAD = 400_000_000
TRON_PIN_DEPTH = 20
SOLANA_PIN_DEPTH = 150
#: The Bitcoin multisig and the Safe: k of n keys, and which of them sign.
THRESHOLD, COSIGNERS, SIGNERS = 2, 3, (0, 2)
#: Bitcoin reserves per wallet, percent: the multisig, then P2WPKH, P2TR; P2PKH holds the rest.
BTC_SHARES = (("p2wsh-multisig", 40), ("p2wpkh", 30), ("p2tr", 20))


@dataclass
class DemoReserves:
    reserves_json: Path
    declaration: Path
    signatures: Path
    #: The Ethereum node (anvil, chain id 1).
    rpc_url: str
    anvil: Anvil
    #: The asset that was funded short (insolvent variant), else None.
    short_asset: str | None
    #: symbol -> the demo's own token contract on Ethereum (EIP-55), deployed on the local node.
    tokens: dict[str, str] = field(default_factory=dict)
    #: symbol -> the demo's own token contract on Polygon (the Safe's USDC).
    polygon_tokens: dict[str, str] = field(default_factory=dict)
    #: chain -> the URL of its node here (anvil, or a simulated Tron or Solana node); Bitcoin has none.
    nodes: dict[str, str] = field(default_factory=dict)
    #: chain -> the block the declaration pins.
    pins: dict[str, BlockPin] = field(default_factory=dict)
    #: Everything to stop, in start order (anvils, simulated nodes).
    services: list[Anvil | LoopbackServer] = field(default_factory=list)

    @property
    def pin(self) -> BlockPin:
        """The Ethereum pin."""
        return self.pins["ethereum"]

    @property
    def node_options(self) -> list[str]:
        """``--node`` values for every chain with a node here (``ethereum=http://127.0.0.1:...``)."""
        return [f"{chain}={url}" for chain, url in self.nodes.items()]

    @property
    def token_options(self) -> list[str]:
        """``--token`` values recognising the demo's contracts (only the demo may: it deployed them)."""
        return [f"ethereum:{symbol}={contract}" for symbol, contract in sorted(self.tokens.items())] + [
            f"polygon:{symbol}={contract}" for symbol, contract in sorted(self.polygon_tokens.items())
        ]

    def stop(self) -> None:
        """Stop every node (each stop is idempotent)."""
        for service in reversed(self.services):
            service.stop()
        self.anvil.stop()


def _chain_units(target: int, snapshot_decimals: int, chain_decimals: int) -> int:
    """Smallest chain amount whose rounded-down conversion is at least ``target``."""
    if chain_decimals >= snapshot_decimals:
        scale: int = pow(10, chain_decimals - snapshot_decimals)
        return target * scale
    step: int = pow(10, snapshot_decimals - chain_decimals)
    return -(-target // step)


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _choose_short(assets: Sequence[Asset], liabilities: Mapping[str, int]) -> str:
    for a in assets:
        if a.symbol not in FIAT_SYMBOLS and a.symbol != "BTC" and liabilities.get(a.symbol, 0) > 0:
            return a.symbol
    raise InputError("the insolvent demo needs an on-chain Ethereum asset with liabilities")


@dataclass
class _Wallet:
    """One ``[[wallets]]`` entry of the declaration and the signature rows proving it."""

    chain: str
    address: str
    assets: list[str]
    label: str
    lines: list[str] = field(default_factory=list)  # kind, script, declared...
    rows: list[tuple[str, str]] = field(default_factory=list)  # (signer, signature)


@dataclass(frozen=True)
class _Challenge:
    """What every ownership challenge names: the exchange, the snapshot and the manifest signing key."""

    exchange: str
    snapshot_id: str
    signing_key: str | None

    def message(self, pin: BlockPin, address: Address) -> str:
        return challenge_message(self.exchange, self.snapshot_id, pin, address, signing_key=self.signing_key)


def _sign_rows(wallets: Sequence[_Wallet]) -> str:
    out = ["chain,address,signer,signature"]
    out += [f"{w.chain},{w.address},{signer},{sig}" for w in wallets for signer, sig in w.rows]
    return "\n".join(out) + "\n"


def prepare_demo_reserves(
    workdir: Path,
    *,
    exchange: str,
    snapshot_id: str,
    assets: Sequence[Asset],
    liabilities: Mapping[str, int],
    insolvent: bool = False,
    signing_key: str | None = None,
) -> DemoReserves:
    """Run the whole reserves side on fresh nodes; the caller must ``stop()`` the result.

    ``signing_key``: the public key (64 hex) the snapshot will be signed with; every
    challenge names it.  None writes the older ``solvent-reserves/2`` file, whose
    signatures are not bound to a key (for fixtures whose snapshot key is made later);
    :func:`solvent.demo.run.run_demo` always gives it.

    The chains are those the asset list needs: Polygon and Solana hold USDC, Tron holds
    USDT, Bitcoin holds BTC; Ethereum always runs.
    """
    asset_list = tuple(assets)
    by_symbol = {a.symbol: a for a in asset_list}
    workdir.mkdir(parents=True, exist_ok=True)
    short = _choose_short(asset_list, liabilities) if insolvent else None
    challenge = _Challenge(exchange, snapshot_id, signing_key)

    def target(symbol: str) -> int:
        liab = liabilities.get(symbol, 0)
        return liab - liab // 10 - 1 if symbol == short else liab + liab // 20

    def share(symbol: str, chain: str) -> int:
        """The part of ``symbol``'s reserves (chain units) held on ``chain``, other than Ethereum."""
        total = _chain_units(target(symbol), by_symbol[symbol].decimals, TOKEN_DECIMALS)
        return total * dict(SPLITS.get(symbol, ())).get(chain, 0) // 100

    anvil = Anvil()
    reserves = DemoReserves(
        workdir / "reserves.json",
        workdir / "reserves.toml",
        workdir / "signatures.csv",
        anvil.url,
        anvil,
        short,
    )
    try:
        reserves.nodes["ethereum"] = anvil.url
        wallets = _ethereum(reserves, asset_list, target, share, challenge)
        if "USDC" in by_symbol:
            wallets.append(_polygon(reserves, share("USDC", "polygon"), challenge))
        if "BTC" in by_symbol:
            btc = _chain_units(target("BTC"), by_symbol["BTC"].decimals, CHAINS["bitcoin"].native_decimals)
            wallets += _bitcoin(reserves, btc, challenge)
        if "USDT" in by_symbol:
            wallets.append(_tron(reserves, share("USDT", "tron"), challenge))
        if "USDC" in by_symbol:
            wallets.append(_solana(reserves, share("USDC", "solana"), challenge))
        decl = _declaration(challenge, asset_list, reserves, wallets, target)
        reserves.declaration.write_text(decl, encoding="utf-8")
        reserves.signatures.write_text(_sign_rows(wallets), encoding="utf-8")
        # attested as `solvent reserves attest --node CHAIN=URL ...` does, with every node
        with opened_sources(reserves.node_options) as sources:
            attestation = attest(
                parse_declaration(reserves.declaration.read_bytes(), str(reserves.declaration)),
                parse_signatures(reserves.signatures.read_bytes(), str(reserves.signatures)),
                sources,
                signing_key=signing_key,
            )
        reserves.reserves_json.write_bytes(attestation.to_json())
        return reserves
    except BaseException:
        reserves.stop()
        raise


def _ethereum(
    reserves: DemoReserves,
    assets: Sequence[Asset],
    target: Callable[[str], int],
    share: Callable[[str, str], int],
    challenge: _Challenge,
) -> list[_Wallet]:
    """ETH and a demo ERC-20 per token asset in two EOAs; the pin; later transfers after it."""
    chain = DevChain(reserves.rpc_url)
    try:
        token = compile_contract(repo_root() / "contracts" / "ReserveToken.sol", "ReserveToken")
        keys = [secrets.token_bytes(32) for _ in range(2)]
        addresses = [ethereum_address(k) for k in keys]
        contracts: dict[str, bytes] = {}
        plan: list[tuple[str, int]] = []  # (symbol, chain units) funded at the pin
        for a in assets:
            if a.symbol in FIAT_SYMBOLS or a.symbol == "BTC":
                continue
            if a.symbol == "ETH":
                plan.append(("ETH", _chain_units(target("ETH"), a.decimals, 18)))
                continue
            total = _chain_units(target(a.symbol), a.decimals, TOKEN_DECIMALS)
            units = total - sum(share(a.symbol, other) for other, _ in SPLITS.get(a.symbol, ()))
            supply = 4 * units + 10**6
            contracts[a.symbol] = chain.deploy(token, f"Demo {a.symbol}", a.symbol, TOKEN_DECIMALS, supply)
            plan.append((a.symbol, units))

        def fund(scale_num: int, scale_den: int) -> None:
            for symbol, units in plan:
                amount = units * scale_num // scale_den
                first = amount * 3 // 5
                for wallet, part in zip(addresses, (first, amount - first), strict=True):
                    if symbol == "ETH":
                        chain.send_eth(wallet.key, part)
                    else:
                        chain.transfer_token(contracts[symbol], wallet.key, part)

        fund(1, 1)
        height, block_hash = chain.head()
        pin = BlockPin("ethereum", height, block_hash)
        fund(1, 2)  # later transfers: the latest state would overstate (and hide a shortfall)
    finally:
        chain.close()
    reserves.pins["ethereum"] = pin
    reserves.tokens.update({symbol: eip55(address) for symbol, address in contracts.items()})
    held = [a.symbol for a in assets if a.symbol == "ETH" or a.symbol in contracts]
    wallets = []
    for i, (key, address) in enumerate(zip(keys, addresses, strict=True)):
        message = challenge.message(pin, address)
        wallets.append(
            _Wallet("ethereum", address.text, held, f"ethereum cold {i + 1}", rows=[("", sign_eip191(key, message))])
        )
    return wallets


def _polygon(reserves: DemoReserves, units: int, challenge: _Challenge) -> _Wallet:
    """A 2-of-3 Safe on a second anvil with Polygon's chain id, holding USDC in a demo ERC-20."""
    chain_id = CHAINS["polygon"].evm_chain_id
    assert chain_id is not None
    node = Anvil(chain_id=chain_id)
    reserves.services.append(node)
    reserves.nodes["polygon"] = node.url
    owners = [secrets.token_bytes(32) for _ in range(COSIGNERS)]
    owner_addresses = [ethereum_address(k) for k in owners]
    factory = deploy_safe_factory(node.url, l2=True)  # SafeL2, as Safe deploys on L2s and sidechains
    safe = deploy_safe(
        node.url, [a.key for a in owner_addresses], THRESHOLD, factory=factory, salt=secrets.randbits(64)
    )
    chain = DevChain(node.url)
    try:
        token = compile_contract(repo_root() / "contracts" / "ReserveToken.sol", "ReserveToken")
        usdc = chain.deploy(token, "Demo USDC (Polygon)", "USDC", TOKEN_DECIMALS, 2 * units + 10**6)
        chain.transfer_token(usdc, safe, units)
        height, block_hash = chain.head()
    finally:
        chain.close()
    pin = BlockPin("polygon", height, block_hash)
    reserves.pins["polygon"] = pin
    reserves.polygon_tokens["USDC"] = eip55(usdc)
    wallet = _Wallet("polygon", eip55(safe), ["USDC"], "polygon 2-of-3 Safe", lines=['kind = "safe"'])
    message = challenge.message(pin, normalize_address(CHAINS["polygon"], wallet.address))
    wallet.rows = [(owner_addresses[i].text, sign_eip191(owners[i], message)) for i in SIGNERS]
    return wallet


def _bitcoin(reserves: DemoReserves, total: int, challenge: _Challenge) -> list[_Wallet]:
    """Declared Bitcoin wallets (no Bitcoin node here): a 2-of-3 P2WSH multisig and three single-key ones."""
    reserves.pins["bitcoin"] = BITCOIN_DEMO_PIN
    parts = {name: total * pct // 100 for name, pct in BTC_SHARES}
    parts["p2pkh"] = total - sum(parts.values())

    def declared(name: str) -> str:
        return f'declared = {{ BTC = "{format_units(parts[name], 8)}" }}'

    def message(address: Address) -> str:
        return challenge.message(BITCOIN_DEMO_PIN, address)

    cosigners = [secrets.token_bytes(32) for _ in range(COSIGNERS)]
    script = multisig_script([PrivateKey(k).public_key.format() for k in cosigners], THRESHOLD)
    multisig = multisig_address(CHAINS["bitcoin"], "p2wsh", script)
    rows = []
    for i in SIGNERS:
        signed = sign_multisig_per_key(cosigners[i], message(multisig), "bip137")
        rows.append((signed.key, signed.signature))
    wallets = [
        _Wallet(
            "bitcoin",
            multisig.text,
            ["BTC"],
            "bitcoin cold (2-of-3 P2WSH multisig)",
            lines=[
                'kind = "multisig"',
                'script_type = "p2wsh"',
                f"script = {_toml(script.hex())}",
                declared("p2wsh-multisig"),
            ],
            rows=rows,
        )
    ]
    for kind in ("p2wpkh", "p2tr", "p2pkh"):
        key = secrets.token_bytes(32)
        address = bitcoin_address(key, kind)
        sig = (
            sign_bip137(key, message(address))
            if kind == "p2pkh"
            else sign_bip322_simple(key, address, message(address))
        )
        wallets.append(
            _Wallet(
                "bitcoin", address.text, ["BTC"], f"bitcoin cold ({kind})", lines=[declared(kind)], rows=[("", sig)]
            )
        )
    return wallets


def _tron(reserves: DemoReserves, units: int, challenge: _Challenge) -> _Wallet:
    """USDT in Tether's TRC-20 contract, on a simulated java-tron node; a TIP-191 v2 signature."""
    secret = secrets.token_bytes(32)
    address = tron_address_of(secret)
    live = LiveChain.ending_now(TRON_HEAD, BLOCK_INTERVAL_MS, lag=SOLIDIFIED_LAG, seed=secrets.token_bytes(16))
    state = TronState(live=live)
    state.accounts[address.text] = 35_000_000  # 35 TRX for fees; TRX is no snapshot asset here
    state.tokens[TRON_USDT] = Token(TOKEN_DECIMALS, {address.text: units})
    node = start_tron_node(state)
    reserves.services.append(node)
    reserves.nodes["tron"] = node.url
    block = state.block(state.latest() - TRON_PIN_DEPTH)
    assert block is not None
    pin = BlockPin("tron", block.number, block.id)
    reserves.pins["tron"] = pin
    message = challenge.message(pin, address)
    return _Wallet(
        "tron",
        address.text,
        ["USDT"],
        "tron cold (TRC-20 USDT)",
        rows=[("", sign_tip191(secret, message, "tip191-v2"))],
    )


def _solana(reserves: DemoReserves, units: int, challenge: _Challenge) -> _Wallet:
    """USDC in Circle's mint through a token account the wallet owns, on a simulated Solana node."""
    seed = secrets.token_bytes(32)
    address, _ = solana_keypair(seed)
    live = LiveChain.ending_now(SOLANA_HEAD, SLOT_INTERVAL_MS, lag=FINALIZED_LAG, seed=secrets.token_bytes(16))
    state = SolanaState(finalized_slot=SOLANA_HEAD, live=live)
    state.lamports[address.text] = 2 * 10**9  # 2 SOL for fees and rent; SOL is no snapshot asset here
    state.mints[SOLANA_USDC] = (TOKEN_DECIMALS, SPL_TOKEN_PROGRAM)
    token_account = base58.encode(secrets.token_bytes(32))
    state.token_accounts.append(TokenAccount(token_account, address.text, SOLANA_USDC, units, TOKEN_DECIMALS))
    node = start_solana_node(state)
    reserves.services.append(node)
    reserves.nodes["solana"] = node.url
    slot = state.head() - SOLANA_PIN_DEPTH
    block = state.block(slot)
    assert block is not None
    pin = BlockPin("solana", slot, base58.decode(block.blockhash).hex())
    reserves.pins["solana"] = pin
    message = challenge.message(pin, address)
    return _Wallet(
        "solana", address.text, ["USDC"], "solana cold (SPL USDC)", rows=[("", sign_solana_offchain(seed, message))]
    )


def _declaration(
    challenge: _Challenge,
    assets: Sequence[Asset],
    reserves: DemoReserves,
    wallets: Sequence[_Wallet],
    target: Callable[[str], int],
) -> str:
    lines = [
        "# Generated by the solvent demo: wallets on local anvil nodes (Ethereum, Polygon), simulated Tron and",
        "# Solana nodes, and declared Bitcoin wallets (no Bitcoin node here).",
        f"format = {_toml(DECLARATION_FORMAT)}",
        f"exchange = {_toml(challenge.exchange)}",
        f"snapshot_id = {_toml(challenge.snapshot_id)}",
        f"assets = {_toml(','.join(f'{a.symbol}:{a.decimals}' for a in assets))}",
    ]
    for chain, pin in reserves.pins.items():
        lines += ["", f"[chains.{chain}]", f"block_height = {pin.height}", f"block_hash = {_toml(pin.hash)}"]
    contracts = [("ethereum", s, c) for s, c in reserves.tokens.items()]
    contracts += [("polygon", s, c) for s, c in reserves.polygon_tokens.items()]
    if "tron" in reserves.pins:
        contracts.append(("tron", "USDT", TRON_USDT))
    if "solana" in reserves.pins:
        contracts.append(("solana", "USDC", SOLANA_USDC))
    for chain, symbol, contract in contracts:
        lines += [
            "",
            "[[tokens]]",
            f"chain = {_toml(chain)}",
            f"asset = {_toml(symbol)}",
            f"contract = {_toml(contract)}",
            f"decimals = {TOKEN_DECIMALS}",
        ]
    for w in wallets:
        lines += [
            "",
            "[[wallets]]",
            f"chain = {_toml(w.chain)}",
            f"address = {_toml(w.address)}",
            *w.lines,
            f"assets = [{', '.join(_toml(s) for s in w.assets)}]",
            f"label = {_toml(w.label)}",
        ]
    for a in assets:
        if a.symbol in FIAT_SYMBOLS:
            lines += [
                "",
                "[[offchain]]",
                f"asset = {_toml(a.symbol)}",
                f"amount = {_toml(format_units(target(a.symbol), a.decimals))}",
                'custodian = "Demo Bank (illustrative)"',
                'note = "A bank balance: declared by the exchange, not provable by signatures or a chain."',
            ]
    return "\n".join(lines) + "\n"
