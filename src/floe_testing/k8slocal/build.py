"""Build the cluster's binaries from the Go module proxy, once per version.

Each component is built in a wrapper module of our own under
``<cache>/<thing>/<version>/src`` into ``<cache>/<thing>/<version>/bin``; a ``build.json``
beside them records the build's inputs and how long it took, and a matching one means the
build is skipped (a warm ``up`` builds nothing). ``go install pkg@version`` is not possible
for Kubernetes or etcd (their go.mod files carry ``replace`` directives), hence the wrappers:

* Kubernetes requires every staging module at v0.0.0 and replaces it with ``./staging/...``;
  the wrapper replaces each with its published tag (v1.34.4 -> v0.34.4), the list read from
  the release's own go.mod so it always matches the release built.
* CoreDNS is built from our own main package with only the plugins the cluster uses.
* metrics-server (the metrics API, memory for soak samples) is a plain tool module.
* local-path-provisioner (Rancher's: the storage add-on's PersistentVolumes; the kind node
  image uses the same build) is a plain tool module; ``volumehelper``, the directory maker
  its helper pods run, is our own main package like ``nodetools``.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from floe_testing.core.errors import InfrastructureError
from floe_testing.k8slocal.layout import GO_SOURCES, Layout, Versions
from floe_testing.tools.command import Tool, which

GO = which("go") or "/usr/local/go/bin/go"  # also what preflight checks
KUBE_COMMANDS = (
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-proxy",
    "kubectl",
)
_STAGING = re.compile(r"^\s*(k8s\.io/[\w.-]+)\s+=>\s+\./staging/src/\1\s*$")


class BuildError(InfrastructureError):
    """A build step failed; the message names the step and its log."""

    def __init__(self, message: str) -> None:
        super().__init__(
            message,
            "read the build log it names; scripts/k8s-local up builds again from what is cached",
            cause="build",
        )


@dataclass(frozen=True)
class GoComponent:
    """One wrapper module: what it requires, which packages it builds, with which flags."""

    thing: str
    version: str
    packages: tuple[str, ...]
    outputs: tuple[str, ...]
    ldflags: str = "-s -w"
    tags: str = ""
    upgrades: tuple[str, ...] = ()  # dependency versions raised above the component's own
    prepare: Callable[[GoComponent, Path, Callable[..., None]], None] = field(
        default=lambda c, src, go: None, compare=False
    )

    def key(self) -> dict[str, object]:
        return {
            "packages": self.packages,
            "ldflags": self.ldflags,
            "tags": self.tags,
            "upgrades": self.upgrades,
        }


GO_ENV = {"CGO_ENABLED": "0", "GOTOOLCHAIN": "local", "GOFLAGS": "-buildvcs=false", "GOWORK": "off"}
GO_TIMEOUT = 3600.0  # a cold Kubernetes build takes ~12 min on 2 shared cores


def _go_tool(nice: bool = False) -> Tool:
    """``go`` with the build's environment; ``nice`` keeps a long build behind other work."""
    if nice:
        return Tool("nice", which("nice") or "nice", GO_ENV)
    return Tool("go", GO, GO_ENV)


def _kube_ldflags(version: str) -> str:
    major, minor = version.lstrip("v").split(".")[:2]
    stamps = {
        "k8s.io/component-base/version.gitVersion": version,
        "k8s.io/component-base/version.gitMajor": major,
        "k8s.io/component-base/version.gitMinor": minor,
        "k8s.io/component-base/version.gitTreeState": "clean",
        "k8s.io/client-go/pkg/version.gitVersion": version,
        "k8s.io/component-base/version.buildDate": "1970-01-01T00:00:00Z",
    }
    return " ".join(["-s -w", *(f"-X {name}={value}" for name, value in stamps.items())])


def staging_replaces(upstream_mod: str, version: str) -> dict[str, str]:
    """``k8s.io/x => ./staging/src/k8s.io/x`` lines of the release's go.mod -> published tags."""
    tag = "v0." + version.lstrip("v").split(".", 1)[1]
    modules = [m.group(1) for line in upstream_mod.splitlines() if (m := _STAGING.match(line))]
    if not modules:
        raise BuildError("k8s.io/kubernetes go.mod has no staging replaces: unexpected layout")
    return {module: tag for module in modules}


def _prepare_kubernetes(component: GoComponent, src: Path, go: Callable[..., None]) -> None:
    info = _go_tool().run(
        ["mod", "download", "-json", f"k8s.io/kubernetes@{component.version}"],
        cwd=src,
        timeout=GO_TIMEOUT,
    )
    upstream_mod = Path(json.loads(info.stdout)["GoMod"]).read_text()
    go_line = re.search(r"^go (\S+)$", upstream_mod, re.M)
    godebug = re.search(r"^godebug (.+)$", upstream_mod, re.M)
    header = f"module floe.local/k8s-local/kubernetes\n\ngo {go_line[1] if go_line else '1.24.0'}\n"
    if godebug:
        header += f"\ngodebug {godebug[1]}\n"
    (src / "go.mod").write_text(header)
    replaces = staging_replaces(upstream_mod, component.version)
    go("mod", "edit", *(f"-replace={module}={module}@{tag}" for module, tag in replaces.items()))
    go("get", "-tool", *(f"{p}@{component.version}" for p in component.packages))


def _prepare_tool(module: str) -> Callable[[GoComponent, Path, Callable[..., None]], None]:
    """Require ``module`` at the component's version (plus pinned dependency upgrades), then
    declare its command packages as tools. The module is asked for by its own path: the proxy
    refuses (403) some versions when asked for by a package path inside the module."""

    def prepare(component: GoComponent, src: Path, go: Callable[..., None]) -> None:
        (src / "go.mod").write_text(f"module floe.local/k8s-local/{component.thing}\n\ngo 1.24.0\n")
        go("get", f"{module}@{component.version}", *component.upgrades)
        go("mod", "edit", *(f"-tool={package}" for package in component.packages))
        go("mod", "tidy")  # sums for every package built; no version moves (``go get`` would)

    return prepare


def _prepare_own_main(source: str, module: str | None) -> Callable[..., None]:
    def prepare(component: GoComponent, src: Path, go: Callable[..., None]) -> None:
        (src / "go.mod").write_text(f"module floe.local/k8s-local/{component.thing}\n\ngo 1.24.0\n")
        shutil.copyfile(GO_SOURCES / source / "main.go", src / "main.go")
        if module:
            go("get", f"{module}@{component.version}")
        go("mod", "tidy")

    return prepare


def components(versions: Versions) -> list[GoComponent]:
    kube = versions.kubernetes
    router = versions.kube_router
    router_version = "github.com/cloudnativelabs/kube-router/v2/pkg/version"
    return [
        GoComponent(
            thing="k8s",
            version=kube,
            packages=tuple(f"k8s.io/kubernetes/cmd/{c}" for c in KUBE_COMMANDS),
            outputs=KUBE_COMMANDS,
            ldflags=_kube_ldflags(kube),
            tags="selinux,notest,grpcnotrace,providerless",
            prepare=_prepare_kubernetes,
        ),
        GoComponent(
            thing="etcd",
            version=versions.etcd,
            packages=("go.etcd.io/etcd/server/v3",),
            outputs=("etcd",),
            prepare=_prepare_tool("go.etcd.io/etcd/server/v3"),
        ),
        GoComponent(
            thing="kube-router",
            version=router,
            packages=("github.com/cloudnativelabs/kube-router/v2/cmd/kube-router",),
            outputs=("kube-router",),
            ldflags=f"-s -w -X {router_version}.Version={router} "
            f"-X {router_version}.BuildDate=1970-01-01T00:00:00Z",
            upgrades=versions.kube_router_upgrades,
            prepare=_prepare_tool("github.com/cloudnativelabs/kube-router/v2"),
        ),
        GoComponent(
            thing="coredns",
            version=versions.coredns,
            packages=(".",),
            outputs=("coredns",),
            prepare=_prepare_own_main("coredns", "github.com/coredns/coredns"),
        ),
        GoComponent(
            thing="metrics-server",
            version=versions.metrics_server,
            packages=("sigs.k8s.io/metrics-server/cmd/metrics-server",),
            outputs=("metrics-server",),
            prepare=_prepare_tool("sigs.k8s.io/metrics-server"),
        ),
        GoComponent(
            thing="node-tools",
            version=node_tools_version(),
            packages=(".",),
            outputs=("nodetools",),
            prepare=_prepare_own_main("nodetools", None),
        ),
        local_path_provisioner(versions.local_path_provisioner),
        GoComponent(
            thing="volume-helper",
            version=source_version("volumehelper"),
            packages=(".",),
            outputs=("volumehelper",),
            prepare=_prepare_own_main("volumehelper", None),
        ),
    ]


def local_path_provisioner(version: str) -> GoComponent:
    """Rancher's local-path-provisioner: k8s-local's storage add-on and the kind node's."""
    module = "github.com/rancher/local-path-provisioner"
    return GoComponent(
        thing="local-path-provisioner",
        version=version,
        packages=(module,),
        outputs=("local-path-provisioner",),
        ldflags="-s -w -X main.VERSION=" + version,
        prepare=_prepare_tool(module),
    )


def source_version(program: str) -> str:
    """Our own Go programs are versioned by their source: an edit means a rebuild."""
    import hashlib

    digest = hashlib.sha256((GO_SOURCES / program / "main.go").read_bytes()).hexdigest()
    return f"src-{digest[:12]}"


def node_tools_version() -> str:
    return source_version("nodetools")


def bin_dir(layout: Layout, component: GoComponent) -> Path:
    return layout.build_dir(component.thing, component.version) / "bin"


def is_built(layout: Layout, component: GoComponent) -> bool:
    bins = bin_dir(layout, component)
    stamp = bins.parent / "build.json"
    if not stamp.is_file() or not all((bins / out).is_file() for out in component.outputs):
        return False
    return bool(json.loads(stamp.read_text()).get("key") == json.loads(json.dumps(component.key())))


def build(layout: Layout, component: GoComponent, log: Callable[[str], None]) -> float:
    """Build one component unless its cache is complete; return the seconds it took."""
    if is_built(layout, component):
        return 0.0
    root = layout.build_dir(component.thing, component.version)
    src, bins = root / "src", root / "bin"
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    bins.mkdir(parents=True, exist_ok=True)
    build_log = root / "build.log"
    log(f"building {component.thing} {component.version} (log: {build_log}; cold: minutes)")
    started = time.monotonic()
    with build_log.open("w") as out:

        def go(*args: str) -> None:
            out.write(f"$ go {' '.join(args)}\n")
            out.flush()
            result = _go_tool(nice=True).run(
                ["-n", "10", GO, *args], cwd=src, timeout=GO_TIMEOUT, check=False
            )
            out.write(result.stdout + result.stderr)
            if not result.ok:
                raise BuildError(f"go {args[0]} for {component.thing} failed; see {build_log}")

        component.prepare(component, src, go)
        flags = ["-trimpath", "-ldflags", component.ldflags]
        if component.tags:
            flags[:0] = ["-tags", component.tags]
        if len(component.packages) == 1:  # named by its output, not its package path
            go("build", *flags, "-o", str(bins / component.outputs[0]), *component.packages)
        else:
            go("build", *flags, "-o", f"{bins}/", *component.packages)
    seconds = round(time.monotonic() - started, 1)
    stamp = {"key": component.key(), "seconds": seconds, "built": time.time()}
    (root / "build.json").write_text(json.dumps(stamp, indent=2) + "\n")
    log(f"built {component.thing} {component.version} in {seconds:.0f} s")
    return seconds


def build_all(
    layout: Layout,
    versions: Versions,
    log: Callable[[str], None],
    leave_out: frozenset[str] = frozenset(),
) -> dict[str, Path]:
    """Every component (but those named in ``leave_out``) built or found in the cache; maps
    each binary name to its path."""
    paths: dict[str, Path] = {}
    for component in components(versions):
        if component.thing in leave_out:
            continue
        build(layout, component, log)
        for output in component.outputs:
            paths[output] = bin_dir(layout, component) / output
    return paths


if __name__ == "__main__":  # build one component: python -m floe_testing.k8slocal.build etcd
    wanted = set(sys.argv[1:])
    versions_ = Versions.pinned()
    for c in components(versions_):
        if not wanted or c.thing in wanted:
            build(Layout.from_env(), c, lambda m: print(m, file=sys.stderr))
