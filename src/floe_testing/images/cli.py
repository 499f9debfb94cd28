"""The ``build`` and ``smoke`` commands of ``scripts/images``.

``build`` prints progress on stderr and, as its last two stdout lines, ``RUNNER=<ref>`` and
``PLATFORM=<ref>`` (content tags, as the kind backend computes them) for other scripts to
read: ``eval "$(scripts/images build | tail -2)"``; without a registry (the local base) the
lines before them name the images values-k8s-local.yaml uses, by their stable local names:
``CUBE=``, ``SEAWEEDFS=``, ``CATALOG=`` (the full profile's services,
``floe_testing.images.services``) and ``POSTGRESQL=`` (docker/postgresql.Dockerfile).
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType

from floe_testing.config import pins
from floe_testing.core.cache import cache_root
from floe_testing.core.errors import (
    EXIT_INFRASTRUCTURE,
    EXIT_INTERRUPTED,
    FloeTestError,
)
from floe_testing.images import build as images
from floe_testing.images.base import ensure_local_base
from floe_testing.images.services import BuiltService, build_service_images
from floe_testing.tools.docker import ContainerEngine


def say(message: str) -> None:
    print(f"images: {message}", file=sys.stderr, flush=True)


def build(docker: ContainerEngine, root: Path, upstream: bool = False) -> list[images.BuiltImage]:
    """Local base images (unless ``upstream``), then the runner and platform images."""
    build_args = None
    if not upstream:
        build_args = ensure_local_base(docker, pins.load(root), say).build_args()
    log_dir = _log_dir()
    built = images.build_images(
        docker, root, images.IMAGES, build_args=build_args, log_dir=log_dir, say=say
    )
    if build_args is not None:  # no registry: PostgreSQL too, FROM the same Debian base
        postgresql = images.build_images(
            docker,
            root,
            (images.POSTGRESQL,),
            build_args={"DEBIAN_IMAGE": build_args["PYTHON_IMAGE"]},
            log_dir=log_dir,
            say=say,
        )
        # the stable name values-k8s-local.yaml uses
        local = pins.load(root)["LOCAL_POSTGRESQL_IMAGE"]
        docker.tag(postgresql[0].ref, local)
        built = [*postgresql, *built]
    for image in built:
        say(f"{image.spec.role}: {image.ref} ({'built' if image.built else 'up to date'})")
    return built


def _log_dir() -> Path:
    return cache_root() / "images" / "logs"


def build_services(docker: ContainerEngine, root: Path) -> list[BuiltService]:
    """The full profile's service images FROM the local base (made when missing)."""
    found = pins.load(root)
    base = ensure_local_base(docker, found, say).build_args()
    built = build_service_images(docker, root, base, found, say, log_dir=_log_dir())
    for image in built:
        state = "built" if image.built else "up to date"
        say(f"{image.image.spec.role}: {image.ref} as {image.local} ({state})")
    return built


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/images",
        description="Build and smoke-test the runner and platform images without a registry.",
        epilog="example: scripts/images build | tail -2   # RUNNER=... PLATFORM=...",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser(
        "build",
        help="local base images, the full profile's service images (Cube, SeaweedFS, the "
        "catalog), PostgreSQL, then the runner and platform images",
    )
    b.add_argument(
        "--upstream",
        action="store_true",
        help="build FROM the Dockerfiles' upstream defaults (needs a registry) instead",
    )
    sub.add_parser(
        "smoke", help="the integration suite in the runner image, against the platform image"
    )
    return parser.parse_args(argv)


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM like Ctrl-C: the smoke's cleanup still runs


def main(argv: list[str] | None = None) -> int:
    args = _parse(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        root = pins.find_root()
        engine = ContainerEngine.local_docker()  # raises, with the next step, when it is not up
        if args.command == "build":
            by_name = {image.spec.name: image.ref for image in build(engine, root, args.upstream)}
            if not args.upstream:  # the upstream service images come from their registries
                for service in build_services(engine, root):
                    print(f"{service.image.output}={service.local}")
            if images.POSTGRESQL.name in by_name:
                print(f"POSTGRESQL={pins.load(root)['LOCAL_POSTGRESQL_IMAGE']}")
            print(f"RUNNER={by_name[images.RUNNER.name]}")
            print(f"PLATFORM={by_name[images.PLATFORM.name]}")
            return 0
        from floe_testing.images.smoke import smoke

        built = {image.spec.name: image.ref for image in build(engine, root)}
        return smoke(
            engine,
            root,
            built[images.RUNNER.name],
            built[images.PLATFORM.name],
            built[images.POSTGRESQL.name],
            say,
        )
    except FloeTestError as exc:
        say(f"error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        say("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:  # never exit 1 ("tests failed") for a broken run
        say(f"error: {type(exc).__name__}: {exc}")
        return EXIT_INFRASTRUCTURE
