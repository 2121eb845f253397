"""Real contract wallets on a development chain: Safe multisigs and an ERC-1271 wallet.

The Safe contracts are not rebuilt here: their compiled artifacts come from the pinned npm
package ``@safe-global/safe-smart-account`` (tools/node, ``npm ci``), the very bytecode Safe
publishes, so the tests run the real ``getOwners()``, ``getThreshold()``, ``swapOwner`` and
``changeThreshold``.  A Safe is deployed the way Safe's own tools do it: the singleton (``Safe``,
or ``SafeL2`` for L2 chains, which only adds events), the ``SafeProxyFactory`` and the
``CompatibilityFallbackHandler`` once, then one proxy per Safe, created with
``createProxyWithNonce`` and initialised by ``setup`` in the same transaction.

Owner and threshold changes after a pinned block are made by the Safe itself: the functions
are ``authorized`` (only the Safe may call them, normally through ``execTransaction`` signed by
its owners), so the development node impersonates the Safe's address
(``anvil_impersonateAccount``) and sends the call from it.  That skips collecting the owners'
signatures, not the contract's logic: the state change is the real contract's.  The same is
done for ``contracts/Erc1271Wallet.sol``, whose owner hands the wallet to another key.

Everything runs against a local anvil (:mod:`solvent.demo.devchain`); nothing here is for a
real chain.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from solvent.demo.devchain import CompiledContract, compile_contract, node_modules, repo_root
from solvent.protocol.errors import FetchError, InputError
from solvent.reserves.sources.evm import selector
from solvent.reserves.sources.http import HttpClient

__all__ = [
    "SAFE_PACKAGE",
    "SENTINEL_OWNERS",
    "SafeFactory",
    "add_owner_with_threshold",
    "change_threshold",
    "deploy_erc1271_wallet",
    "deploy_safe",
    "deploy_safe_factory",
    "safe_artifact",
    "safe_owners",
    "set_erc1271_owner",
    "swap_owner",
]

SAFE_PACKAGE = "@safe-global/safe-smart-account"
#: Safe's owner list is a linked list from and to this address: the "previous owner" of the first owner.
SENTINEL_OWNERS = b"\0" * 19 + b"\x01"
_ZERO = b"\0" * 20
#: Where each contract's artifact lies under the package's build/artifacts/contracts.
_ARTIFACTS = {
    "Safe": "Safe.sol",
    "SafeL2": "SafeL2.sol",
    "SafeProxyFactory": "proxies/SafeProxyFactory.sol",
    "CompatibilityFallbackHandler": "handler/CompatibilityFallbackHandler.sol",
}


def safe_artifact(name: str) -> CompiledContract:
    """One compiled contract of the pinned Safe package (its ABI and creation bytecode)."""
    package = node_modules() / SAFE_PACKAGE
    if name not in _ARTIFACTS:
        raise InputError(f"no Safe artifact named {name!r}; known: {', '.join(sorted(_ARTIFACTS))}")
    try:
        version = json.loads((package / "package.json").read_text())["version"]
        path = package / "build" / "artifacts" / "contracts" / _ARTIFACTS[name] / f"{name}.json"
        artifact = json.loads(path.read_text())
    except (OSError, ValueError, KeyError) as e:
        raise InputError(f"the Safe contracts ({SAFE_PACKAGE}) are not installed: run `make install`") from e
    bytecode = str(artifact["bytecode"]).removeprefix("0x")
    return CompiledContract(artifact["abi"], bytes.fromhex(bytecode), f"{SAFE_PACKAGE}@{version}")


# -- the little ABI encoding the helpers need ---------------------------------------------------


class _Bytes(bytes):
    """A dynamic ``bytes`` argument (plain 20-byte ``bytes`` are addresses)."""


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _encode(*args: int | bytes | Sequence[bytes]) -> bytes:
    """ABI-encode uint (int), address (20 bytes), bytes (:class:`_Bytes`) and address[] (a list)."""
    heads: list[bytes] = []
    tails = b""
    for arg in args:
        if isinstance(arg, _Bytes):
            heads.append(_word(32 * len(args) + len(tails)))
            tails += _word(len(arg)) + bytes(arg).ljust((len(arg) + 31) // 32 * 32, b"\0")
        elif isinstance(arg, bytes):
            heads.append(arg.rjust(32, b"\0"))
        elif isinstance(arg, int):
            heads.append(_word(arg))
        else:
            heads.append(_word(32 * len(args) + len(tails)))
            tails += _word(len(arg)) + b"".join(a.rjust(32, b"\0") for a in arg)
    return b"".join(heads) + tails


# -- transactions -------------------------------------------------------------------------------


def _hex(raw: bytes) -> str:
    return "0x" + raw.hex()


def _send(rpc: HttpClient, sender: str, to: bytes | None, data: bytes) -> dict[str, Any]:
    tx: dict[str, Any] = {"from": sender, "data": _hex(data)}
    if to is not None:
        tx["to"] = _hex(to)
    tx_hash = rpc.rpc("eth_sendTransaction", [tx])
    deadline = time.monotonic() + 10.0
    receipt: dict[str, Any] | None = None
    while receipt is None and time.monotonic() < deadline:
        # anvil mines each transaction at once, but the receipt may lag the reply by a moment
        receipt = rpc.rpc("eth_getTransactionReceipt", [tx_hash])
    if receipt is None or receipt.get("status") != "0x1":
        raise FetchError(
            f"transaction {tx_hash} failed on the development chain", evidence={"receipt": str(receipt)[:300]}
        )
    return receipt


def _deployer(rpc: HttpClient) -> str:
    accounts = rpc.rpc("eth_accounts", [])
    if not isinstance(accounts, list) or not accounts:
        raise FetchError("the development node has no unlocked account to deploy from")
    return str(accounts[0])


def _deploy(rpc: HttpClient, contract: CompiledContract, args: bytes = b"") -> bytes:
    receipt = _send(rpc, _deployer(rpc), None, contract.bytecode + args)
    return bytes.fromhex(str(receipt["contractAddress"])[2:])


def _as(rpc: HttpClient, sender: bytes, to: bytes, data: bytes) -> None:
    """Send ``data`` to ``to`` from ``sender`` (a contract or a key we do not hold), impersonated."""
    rpc.rpc("anvil_impersonateAccount", [_hex(sender)])
    try:
        rpc.rpc("anvil_setBalance", [_hex(sender), hex(10**18)])  # gas for the call
        _send(rpc, _hex(sender), to, data)
    finally:
        rpc.rpc("anvil_stopImpersonatingAccount", [_hex(sender)])


# -- Safe -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SafeFactory:
    """The shared Safe contracts on one chain: every Safe is a proxy of ``singleton``."""

    singleton: bytes
    proxy_factory: bytes
    fallback_handler: bytes


def deploy_safe_factory(node_url: str, *, l2: bool = False) -> SafeFactory:
    """Deploy the singleton (``SafeL2`` if ``l2``), the proxy factory and the fallback handler."""
    rpc = HttpClient(node_url)
    try:
        return SafeFactory(
            singleton=_deploy(rpc, safe_artifact("SafeL2" if l2 else "Safe")),
            proxy_factory=_deploy(rpc, safe_artifact("SafeProxyFactory")),
            fallback_handler=_deploy(rpc, safe_artifact("CompatibilityFallbackHandler")),
        )
    finally:
        rpc.close()


def deploy_safe(
    node_url: str,
    owners: Sequence[bytes],
    threshold: int,
    *,
    factory: SafeFactory | None = None,
    salt: int = 0,
) -> bytes:
    """A new Safe proxy with ``owners`` (20-byte addresses) and ``threshold``: its address."""
    if factory is None:
        factory = deploy_safe_factory(node_url)
    setup = selector("setup(address[],uint256,address,bytes,address,address,uint256,address)") + _encode(
        list(owners), threshold, _ZERO, _Bytes(), factory.fallback_handler, _ZERO, 0, _ZERO
    )
    create = selector("createProxyWithNonce(address,bytes,uint256)") + _encode(factory.singleton, _Bytes(setup), salt)
    rpc = HttpClient(node_url)
    try:
        sender = _deployer(rpc)
        # The proxy's address is deterministic (CREATE2): ask for it, then create it.
        answer = rpc.rpc("eth_call", [{"from": sender, "to": _hex(factory.proxy_factory), "data": _hex(create)}])
        proxy = bytes.fromhex(str(answer)[2:])[12:32]
        _send(rpc, sender, factory.proxy_factory, create)
        if rpc.rpc("eth_getCode", [_hex(proxy), "latest"]) in ("0x", None):
            raise FetchError(f"no Safe proxy at {_hex(proxy)} after its creation")
        return proxy
    finally:
        rpc.close()


def safe_owners(node_url: str, safe: bytes) -> list[bytes]:
    """The Safe's owners now (latest block), in its linked-list order."""
    rpc = HttpClient(node_url)
    try:
        answer = rpc.rpc("eth_call", [{"to": _hex(safe), "data": _hex(selector("getOwners()"))}, "latest"])
    finally:
        rpc.close()
    raw = bytes.fromhex(str(answer)[2:])
    count = int.from_bytes(raw[32:64], "big")
    return [raw[64 + 32 * i + 12 : 96 + 32 * i] for i in range(count)]


def _as_safe(node_url: str, safe: bytes, data: bytes) -> None:
    rpc = HttpClient(node_url)
    try:
        _as(rpc, safe, safe, data)
    finally:
        rpc.close()


def swap_owner(node_url: str, safe: bytes, old: bytes, new: bytes) -> None:
    """Replace owner ``old`` by ``new`` (the Safe's own ``swapOwner``, called by the Safe)."""
    owners = safe_owners(node_url, safe)
    previous = SENTINEL_OWNERS if owners.index(old) == 0 else owners[owners.index(old) - 1]
    _as_safe(node_url, safe, selector("swapOwner(address,address,address)") + _encode(previous, old, new))


def add_owner_with_threshold(node_url: str, safe: bytes, owner: bytes, threshold: int) -> None:
    """Add ``owner`` and set the threshold (the Safe's own ``addOwnerWithThreshold``)."""
    _as_safe(node_url, safe, selector("addOwnerWithThreshold(address,uint256)") + _encode(owner, threshold))


def change_threshold(node_url: str, safe: bytes, threshold: int) -> None:
    """Set the threshold (the Safe's own ``changeThreshold``)."""
    _as_safe(node_url, safe, selector("changeThreshold(uint256)") + _encode(threshold))


# -- ERC-1271 -------------------------------------------------------------------------------------


def deploy_erc1271_wallet(node_url: str, owner: bytes) -> bytes:
    """A new ``contracts/Erc1271Wallet.sol`` owned by ``owner`` (20 bytes): its address."""
    contract = compile_contract(repo_root() / "contracts" / "Erc1271Wallet.sol", "Erc1271Wallet")
    rpc = HttpClient(node_url)
    try:
        return _deploy(rpc, contract, _encode(owner))
    finally:
        rpc.close()


def set_erc1271_owner(node_url: str, wallet: bytes, current: bytes, new: bytes) -> None:
    """The wallet's ``current`` owner hands it to ``new`` (``setOwner``, sent as the owner)."""
    rpc = HttpClient(node_url)
    try:
        _as(rpc, current, wallet, selector("setOwner(address)") + _encode(new))
    finally:
        rpc.close()
