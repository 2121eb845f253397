"""The native extension is built and picked, and solvent still works without it."""

from __future__ import annotations

import importlib
import os
import sys

import pytest

import solvent.tree
from solvent.protocol.errors import InputError
from solvent.tree.bulk_hash import available_backends, get_hasher


def test_native_extension_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    """CI must not hash with the slow fallback without anyone noticing."""
    try:
        from solvent.tree import native
    except ImportError as e:
        if os.environ.get("SOLVENT_ALLOW_NO_NATIVE") == "1":
            pytest.skip(f"native extension not built ({e}); accepted because SOLVENT_ALLOW_NO_NATIVE=1")
        pytest.fail(
            f"the native hashing extension is not built ({e}): run `make install` (it needs a C compiler and "
            "OpenSSL's headers), or set SOLVENT_ALLOW_NO_NATIVE=1 to accept the hashlib fallback"
        )
    monkeypatch.delenv("SOLVENT_HASHER", raising=False)
    assert available_backends() == ["native", "hashlib"]
    hasher = get_hasher()
    assert isinstance(hasher, native.NativeHasher)
    assert native.openssl_version().startswith("OpenSSL ")


def test_falls_back_to_hashlib_without_the_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes the import of the compiled module raise
    # ImportError, exactly as when setup.py could not build it.
    monkeypatch.setitem(sys.modules, "solvent.tree._sha256x", None)
    monkeypatch.delitem(sys.modules, "solvent.tree.native", raising=False)
    monkeypatch.delattr(solvent.tree, "_sha256x", raising=False)
    monkeypatch.delattr(solvent.tree, "native", raising=False)
    monkeypatch.delenv("SOLVENT_HASHER", raising=False)
    with pytest.raises(ImportError):
        importlib.import_module("solvent.tree.native")
    assert available_backends() == ["hashlib"]
    assert get_hasher().name == "hashlib"
    assert get_hasher("hashlib").name == "hashlib"


# ---------------------------------------------------------------- SOLVENT_HASHER and --hasher


@pytest.mark.parametrize("value", ["nope", "NATIVE", "md5", "native,hashlib", "hash\u200blib"])
def test_a_bad_hasher_environment_is_an_input_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SOLVENT_HASHER", value)
    accepted = ", ".join(available_backends())
    with pytest.raises(InputError, match=f"^SOLVENT_HASHER: unknown hash backend .*; accepted: {accepted}$") as caught:
        get_hasher()
    assert caught.value.evidence == {"source": "SOLVENT_HASHER", "value": value, "accepted": accepted}


def test_a_bad_hasher_option_is_named_as_the_option(monkeypatch: pytest.MonkeyPatch) -> None:
    """An explicit name wins over the variable, and the error says where the bad name came from."""
    monkeypatch.setenv("SOLVENT_HASHER", "hashlib")
    with pytest.raises(InputError, match=r"^--hasher: unknown hash backend 'sha1'"):
        get_hasher("sha1")
    monkeypatch.setenv("SOLVENT_HASHER", "nope")
    assert get_hasher("hashlib").name == "hashlib"


@pytest.mark.parametrize(("value", "backend"), [("hashlib", "hashlib"), (" hashlib ", "hashlib"), ("", None)])
def test_good_hasher_environment_values(monkeypatch: pytest.MonkeyPatch, value: str, backend: str | None) -> None:
    monkeypatch.setenv("SOLVENT_HASHER", value)
    assert get_hasher().name == (backend or available_backends()[0])


def test_native_asked_for_but_not_built_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "solvent.tree._sha256x", None)
    monkeypatch.delitem(sys.modules, "solvent.tree.native", raising=False)
    monkeypatch.delattr(solvent.tree, "_sha256x", raising=False)
    monkeypatch.delattr(solvent.tree, "native", raising=False)
    monkeypatch.setenv("SOLVENT_HASHER", "native")
    message = "SOLVENT_HASHER=native: the native hash backend is not built here; accepted: hashlib"
    with pytest.raises(InputError, match=f"^{message}$"):
        get_hasher()
