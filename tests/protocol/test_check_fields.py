"""check_fields: exact field sets for solvent's own formats, optional keys for other exchanges' files."""

from __future__ import annotations

import pytest

from solvent.protocol.errors import FormatError
from solvent.protocol.strictjson import check_fields


def test_exact_fields_pass_and_come_back_unchanged() -> None:
    obj = {"a": 1, "b": 2}
    assert check_fields(obj, {"a", "b"}, "x") is obj


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ({"a": 1}, "x: missing b"),
        ({"a": 1, "b": 2, "c": 3}, "x: unknown c"),
        ({"a": 1, "c": 3, "d": 4}, "x: missing b; unknown c, d"),
    ],
)
def test_missing_and_unknown_fields_are_named(obj: dict[str, int], message: str) -> None:
    with pytest.raises(FormatError) as e:
        check_fields(obj, {"a", "b"}, "x")
    assert str(e.value) == message
    assert e.value.code == "fields" and e.value.evidence == {"field": "x"}


def test_a_hostile_number_of_unknown_fields_is_named_within_bounds() -> None:
    """Thousands of unknown keys, or a long one, never make the message as long as the file."""
    obj = {"a": 1, "b": 2, **{f"k{i:05}": 0 for i in range(50_000)}, "z" * 5000: 0}
    with pytest.raises(FormatError) as e:
        check_fields(obj, {"a", "b"}, "x")
    assert str(e.value) == "x: unknown k00000, k00001, k00002, k00003, k00004, k00005, and 49995 more"
    with pytest.raises(FormatError) as e:
        check_fields({"a": 1, "b": 2, "z" * 5000: 0}, {"a", "b"}, "x")
    assert str(e.value) == "x: unknown " + "z" * 40 + "..."


@pytest.mark.parametrize("value", [[], "a", 1, None, True])
def test_a_non_object_is_a_type_error(value: object) -> None:
    with pytest.raises(FormatError) as e:
        check_fields(value, {"a"}, "x.y")
    assert str(e.value) == f"x.y: expected an object, got {type(value).__name__}"
    assert e.value.code == "type" and e.value.evidence == {"field": "x.y"}


@pytest.mark.parametrize("obj", [{"a": 1}, {"a": 1, "o": 2}, {"a": 1, "o": 2, "p": 3}])
def test_optional_fields_may_be_present_or_absent(obj: dict[str, int]) -> None:
    assert check_fields(obj, ("a",), "x", optional=("o", "p")) is obj


def test_optional_fields_do_not_excuse_a_missing_required_one_or_an_unknown_one() -> None:
    with pytest.raises(FormatError) as e:
        check_fields({"o": 1, "z": 2}, {"a"}, "x", optional={"o"})
    assert str(e.value) == "x: missing a; unknown z" and e.value.code == "fields"


def test_a_field_both_required_and_optional_is_required() -> None:
    """OKX's leaf requires the nonce that other nodes may carry: the same name in both lists."""
    with pytest.raises(FormatError, match="missing nonce"):
        check_fields({"hash": "h"}, {"hash", "nonce"}, "self", optional={"auditId", "nonce"})
    check_fields({"hash": "h", "nonce": "n"}, {"hash", "nonce"}, "self", optional={"auditId", "nonce"})
