"""``scripts/kind-node``: build (or find) the kind node image. It prints ``KIND=<path>`` (the
kind CLI used), ``KUBECTL=<path>`` (a kubectl of the node's Kubernetes version) and, last,
``KIND_NODE_IMAGE=<ref>``. Exit 0 ok, 2 usage, 3 infrastructure."""

from __future__ import annotations

import sys
import time

from floe_testing.core.errors import FloeTestError


def main(argv: list[str]) -> int:
    def say(message: str) -> None:
        print(f"kind-node: {message}", file=sys.stderr, flush=True)

    if argv not in ([], ["--force"]):
        say("usage: scripts/kind-node [--force]   (build the kind node image, cached by content)")
        return 2
    try:
        from floe_testing.kindnode import gobuild
        from floe_testing.kindnode.nodeimage import Builder
        from floe_testing.tools.docker import ContainerEngine
        from floe_testing.tools.kind import KindCli

        started = time.monotonic()
        kind_path = gobuild.ensure_kind_cli(say)
        kind = KindCli.find() or KindCli.at(str(kind_path))
        image = Builder(ContainerEngine.local_docker(), kind, say).build(force=argv == ["--force"])
        verb = "built" if image.built else "up to date"
        say(f"{image.ref} {verb} in {time.monotonic() - started:.1f} s")
        kubectl = gobuild.build_all(gobuild.KindVersions.pinned(), say, node_only=True)["kubectl"]
        print(f"KIND={kind.tool.path}")
        print(f"KUBECTL={kubectl}")
        print(f"KIND_NODE_IMAGE={image.ref}")
        return 0
    except FloeTestError as error:
        say(str(error))
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
