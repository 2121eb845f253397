"""The reserves half of ``solvent demo``: a real local chain, real signatures, an attestation.

:func:`prepare_demo_reserves` starts anvil, deploys one ERC-20 per token asset
(``contracts/ReserveToken.sol``, 6 decimals like USDT/USDC), funds fresh cold wallets
to cover the given liabilities (5 % surplus, or 10 % short for one asset when
``insolvent``), pins the snapshot block, then makes **later** transfers into the same
wallets -- enough to hide the shortfall if anyone read the latest state instead of the
pinned block.  Every challenge is signed with freshly generated keys: Ethereum
(EIP-191), Bitcoin P2WPKH and P2TR (BIP-322) and P2PKH (BIP-137); Bitcoin balances are
declared (no Bitcoin node here) at mainnet block 840000.  The challenges name the
manifest signing key the snapshot will be signed with (``signing_key``), so the
attestation is ``solvent-reserves/3``, bound to that key.  Fiat (``USD``) is an
off-chain declared reserve.  The attestation is produced by the same code as
``solvent reserves attest``: the declaration and signatures are written to files and
parsed back.

The demo's USDT and USDC are its own freshly deployed contracts, which no verifier
recognises (docs/spec.md §12.8 (Verifying reserves.json (anyone))): whoever reports on the demo must pass them as
recognised tokens explicitly (:attr:`DemoReserves.token_options`, the same as
``--token ethereum:USDT=0x...``), which the demo may do because it deployed them.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from solvent.demo.devchain import Anvil, DevChain, compile_contract, repo_root
from solvent.demo.signers import (
    bitcoin_address,
    ethereum_address,
    sign_bip137,
    sign_bip322_simple,
    sign_eip191,
)
from solvent.protocol.amounts import format_units
from solvent.protocol.assets import Asset
from solvent.protocol.errors import InputError
from solvent.reserves.attest import attest, parse_signatures
from solvent.reserves.chains import CHAINS, Address, eip55
from solvent.reserves.challenge import challenge_message
from solvent.reserves.declaration import DECLARATION_FORMAT, parse_declaration
from solvent.reserves.pinned_block import BlockPin
from solvent.reserves.sources.evm import EvmRpcSource

__all__ = ["BITCOIN_DEMO_PIN", "FIAT_SYMBOLS", "DemoReserves", "prepare_demo_reserves"]

#: Bitcoin mainnet block 840000 (the fourth halving), for the declared Bitcoin balances.
BITCOIN_DEMO_PIN = BlockPin("bitcoin", 840000, "0000000000000000000320283a032748cef8227873ff4872689bf23f1cda83a5")
FIAT_SYMBOLS = frozenset({"USD", "EUR", "GBP", "JPY", "CHF"})
TOKEN_DECIMALS = 6


@dataclass
class DemoReserves:
    reserves_json: Path
    declaration: Path
    signatures: Path
    rpc_url: str
    anvil: Anvil
    pin: BlockPin
    #: The asset that was funded short (insolvent variant), else None.
    short_asset: str | None
    #: symbol -> the demo's own token contract (EIP-55), deployed on the local node.
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def token_options(self) -> list[str]:
        """``--token`` values recognising the demo's contracts (only the demo may: it deployed them)."""
        return [f"ethereum:{symbol}={contract}" for symbol, contract in sorted(self.tokens.items())]

    def stop(self) -> None:
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
    """Run the whole reserves side on a fresh anvil; the caller must ``stop()`` the result.

    ``signing_key``: the public key (64 hex) the snapshot will be signed with; every
    challenge names it.  None writes the older ``solvent-reserves/2`` file, whose
    signatures are not bound to a key (for fixtures whose snapshot key is made later);
    :func:`solvent.demo.run.run_demo` always gives it.
    """
    asset_list = tuple(assets)
    workdir.mkdir(parents=True, exist_ok=True)
    short = _choose_short(asset_list, liabilities) if insolvent else None

    def target(symbol: str) -> int:
        liab = liabilities.get(symbol, 0)
        return liab - liab // 10 - 1 if symbol == short else liab + liab // 20

    anvil = Anvil()
    try:
        chain = DevChain(anvil.url)
        token = compile_contract(repo_root() / "contracts" / "ReserveToken.sol", "ReserveToken")
        eth_keys = [secrets.token_bytes(32) for _ in range(2)]
        eth_wallets = [ethereum_address(k) for k in eth_keys]
        tokens: dict[str, bytes] = {}
        plan: list[tuple[str, int]] = []  # (symbol, chain units) funded at the pin
        for a in asset_list:
            if a.symbol in FIAT_SYMBOLS or a.symbol == "BTC":
                continue
            if a.symbol == "ETH":
                plan.append(("ETH", _chain_units(target("ETH"), a.decimals, 18)))
                continue
            units = _chain_units(target(a.symbol), a.decimals, TOKEN_DECIMALS)
            tokens[a.symbol] = chain.deploy(token, f"Demo {a.symbol}", a.symbol, TOKEN_DECIMALS, 4 * units + 10**6)
            plan.append((a.symbol, units))

        def fund(scale_num: int, scale_den: int) -> None:
            for symbol, units in plan:
                amount = units * scale_num // scale_den
                first = amount * 3 // 5
                for wallet, part in zip(eth_wallets, (first, amount - first), strict=True):
                    if symbol == "ETH":
                        chain.send_eth(wallet.key, part)
                    else:
                        chain.transfer_token(tokens[symbol], wallet.key, part)

        fund(1, 1)
        height, block_hash = chain.head()
        pin = BlockPin("ethereum", height, block_hash)
        fund(1, 2)  # later transfers: the latest state would overstate (and hide a shortfall)
        chain.close()

        btc_keys = {kind: secrets.token_bytes(32) for kind in ("p2wpkh", "p2tr", "p2pkh")}
        btc_wallets = {kind: bitcoin_address(k, kind) for kind, k in btc_keys.items()}
        decl = _declaration(
            exchange=exchange,
            snapshot_id=snapshot_id,
            assets=asset_list,
            pin=pin,
            tokens=tokens,
            eth_wallets=eth_wallets,
            btc_wallets=btc_wallets,
            target=target,
            has_btc="BTC" in {a.symbol for a in asset_list},
        )
        signatures = ["chain,address,signature"]
        for key, wallet in zip(eth_keys, eth_wallets, strict=True):
            signatures.append(
                f"ethereum,{wallet.text},"
                + sign_eip191(key, challenge_message(exchange, snapshot_id, pin, wallet, signing_key=signing_key))
            )
        for kind, wallet in btc_wallets.items():
            message = challenge_message(exchange, snapshot_id, BITCOIN_DEMO_PIN, wallet, signing_key=signing_key)
            sig = (
                sign_bip137(btc_keys[kind], message)
                if kind == "p2pkh"
                else sign_bip322_simple(btc_keys[kind], wallet, message)
            )
            signatures.append(f"bitcoin,{wallet.text},{sig}")
        decl_path = workdir / "reserves.toml"
        sig_path = workdir / "signatures.csv"
        decl_path.write_text(decl, encoding="utf-8")
        sig_path.write_text("\n".join(signatures) + "\n", encoding="utf-8")

        source = EvmRpcSource("ethereum", anvil.url)
        try:
            attestation = attest(
                parse_declaration(decl_path.read_bytes(), str(decl_path)),
                parse_signatures(sig_path.read_bytes(), str(sig_path)),
                {"ethereum": source},
                signing_key=signing_key,
            )
        finally:
            source.close()
        out = workdir / "reserves.json"
        out.write_bytes(attestation.to_json())
        contracts = {symbol: eip55(address) for symbol, address in tokens.items()}
        return DemoReserves(out, decl_path, sig_path, anvil.url, anvil, pin, short, contracts)
    except BaseException:
        anvil.stop()
        raise


def _declaration(
    *,
    exchange: str,
    snapshot_id: str,
    assets: Sequence[Asset],
    pin: BlockPin,
    tokens: Mapping[str, bytes],
    eth_wallets: Sequence[Address],
    btc_wallets: Mapping[str, Address],
    target: Callable[[str], int],
    has_btc: bool,
) -> str:
    lines = [
        "# Generated by the solvent demo: cold wallets on a local anvil chain and declared Bitcoin wallets.",
        f"format = {_toml(DECLARATION_FORMAT)}",
        f"exchange = {_toml(exchange)}",
        f"snapshot_id = {_toml(snapshot_id)}",
        f"assets = {_toml(','.join(f'{a.symbol}:{a.decimals}' for a in assets))}",
        "",
        "[chains.ethereum]",
        f"block_height = {pin.height}",
        f"block_hash = {_toml(pin.hash)}",
    ]
    if has_btc:
        lines += [
            "",
            "[chains.bitcoin]",
            f"block_height = {BITCOIN_DEMO_PIN.height}",
            f"block_hash = {_toml(BITCOIN_DEMO_PIN.hash)}",
        ]
    for symbol, address in tokens.items():
        lines += [
            "",
            "[[tokens]]",
            'chain = "ethereum"',
            f"asset = {_toml(symbol)}",
            f"contract = {_toml(eip55(address))}",
            f"decimals = {TOKEN_DECIMALS}",
        ]
    eth_assets = [a.symbol for a in assets if a.symbol == "ETH" or a.symbol in tokens]
    for i, wallet in enumerate(eth_wallets):
        lines += [
            "",
            "[[wallets]]",
            'chain = "ethereum"',
            f"address = {_toml(wallet.text)}",
            f"assets = [{', '.join(_toml(s) for s in eth_assets)}]",
            f'label = "ethereum cold {i + 1}"',
        ]
    if has_btc:
        btc = next(a for a in assets if a.symbol == "BTC")
        total = _chain_units(target("BTC"), btc.decimals, CHAINS["bitcoin"].native_decimals)
        parts = [total // 2, total // 3, total - total // 2 - total // 3]
        for (kind, wallet), part in zip(btc_wallets.items(), parts, strict=True):
            lines += [
                "",
                "[[wallets]]",
                'chain = "bitcoin"',
                f"address = {_toml(wallet.text)}",
                'assets = ["BTC"]',
                f'declared = {{ BTC = "{format_units(part, 8)}" }}',
                f'label = "bitcoin cold ({kind})"',
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
