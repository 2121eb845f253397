"""Shared helpers for the foreign-format tests: where the vectors are, and tampering."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
REALWORLD = REPO / "tests" / "vectors" / "realworld"
VECTORS = Path(__file__).parent / "vectors"


def shared_realworld() -> Path | None:
    """The folder of files that may not be copied into the repository (the Bitget proof).

    ``SOLVENT_REALWORLD_DIR`` when set, else ``../shared/realworld`` beside the repository.
    """
    configured = os.environ.get("SOLVENT_REALWORLD_DIR")
    folder = Path(configured) if configured else REPO.parent / "shared" / "realworld"
    return folder if folder.is_dir() else None


def bitget_file() -> Path:
    folder = shared_realworld()
    path = folder / "bitget" / "merkel_tree_bg.json" if folder else None
    if path is None or not path.is_file():
        pytest.skip(
            "the Bitget proof has no licence and is not in the repository: set SOLVENT_REALWORLD_DIR "
            "to a folder holding bitget/merkel_tree_bg.json (or place it in ../shared/realworld)"
        )
    return path


def load(path: Path) -> Any:
    return json.loads(path.read_bytes())


def set_at(*path: Any) -> Callable[[Any], None]:
    """A change for :func:`tampered`: the last argument is the new value, the ones before it
    the keys and indexes that lead to it (``set_at("path", 3, "hash", "00")``)."""
    *keys, value = path

    def change(doc: Any) -> None:
        target = doc
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return change


def tampered(doc: Any, change: Callable[[Any], None]) -> bytes:
    """A deep copy of ``doc`` with ``change`` applied, as JSON bytes."""
    copy_ = copy.deepcopy(doc)
    change(copy_)
    return json.dumps(copy_).encode()
