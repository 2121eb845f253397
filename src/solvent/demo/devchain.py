"""A local Ethereum development chain for the demo and the tests: anvil + solc-js.

The pinned Node tools live in ``tools/node`` (``npm ci`` from the Makefile's install
step): anvil's binary comes from its platform package ``@foundry-rs/anvil-linux-amd64``
(the package the ``@foundry-rs/anvil`` wrapper would pick on this platform; the wrapper
itself is not used, since the registry here serves no other platform's package and
``npm ci`` needs them all in the lock) and is run directly; on another platform,
``anvil`` on the PATH or ``SOLVENT_ANVIL`` is used.  The ERC-20
token in ``contracts/ReserveToken.sol`` is compiled by solc-js at run time, so no
opaque bytecode is committed.  ``SOLVENT_ANVIL`` and ``SOLVENT_NODE_TOOLS`` override
the locations.

:class:`Anvil` starts the node on a free loopback port, polls it until it answers
(bounded deadline, no fixed sleep) and always terminates it: use it as a context
manager or call :meth:`Anvil.stop`.  It runs with Ethereum mainnet's chain id (1) by
default, because the demo and the tests pin the chain "ethereum" on it and the EVM
source refuses a node whose ``eth_chainId`` is not that chain's; the node listens on
127.0.0.1 only and nothing signed on it leaves the machine.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import platform
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from solvent.protocol.errors import FetchError, InputError
from solvent.reserves.sources.evm import selector
from solvent.reserves.sources.http import HttpClient

__all__ = ["Anvil", "CompiledContract", "DevChain", "compile_contract", "find_anvil", "node_modules", "repo_root"]

STARTUP_DEADLINE = 20.0


NODE_TOOLS_VARIABLE = "SOLVENT_NODE_TOOLS"
ANVIL_VARIABLE = "SOLVENT_ANVIL"


def _node_tools_override() -> Path | None:
    """``SOLVENT_NODE_TOOLS``: a ``tools/node`` directory of a solvent source tree, or unset."""
    raw = os.environ.get(NODE_TOOLS_VARIABLE, "")
    if not raw:
        return None
    try:
        path: Path | None = Path(raw).resolve()
    except (OSError, RuntimeError):  # a symlink loop, a path the system cannot examine
        path = None
    # os.path.isfile answers False (never raises) for a path it cannot examine.
    if path is None or len(path.parents) < 2 or not os.path.isfile(path / "package.json"):
        raise InputError(
            f"{NODE_TOOLS_VARIABLE}={raw!r}: not a tools/node directory (one holding package.json, inside a "
            f"solvent source tree); set {NODE_TOOLS_VARIABLE} to one, or unset it",
            evidence={"variable": NODE_TOOLS_VARIABLE, "value": raw},
        )
    return path


def repo_root() -> Path:
    """The source tree this package runs from (it holds tools/node and contracts/)."""
    override = _node_tools_override()
    if override is not None:
        return override.parents[1]
    for parent in Path(__file__).resolve().parents:
        if (parent / "tools" / "node" / "package.json").is_file():
            return parent
    raise InputError("cannot find tools/node: run solvent from its source tree (make install)")


def _node_modules() -> Path:
    override = _node_tools_override()
    base = override if override is not None else repo_root() / "tools" / "node"
    return base / "node_modules"


def node_modules() -> Path:
    """The pinned Node packages (tools/node/node_modules, or under ``SOLVENT_NODE_TOOLS``)."""
    return _node_modules()


def find_anvil() -> Path:
    override = os.environ.get(ANVIL_VARIABLE, "")
    if override:
        if not (os.path.isfile(override) and os.access(override, os.X_OK)):
            raise InputError(
                f"{ANVIL_VARIABLE}={override!r}: not an executable file; set {ANVIL_VARIABLE} to the anvil "
                "binary, or unset it to use the pinned one from tools/node",
                evidence={"variable": ANVIL_VARIABLE, "value": override},
            )
        return Path(override)
    system = {"Linux": "linux", "Darwin": "darwin", "Windows": "win32"}.get(platform.system(), "")
    cpu = {"x86_64": "amd64", "AMD64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine(), "")
    candidate = _node_modules() / "@foundry-rs" / f"anvil-{system}-{cpu}" / "bin" / "anvil"
    if candidate.is_file():
        return candidate
    found = shutil.which("anvil")
    if found:
        return Path(found)
    raise InputError(f"anvil not found at {candidate}: run `make install` (npm ci in tools/node)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Anvil:
    """A running anvil node on 127.0.0.1.  ``url`` is its JSON-RPC endpoint."""

    def __init__(self, *, accounts: int = 2, balance_eth: int = 10**9, chain_id: int = 1) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = [
            str(find_anvil()),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--accounts",
            str(accounts),
            "--balance",
            str(balance_eth),
            "--chain-id",
            str(chain_id),
            "--silent",
        ]
        self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_DEADLINE
        payload = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                err = (self._proc.stderr.read() if self._proc.stderr else b"").decode("utf-8", "replace")
                raise FetchError(f"anvil exited with code {self._proc.returncode}: {err[:500]}")
            try:
                if httpx.post(self.url, json=payload, timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            with contextlib.suppress(subprocess.TimeoutExpired):  # a short wait that ends early if it dies
                self._proc.wait(timeout=0.05)
        raise FetchError(f"anvil did not answer on {self.url} within {STARTUP_DEADLINE:.0f} s")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        if proc.stderr:
            proc.stderr.close()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> Anvil:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(frozen=True)
class CompiledContract:
    abi: list[Any]
    bytecode: bytes
    compiler: str


def compile_contract(source: Path, name: str) -> CompiledContract:
    """Compile ``source`` with the pinned solc-js (tools/node/compile.cjs), once per process and content."""
    return _compile(source.resolve(), source.read_bytes(), name)


@functools.lru_cache(maxsize=8)
def _compile(source: Path, content: bytes, name: str) -> CompiledContract:
    node = shutil.which("node")
    if node is None:
        raise InputError("node (Node.js) is not installed; it runs the pinned solc-js compiler")
    script = repo_root() / "tools" / "node" / "compile.cjs"
    env = {**os.environ, "NODE_PATH": str(_node_modules())}
    proc = subprocess.run([node, str(script), str(source)], capture_output=True, env=env, timeout=120, check=False)
    if proc.returncode != 0:
        raise InputError(f"solc failed on {source}: {proc.stderr.decode('utf-8', 'replace')[:1000]}")
    out = json.loads(proc.stdout)
    return CompiledContract(out[name]["abi"], bytes.fromhex(out[name]["bytecode"]), out["compiler"])


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def encode_args(*args: int | str | bytes) -> bytes:
    """ABI-encode the few argument types the demo needs: uint (int), address (20 bytes), string."""
    heads, tails = [], b""
    offset = 32 * len(args)
    for arg in args:
        if isinstance(arg, str):
            data = arg.encode("utf-8")
            heads.append(_word(offset + len(tails)))
            tails += _word(len(data)) + data.ljust((len(data) + 31) // 32 * 32, b"\0")
        elif isinstance(arg, bytes):
            heads.append(arg.rjust(32, b"\0"))
        else:
            heads.append(_word(arg))
    return b"".join(heads) + tails


class DevChain:
    """Transactions on a development node from its unlocked accounts (anvil's defaults)."""

    def __init__(self, url: str) -> None:
        self.rpc = HttpClient(url)
        self.accounts: list[str] = self.rpc.rpc("eth_accounts", [])

    def close(self) -> None:
        self.rpc.close()

    def _send(self, tx: dict[str, Any]) -> dict[str, Any]:
        tx_hash = self.rpc.rpc("eth_sendTransaction", [tx])
        deadline = time.monotonic() + 10.0
        receipt: dict[str, Any] | None = None
        while receipt is None and time.monotonic() < deadline:
            # anvil mines each transaction at once, but the receipt may lag the reply by a moment
            receipt = self.rpc.rpc("eth_getTransactionReceipt", [tx_hash])
        if receipt is None or receipt.get("status") != "0x1":
            raise FetchError(
                f"transaction {tx_hash} failed on the development chain", evidence={"receipt": str(receipt)[:300]}
            )
        return receipt

    def deploy(self, contract: CompiledContract, *args: int | str | bytes) -> bytes:
        receipt = self._send({"from": self.accounts[0], "data": "0x" + (contract.bytecode + encode_args(*args)).hex()})
        return bytes.fromhex(receipt["contractAddress"][2:])

    def send_eth(self, to: bytes, wei: int) -> None:
        self._send({"from": self.accounts[0], "to": "0x" + to.hex(), "value": hex(wei)})

    def transfer_token(self, token: bytes, to: bytes, amount: int) -> None:
        data = selector("transfer(address,uint256)") + encode_args(to, amount)
        self._send({"from": self.accounts[0], "to": "0x" + token.hex(), "data": "0x" + data.hex()})

    def head(self) -> tuple[int, str]:
        block = self.rpc.rpc("eth_getBlockByNumber", ["latest", False])
        return int(block["number"], 16), str(block["hash"])[2:]
