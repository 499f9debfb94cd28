"""The wrapper modules' inputs: staging replaces read from the release, pins, cache stamps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from floe_testing.k8slocal.build import (
    BuildError,
    components,
    is_built,
    staging_replaces,
)
from floe_testing.k8slocal.layout import Layout, Versions

UPSTREAM_MOD = """module k8s.io/kubernetes

go 1.24.0

require (
	k8s.io/api v0.0.0
	github.com/spf13/cobra v1.9.1
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/client-go => ./staging/src/k8s.io/client-go
	github.com/somewhere/else => github.com/fork/else v1.0.0
)
"""


def test_every_staging_module_is_replaced_by_its_published_tag() -> None:
    assert staging_replaces(UPSTREAM_MOD, "v1.34.4") == {
        "k8s.io/api": "v0.34.4",
        "k8s.io/client-go": "v0.34.4",
    }


def test_a_release_without_staging_replaces_is_refused() -> None:
    with pytest.raises(BuildError, match="no staging replaces"):
        staging_replaces("module k8s.io/kubernetes\n", "v1.34.4")


def test_the_repository_pins_name_every_component() -> None:
    versions = Versions.pinned()
    things = {c.thing: c for c in components(versions)}
    assert set(things) == {
        *("k8s", "etcd", "kube-router", "coredns", "metrics-server", "node-tools"),
        *("local-path-provisioner", "volume-helper"),
    }
    assert things["local-path-provisioner"].version == versions.local_path_provisioner
    kube = things["k8s"]
    assert f"-X k8s.io/component-base/version.gitVersion={versions.kubernetes}" in kube.ldflags
    assert kube.tags == "selinux,notest,grpcnotrace,providerless"


def test_a_build_counts_only_when_its_stamp_matches_and_binaries_exist(tmp_path: Path) -> None:
    layout = Layout(cache=tmp_path, state=tmp_path / "state", run=tmp_path / "run")
    etcd = next(c for c in components(Versions.pinned()) if c.thing == "etcd")
    root = layout.build_dir("etcd", etcd.version)
    (root / "bin").mkdir(parents=True)
    assert not is_built(layout, etcd)
    (root / "bin" / "etcd").write_text("")
    (root / "build.json").write_text(json.dumps({"key": etcd.key(), "seconds": 1}))
    assert is_built(layout, etcd)
    (root / "build.json").write_text(json.dumps({"key": {"ldflags": "other"}, "seconds": 1}))
    assert not is_built(layout, etcd)


def test_the_provisioner_is_the_kind_node_images_build_so_one_cache_serves_both() -> None:
    """Same thing, version and key: a kind node image built earlier left it in the cache."""
    from floe_testing.kindnode import gobuild

    versions = Versions.pinned()
    ours = next(c for c in components(versions) if c.thing == "local-path-provisioner")
    kind = gobuild.KindVersions.pinned()
    assert kind.local_path_provisioner == ours.version
    assert "local-path-provisioner" not in {c.thing for c in gobuild.components(kind)}
