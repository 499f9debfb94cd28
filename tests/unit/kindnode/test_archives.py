"""The node's image archives: every tag counted as present by kind, layers shared once."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

from floe_testing.kindnode import archives


def test_one_archive_names_every_image_first_and_stores_shared_layers_once(
    tmp_path: Path,
) -> None:
    binary = tmp_path / "tool"
    binary.write_bytes(b"\x7fELF tool")
    base = tmp_path / "base.tar"
    with tarfile.open(base, "w") as tar:
        info = tarfile.TarInfo("etc/os-release")
        info.size = 0
        tar.addfile(info)
    shared = archives.Layer(path=base)
    layer = archives.Layer(data=archives.binary_layer(binary, "usr/local/bin/tool"))
    images = [
        archives.Image(tags=["registry.k8s.io/one:v1"], layers=[shared, layer]),
        archives.Image(tags=["floe-local/two:v2"], layers=[shared], cmd=["/bin/sh"]),
    ]
    out = archives.write_archive(images, tmp_path / "images.tar")
    assert archives.archive_tags(out) == ["floe-local/two:v2", "registry.k8s.io/one:v1"]
    with tarfile.open(out) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert names[0] == "repositories"
    assert names.count(f"{shared.digest}/layer.tar") == 1
    assert [entry["RepoTags"] for entry in manifest] == [
        ["registry.k8s.io/one:v1"],
        ["floe-local/two:v2"],
    ]


def test_equal_inputs_give_equal_image_configs(tmp_path: Path) -> None:
    binary = tmp_path / "tool"
    binary.write_bytes(b"same")
    first = archives.Layer(data=archives.binary_layer(binary, "usr/local/bin/tool"))
    binary.touch()  # a new mtime changes nothing: layers carry mtime 0
    second = archives.Layer(data=archives.binary_layer(binary, "usr/local/bin/tool"))
    assert first.digest == second.digest
    image = archives.Image(tags=["a:b"], layers=[first], entrypoint=["/usr/local/bin/tool"])
    config = json.loads(image.config())
    assert config["config"]["Entrypoint"] == ["/usr/local/bin/tool"]
    assert config["rootfs"]["diff_ids"] == [f"sha256:{first.digest}"]
