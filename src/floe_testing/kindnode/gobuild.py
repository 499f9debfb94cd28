"""The Go programs Kind needs here, built from the Go module proxy and cached by version
(the same wrapper-module machinery as ``k8slocal.build``, under the same cache root):

* ``kind`` (``sigs.k8s.io/kind``): the CLI itself, when it is not on PATH;
* ``kubeadm``: from the same Kubernetes wrapper module as the cluster's other binaries;
* ``local-path-provisioner`` (Rancher's): the node image's storage provisioner, built by
  ``k8slocal.build`` (k8s-local's storage add-on runs the same binary, from the same cache);
* ``crictl`` (``sigs.k8s.io/cri-tools``): ``kind load`` asks it which images the node has;
* ``coredns``: CoreDNS with the plugins kubeadm's Corefile names (``go/coredns/main.go``).
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from floe_testing.config import pins
from floe_testing.k8slocal import build as gobuild
from floe_testing.k8slocal.layout import REPO, Layout, Versions

GO_SOURCES = Path(__file__).resolve().parent / "go"
KIND_BINARY = "kind"  # built here; only tools/kind.py runs it


@dataclass(frozen=True)
class KindVersions:
    kind: str
    local_path_provisioner: str
    cri_tools: str
    node_image_repo: str
    k8s: Versions

    @classmethod
    def pinned(cls) -> KindVersions:
        values = pins.load(REPO)
        return cls(
            kind=values["KIND_VERSION"],
            local_path_provisioner=values["LOCAL_PATH_PROVISIONER_VERSION"],
            cri_tools=values["CRI_TOOLS_VERSION"],
            node_image_repo=values["LOCAL_KIND_NODE_IMAGE"],
            k8s=Versions.from_pins(values),
        )


def _prepare_coredns(component: gobuild.GoComponent, src: Path, go: Callable[..., None]) -> None:
    (src / "go.mod").write_text("module floe.local/kind-node/coredns\n\ngo 1.24.0\n")
    shutil.copyfile(GO_SOURCES / "coredns" / "main.go", src / "main.go")
    go("get", f"github.com/coredns/coredns@{component.version.split('-')[0]}")
    go("mod", "tidy")


def coredns_version(versions: KindVersions) -> str:
    """The pinned CoreDNS plus a hash of our main package (its plugin set)."""
    digest = hashlib.sha256((GO_SOURCES / "coredns" / "main.go").read_bytes()).hexdigest()
    return f"{versions.k8s.coredns}-kind-{digest[:12]}"


def kind_cli(versions: KindVersions) -> gobuild.GoComponent:
    return gobuild.GoComponent(
        thing="kind",
        version=versions.kind,
        packages=("sigs.k8s.io/kind",),
        outputs=(KIND_BINARY,),
        prepare=gobuild._prepare_tool("sigs.k8s.io/kind"),
    )


def components(versions: KindVersions) -> list[gobuild.GoComponent]:
    """What the node image needs besides k8s-local's build (kubelet, kubectl, servers, etcd,
    kube-router, node-tools' pause, local-path-provisioner)."""
    kube = versions.k8s.kubernetes
    return [
        gobuild.GoComponent(
            thing="kubeadm",
            version=kube,
            packages=("k8s.io/kubernetes/cmd/kubeadm",),
            outputs=("kubeadm",),
            ldflags=gobuild._kube_ldflags(kube),
            tags="selinux,notest,grpcnotrace,providerless",
            prepare=gobuild._prepare_kubernetes,
        ),
        gobuild.GoComponent(
            thing="cri-tools",
            version=versions.cri_tools,
            packages=("sigs.k8s.io/cri-tools/cmd/crictl",),
            outputs=("crictl",),
            ldflags="-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=" + versions.cri_tools,
            prepare=gobuild._prepare_tool("sigs.k8s.io/cri-tools"),
        ),
        gobuild.GoComponent(
            thing="coredns",
            version=coredns_version(versions),
            packages=(".",),
            outputs=("coredns",),
            prepare=_prepare_coredns,
        ),
    ]


def ensure_kind_cli(log: Callable[[str], None], layout: Layout | None = None) -> Path:
    """The kind binary of the pinned version, built once into the cache."""
    layout = layout or Layout.from_env()
    component = kind_cli(KindVersions.pinned())
    gobuild.build(layout, component, log)
    return gobuild.bin_dir(layout, component) / KIND_BINARY


# k8s-local's own add-ons, which the node image does not carry (it has its own CoreDNS build)
K8S_LOCAL_ONLY = frozenset({"coredns", "metrics-server"})


def build_all(
    versions: KindVersions,
    log: Callable[[str], None],
    layout: Layout | None = None,
    *,
    node_only: bool = False,
) -> dict[str, Path]:
    """k8s-local's binaries and ours, built or found in the cache: name -> path. With
    ``node_only``, what the node image needs (k8s-local's add-ons left out), so a cold machine
    gets to Kind sooner."""
    layout = layout or Layout.from_env()
    leave_out = K8S_LOCAL_ONLY if node_only else frozenset()
    paths = gobuild.build_all(layout, versions.k8s, log, leave_out)
    for component in components(versions):
        gobuild.build(layout, component, log)
        for output in component.outputs:
            key = "coredns-kind" if component.thing == "coredns" else output
            paths[key] = gobuild.bin_dir(layout, component) / output
    return paths


if __name__ == "__main__":  # python -m floe_testing.kindnode.gobuild [kind|node|all]
    say = lambda message: print(message, file=sys.stderr)  # noqa: E731
    if sys.argv[1:] == [KIND_BINARY]:
        print(ensure_kind_cli(say))
    else:
        built = build_all(KindVersions.pinned(), say, node_only=sys.argv[1:] == ["node"])
        for name, path in sorted(built.items()):
            print(f"{name}={path}")
