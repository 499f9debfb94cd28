"""The kind node image, built here: our own Debian base, then kind's own assembly.

1. **Base image** ``floe-local/kind-base:<hash>``: the ``node`` Debian rootfs
   (``rootfs.py``) imported, plus this project's node files (``node/``: entrypoint, kubelet
   unit, containerd drop-in and config, the ``ctr`` front, sysctls), systemd units enabled
   and the console gettys masked.
2. **Server tarball** ``kubernetes-server-linux-amd64.tar.gz`` in the layout kind's
   ``--type file`` reads: kubeadm, kubelet and kubectl, and the ``kube-*.tar`` image archives
   (``archives.py``); the API server's archive also carries etcd, CoreDNS, pause, kube-router,
   the storage provisioner and the helper image, so nothing is fetched from a registry.
3. ``kind build node-image --type file TARBALL --base-image BASE``: kind installs the
   binaries, loads the images into the node's containerd and commits.
4. A last layer replaces kind's default CNI and storage manifests with ours
   (``node/manifests``): kube-router enforcing NetworkPolicies, local-path-provisioner.

The result is tagged ``<LOCAL_KIND_NODE_IMAGE>:<kubernetes>-<hash of every input>``; when
that image exists nothing is done (a warm build takes seconds).
"""

from __future__ import annotations

import json
import re
import shutil
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from floe_testing.config import pins as pin_file
from floe_testing.core.cache import cache_dir, content_key
from floe_testing.core.errors import InfrastructureError
from floe_testing.k8slocal.build import GO
from floe_testing.k8slocal.layout import REPO
from floe_testing.kindnode import archives, gobuild, rootfs
from floe_testing.tools.command import Tool
from floe_testing.tools.docker import ContainerEngine
from floe_testing.tools.kind import KindCli

RECIPE = "2"  # bump when the assembly changes in a way the inputs below do not show
NODE_FILES = Path(__file__).resolve().parent / "node"
BUILD_TIMEOUT = 1800.0
IMPORT_TIMEOUT = 600.0
KIND_CONSTANTS = {
    "kindnetdImage": "pkg/build/nodeimage/const_cni.go",
    "storageProvisionerImage": "pkg/build/nodeimage/const_storage.go",
    "storageHelperImage": "pkg/build/nodeimage/const_storage.go",
}
LABEL = "org.floe-test.kind-node"

Say = Callable[[str], None]


@dataclass(frozen=True)
class NodeImage:
    ref: str
    built: bool
    seconds: float


class FileDigests:
    """sha256 of files, remembered by (path, size, mtime) so a warm build hashes nothing."""

    def __init__(self, store: Path) -> None:
        self.store = store
        try:
            self.known: dict[str, str] = json.loads(store.read_text())
        except (OSError, ValueError):
            self.known = {}

    def __call__(self, path: Path) -> str:
        stat = path.stat()
        key = f"{path}:{stat.st_size}:{stat.st_mtime_ns}"
        if key not in self.known:
            self.known[key] = archives._sha256_file(path)
        return self.known[key]

    def save(self) -> None:
        self.store.parent.mkdir(parents=True, exist_ok=True)
        self.store.write_text(json.dumps(self.known, indent=0, sort_keys=True))


def kind_default_images(go_root: Path, version: str) -> list[str]:
    """The images of kind's default CNI and storage manifests, read from the constants of
    the kind module in the Go module cache (the node image ships its own manifests)."""
    module = go_root / f"sigs.k8s.io/kind@{version}"
    found = []
    for name, rel in KIND_CONSTANTS.items():
        text = (module / rel).read_text(encoding="utf-8")
        match = re.search(rf'^const {name} = "([^"]+)"', text, re.M)
        if match is None:
            raise InfrastructureError(
                f"kind {version}: no {name} constant in {rel}",
                "the kind version's source layout changed; update kindnode/nodeimage.py",
                cause="kind-node",
            )
        found.append(match[1])
    return found


def _go_mod_cache() -> Path:
    result = Tool("go", GO).run(["env", "GOMODCACHE"], timeout=60)
    return Path(result.stdout.strip())


def _node_files_text() -> list[str]:
    return [
        f"{path.relative_to(NODE_FILES)}\n{path.read_text(encoding='utf-8')}"
        for path in sorted(NODE_FILES.rglob("*"))
        if path.is_file()
    ]


class Builder:
    def __init__(self, engine: ContainerEngine, kind: KindCli, say: Say) -> None:
        self.engine = engine
        self.kind = kind
        self.say = say
        self.versions = gobuild.KindVersions.pinned()
        self.pins = pin_file.load(REPO)
        self.work = cache_dir("kind-node")
        self.digests = FileDigests(self.work / "digests.json")

    # --- inputs -----------------------------------------------------------------------

    def plan(self) -> tuple[dict[str, Path], rootfs.Rootfs, rootfs.Rootfs, str]:
        binaries = gobuild.build_all(self.versions, self.say, node_only=True)
        node, net = rootfs.node_rootfs(self.pins), rootfs.net_rootfs(self.pins)
        wanted = sorted(
            (
                *("kubeadm", "kubelet", "kubectl", "kube-apiserver", "kube-controller-manager"),
                *("kube-scheduler", "kube-proxy", "etcd", "coredns-kind", "kube-router"),
                *("local-path-provisioner", "nodetools", "crictl"),
            )
        )
        parts = [RECIPE, self.versions.kind, node.inputs(), net.inputs(), *_node_files_text()]
        parts += [f"{name}={self.digests(binaries[name])}" for name in wanted]
        self.digests.save()
        return binaries, node, net, content_key(*parts)

    def ref(self, content: str) -> str:
        return f"{self.versions.node_image_repo}:{self.versions.k8s.kubernetes}-{content[:12]}"

    # --- the build ----------------------------------------------------------------------

    def build(self, force: bool = False) -> NodeImage:
        started = time.monotonic()
        binaries, node, net, content = self.plan()
        ref = self.ref(content)
        if not force and self.engine.image_label(ref, LABEL) == content:
            return NodeImage(ref, False, time.monotonic() - started)
        node_tar = rootfs.ensure(node, self.say)
        net_tar = rootfs.ensure(net, self.say)
        base = self.base_image(node_tar, content)
        with tempfile.TemporaryDirectory(prefix="floe-kind-node-", dir=self.work) as tmp:
            work = Path(tmp)
            tarball = self.server_tarball(binaries, net_tar, content, work)
            stage = f"floe-local/kind-node-stage:{content[:12]}"
            self.say(f"kind build node-image --type file (log: {self.work / 'kind-build.log'})")
            self.kind.build_node_image(tarball, base, stage, self.work / "kind-build.log")
            self.finish(stage, ref, content, work, binaries["crictl"])
        self.engine.remove_image(stage)
        return NodeImage(ref, True, time.monotonic() - started)

    def base_image(self, node_tar: Path, content: str) -> str:
        """The node rootfs imported once, then our files on top (a tiny docker build)."""
        imported = f"floe-local/kind-base-rootfs:{node_tar.stem.rsplit('-', 1)[-1]}"
        if not self.engine.image_exists(imported):
            self.say(f"importing {node_tar.name} as {imported}")
            self.engine.import_archive(node_tar, imported, [], timeout=IMPORT_TIMEOUT)
        base_hash = content_key(imported, *_node_files_text(), "\n".join(self.not_shipped()))[:12]
        base = f"floe-local/kind-base:{base_hash}"
        if self.engine.image_exists(base):
            return base
        with tempfile.TemporaryDirectory(prefix="floe-kind-base-", dir=self.work) as tmp:
            context = Path(tmp)
            for name in ("entrypoint", "ctr", "kubelet-cgroups", "containerd.toml"):
                shutil.copyfile(NODE_FILES / name, context / name)
            for path in (NODE_FILES / "systemd").iterdir():
                shutil.copyfile(path, context / path.name)
            (context / "not-shipped").write_text("\n".join(self.not_shipped()) + "\n")
            (context / "Dockerfile").write_text(base_dockerfile(imported))
            self.say(f"building {base}")
            self.engine.build(
                context=context,
                dockerfile=context / "Dockerfile",
                tag=base,
                labels={LABEL + ".base": base_hash},
                log=self.work / "base-build.log",
            )
        return base

    def not_shipped(self) -> list[str]:
        return kind_default_images(_go_mod_cache(), self.versions.kind)

    def server_tarball(
        self, binaries: dict[str, Path], net_tar: Path, content: str, work: Path
    ) -> Path:
        """kind's ``--type file`` input; gzip level 0 (kind needs gzip, not compression)."""
        kube = self.versions.k8s.kubernetes
        bin_dir = work / "kubernetes" / "server" / "bin"
        bin_dir.mkdir(parents=True)
        for name, path in node_images(binaries, Path(net_tar), self.versions).items():
            archives.write_archive(path, bin_dir / f"{name}.tar")
        tarball = work / "kubernetes-server-linux-amd64.tar.gz"
        self.say(f"writing {tarball.name}")
        with tarfile.open(tarball, "w:gz", compresslevel=0) as tar:
            version = work / "kubernetes" / "version"
            version.write_text(kube + "\n")
            tar.add(version, "kubernetes/version")
            for name in ("kubeadm", "kubelet", "kubectl"):
                tar.add(binaries[name], f"kubernetes/server/bin/{name}")
            for archive in sorted(bin_dir.glob("*.tar")):
                tar.add(archive, f"kubernetes/server/bin/{archive.name}")
        return tarball

    def finish(self, stage: str, ref: str, content: str, work: Path, crictl: Path) -> None:
        """Our CNI and storage manifests over kind's defaults, crictl (pointed at the node's
        containerd), and the content label."""
        context = work / "final"
        context.mkdir()
        shutil.copyfile(crictl, context / "crictl")
        (context / "crictl").chmod(0o755)  # COPY keeps the mode
        (context / "crictl.yaml").write_text(CRICTL_CONFIG)
        tags = image_tags(self.versions)
        for name in ("default-cni.yaml", "default-storage.yaml"):
            text = (NODE_FILES / "manifests" / name).read_text(encoding="utf-8")
            for placeholder, value in tags.items():
                text = text.replace(placeholder, value)
            (context / name).write_text(text)
        (context / "Dockerfile").write_text(
            f"FROM {stage}\nCOPY default-cni.yaml default-storage.yaml /kind/manifests/\n"
            "COPY crictl /usr/local/bin/crictl\n"
            "COPY crictl.yaml /etc/crictl.yaml\n"
        )
        self.engine.build(
            context=context,
            dockerfile=context / "Dockerfile",
            tag=ref,
            labels={LABEL: content},
            log=self.work / "final-build.log",
        )


CRICTL_CONFIG = """runtime-endpoint: unix:///run/containerd/containerd.sock
image-endpoint: unix:///run/containerd/containerd.sock
timeout: 10
"""


def base_dockerfile(imported: str) -> str:
    masked = " ".join(
        (
            "getty.target",
            "console-getty.service",
            "systemd-modules-load.service",
            "systemd-remount-fs.service",
            "systemd-firstboot.service",
            "sys-kernel-debug.mount",
            "sys-kernel-tracing.mount",
            "sys-kernel-config.mount",
            "sys-fs-fuse-connections.mount",
        )
    )
    return f"""FROM {imported}
COPY entrypoint ctr kubelet-cgroups /usr/local/bin/
COPY containerd.toml /etc/containerd/config.toml
COPY kubelet.service /etc/systemd/system/kubelet.service
COPY containerd-floe.conf /etc/systemd/system/containerd.service.d/10-floe.conf
COPY sysctl-floe.conf /etc/sysctl.d/90-floe.conf
COPY not-shipped /kind/floe/not-shipped
RUN chmod 0755 /usr/local/bin/entrypoint /usr/local/bin/ctr /usr/local/bin/kubelet-cgroups \\
 && systemctl enable containerd.service kubelet.service \\
 && systemctl mask {masked} \\
 && systemctl set-default multi-user.target \\
 && : > /etc/machine-id \\
 && mkdir -p /etc/cni/net.d /etc/kubernetes/manifests /var/lib/kubelet
ENV container=docker
STOPSIGNAL SIGRTMIN+3
ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]
"""


def image_tags(versions: gobuild.KindVersions) -> dict[str, str]:
    return {
        "KUBE_ROUTER_TAG": versions.k8s.kube_router,
        "LOCAL_PATH_TAG": versions.local_path_provisioner,
        "NET_TAG": versions.k8s.debian_packages["iptables"].replace("+", "_").replace("~", "_"),
    }


def kubeadm_images(kubeadm: Path, kubernetes: str) -> dict[str, str]:
    """What kubeadm of this release runs: etcd, coredns, pause -> reference."""
    listed = Tool("kubeadm", str(kubeadm)).run(
        ["config", "images", "list", "--kubernetes-version", kubernetes], timeout=60
    )
    found: dict[str, str] = {}
    for ref in listed.stdout.split():
        name = ref.rsplit(":", 1)[0].rsplit("/", 1)[-1]
        if name in ("etcd", "coredns", "pause"):
            found[name] = ref
    if set(found) != {"etcd", "coredns", "pause"}:
        raise InfrastructureError(
            f"kubeadm config images list gave {listed.stdout.split()}",
            "expected etcd, coredns and pause among them",
            cause="kind-node",
        )
    return found


def _image(
    binaries: dict[str, Path],
    binary: str,
    tag: str,
    base: archives.Layer | None = None,
    entrypoint: list[str] | None = None,
    user: str = "0:0",
) -> archives.Image:
    """``binary`` at /usr/local/bin, alone or on the ``net`` Debian layer."""
    path = binaries[binary]
    layer = archives.Layer(data=archives.binary_layer(path, f"usr/local/bin/{path.name}"))
    return archives.Image(
        tags=[tag],
        layers=[base, layer] if base else [layer],
        entrypoint=entrypoint,
        user=user,
        labels={LABEL + ".source": f"floe-test: {binary} built from the Go module proxy"},
    )


def node_images(
    binaries: dict[str, Path], net_tar: Path, versions: gobuild.KindVersions
) -> dict[str, list[archives.Image]]:
    """The image archives of the server tarball, by file name (without ``.tar``). Images
    kubeadm's static pods and add-ons run as root (they read root-only keys; CoreDNS binds
    port 53 with only NET_BIND_SERVICE), the provisioner and pause do not."""
    kube = versions.k8s.kubernetes
    tags = image_tags(versions)
    net = archives.Layer(path=net_tar)
    kubeadm = kubeadm_images(binaries["kubeadm"], kube)

    def k8s(name: str, base: archives.Layer | None = None) -> archives.Image:
        return _image(binaries, name, f"registry.k8s.io/{name}:{kube}", base)

    extras = [
        _image(binaries, "etcd", kubeadm["etcd"]),
        _image(binaries, "coredns-kind", kubeadm["coredns"], entrypoint=["/usr/local/bin/coredns"]),
        _image(
            binaries,
            "nodetools",
            kubeadm["pause"],
            entrypoint=["/usr/local/bin/nodetools", "pause"],
            user="65535:65535",
        ),
        _image(
            binaries,
            "kube-router",
            f"floe-local/kube-router:{tags['KUBE_ROUTER_TAG']}",
            base=net,
            entrypoint=["/usr/local/bin/kube-router"],
        ),
        _image(
            binaries,
            "local-path-provisioner",
            f"floe-local/local-path-provisioner:{tags['LOCAL_PATH_TAG']}",
            user="65532:65532",
        ),
        archives.Image(
            tags=[f"floe-local/kind-net:{tags['NET_TAG']}"], layers=[net], cmd=["/bin/sh"]
        ),
    ]
    return {
        "kube-apiserver": [k8s("kube-apiserver"), *extras],
        "kube-controller-manager": [k8s("kube-controller-manager")],
        "kube-scheduler": [k8s("kube-scheduler")],
        "kube-proxy": [k8s("kube-proxy", base=net)],
    }
