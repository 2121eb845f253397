"""Run a snippet against the browser's protocol modules under node (as the page imports them)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

JS = Path(__file__).parents[2] / "src" / "solvent" / "protocol" / "js"


def run_node(tmp_path: Path, body: str, data: dict[str, Any]) -> Any:
    """``body`` (an async function body using ``v2``, ``versions``, ``hasher`` and ``data``) -> its JSON result."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    mods = tmp_path / "js"
    shutil.copytree(JS, mods)
    (mods / "package.json").write_text('{"type": "module"}')
    (mods / "data.json").write_text(json.dumps(data))
    (mods / "main.js").write_text(
        'import { readFileSync } from "node:fs";\n'
        'import { getHasher } from "./hash.js";\n'
        'import * as v2 from "./v2.js";\n'
        'import * as versions from "./versions.js";\n'
        'const data = JSON.parse(readFileSync(new URL("./data.json", import.meta.url)));\n'
        'const hasher = await getHasher("webcrypto");\n'
        f"const out = await (async () => {{ {body} }})();\n"
        "console.log(JSON.stringify(out, (k, v) => (typeof v === 'bigint' ? v.toString() : v)));\n"
    )
    done = subprocess.run([node, str(mods / "main.js")], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout)
