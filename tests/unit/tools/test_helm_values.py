"""The one values merge has Helm's semantics: later values win, maps merge deeply, lists
are replaced whole, and a key set to null is deleted (``--set key=null``)."""

from __future__ import annotations

from floe_testing.tools.helm import merge_values


def test_maps_merge_deeply_and_later_values_win() -> None:
    base = {"dagster": {"image": {"repository": "a", "tag": "1"}, "replicas": 1}}
    override = {"dagster": {"image": {"tag": "2"}}}
    assert merge_values(base, override) == {
        "dagster": {"image": {"repository": "a", "tag": "2"}, "replicas": 1}
    }


def test_a_key_set_to_null_is_deleted_at_any_depth() -> None:
    base = {"a": 1, "b": {"c": 2, "d": 3}}
    assert merge_values(base, {"a": None, "b": {"d": None}}) == {"b": {"c": 2}}


def test_lists_and_scalars_replace_instead_of_merging() -> None:
    base = {"args": ["--one", "--two"], "map": {"k": "v"}}
    merged = merge_values(base, {"args": ["--three"], "map": "flat"})
    assert merged == {"args": ["--three"], "map": "flat"}


def test_the_inputs_are_not_changed() -> None:
    base = {"a": {"b": 1}}
    merge_values(base, {"a": {"b": None}})
    assert base == {"a": {"b": 1}}
