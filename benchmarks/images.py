"""Sizes and build times of the runner and platform images, built as scripts/images builds them.

Run: scripts/images engine && uv run python benchmarks/images.py [--no-cold] [--base]
Prints, per image: compressed size (the byte count of `docker save | gzip`), uncompressed
size (`docker image inspect .Size`), and build times: cold (builder cache pruned, image
removed; the uv download cache goes with it), no change (the tag exists: nothing to do) and
warm after a one-line change in src/ (a comment appended to src/floe_testing/__init__.py,
restored afterwards). --base also times the local base images from scratch (debootstrap and
the uv wheel). Targets: runner <= 200 MB compressed, warm rebuild <= 30 s.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from floe_testing.config import pins
from floe_testing.images import build as images
from floe_testing.images.base import cache_root, ensure_local_base
from floe_testing.tools.docker import ContainerEngine

ROOT = Path(__file__).resolve().parents[1]
TOUCHED = ROOT / "src" / "floe_testing" / "__init__.py"
TARGET_COMPRESSED = {images.RUNNER.name: 200 * 10**6}
TARGET_WARM_S = 30.0
MB = 10**6


def say(message: str) -> None:
    print(f"  {message}", flush=True)


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def compressed_size(engine: ContainerEngine, ref: str) -> int:
    """Bytes of ``docker save ref | gzip`` (gzip's default level 6), streamed."""
    counter = _Counter()

    def compress(archive: IO[bytes]) -> None:
        with gzip.GzipFile(fileobj=counter, mode="wb", compresslevel=6, mtime=0) as out:
            shutil.copyfileobj(archive, out, 1 << 20)

    engine.save_into(ref, compress)
    return counter.count


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def write(self, data: bytes) -> int:
        self.count += len(data)
        return len(data)

    def flush(self) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-cold", action="store_true", help="skip the cold builds")
    parser.add_argument("--base", action="store_true", help="also time the base images cold")
    args = parser.parse_args()
    engine = ContainerEngine.local_docker()
    pinned = pins.load(ROOT)
    if args.base:
        for ref in (pinned["LOCAL_PYTHON_IMAGE"], pinned["LOCAL_UV_IMAGE"]):
            engine.remove_image(ref, force=True)
        shutil.rmtree(cache_root() / "images" / "base", ignore_errors=True)
        base_s = timed(lambda: ensure_local_base(engine, pinned, say))
        print(f"local base images from scratch (debootstrap + uv wheel): {base_s:.1f} s")
    build_args = ensure_local_base(engine, pinned, say).build_args()

    def build(spec: images.ImageSpec) -> list[images.BuiltImage]:
        return images.build_images(engine, ROOT, [spec], build_args=build_args)

    rows = []
    for spec in images.IMAGES:
        cold = None
        if not args.no_cold:
            ref = spec.ref(images.content_tag(ROOT, spec.paths))
            engine.remove_image(ref, force=True)
            engine.prune_build_cache()
            cold = timed(lambda spec=spec: build(spec))  # type: ignore[misc]
        unchanged = timed(lambda spec=spec: build(spec))  # type: ignore[misc]
        original = TOUCHED.read_text()
        try:
            TOUCHED.write_text(original + f"# benchmark {time.time_ns()}\n")
            warm = timed(lambda spec=spec: build(spec))  # type: ignore[misc]
            changed_ref = build(spec)[0].ref
        finally:
            TOUCHED.write_text(original)
        engine.remove_image(changed_ref)
        ref = build(spec)[0].ref
        rows.append(
            (spec.name, compressed_size(engine, ref), engine.image_size(ref), cold, unchanged, warm)
        )
    _table(rows)


def _table(rows: list[tuple[str, int, int, float | None, float, float]]) -> None:
    print()
    print(
        f"{'image':<18} {'gzip MB':>8} {'raw MB':>8} {'cold s':>8} {'no-change s':>12} "
        f"{'1-line src s':>13}  targets"
    )
    for name, compressed, raw, cold, unchanged, warm in rows:
        target = TARGET_COMPRESSED.get(name)
        notes = [f"warm {warm / TARGET_WARM_S:.2f}x of {TARGET_WARM_S:g} s"]
        if target:
            notes.insert(0, f"gzip {compressed / target:.2f}x of {target // MB} MB")
        print(
            f"{name:<18} {compressed / MB:>8.1f} {raw / MB:>8.1f} "
            f"{(f'{cold:.1f}' if cold is not None else '-'):>8} {unchanged:>12.2f} "
            f"{warm:>13.1f}  {', '.join(notes)}"
        )


if __name__ == "__main__":
    main()
