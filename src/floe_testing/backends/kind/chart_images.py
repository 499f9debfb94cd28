"""Which of the chart's own images (beyond runner and platform) a Kind run loads into the node.

The values decide, not the machine: the release is rendered offline with the run's values
files, and each image its pods run (PostgreSQL, and with the full profile Cube, SeaweedFS,
the catalog) is

- **loaded** with ``kind load`` when the engine's store has it (kind skips an image the node
  already has), so a node without a registry runs what ``scripts/images build`` made;
- **left to the node to pull** otherwise (a laptop with the internet and the chart's upstream
  images: nothing beyond runner and platform is loaded);
- **refused before anything starts** (exit 2) when it is one of the images only ``scripts/
  images build`` makes (a ``LOCAL_*_IMAGE`` pin, what ``values-kind-local.yaml`` names) and
  the engine lacks it: no node could pull it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from floe_testing.core.errors import UsageError

LOCAL_PIN_PREFIX, LOCAL_PIN_SUFFIX = "LOCAL_", "_IMAGE"


@dataclass(frozen=True)
class ChartImages:
    """The chart's images for one run, split by how they reach the node."""

    load: tuple[str, ...]  # in the engine's store: `kind load`
    pulled: tuple[str, ...]  # not in the store: the node pulls them


def local_only(pins: Mapping[str, str]) -> dict[str, str]:
    """Image ref -> the ``LOCAL_*_IMAGE`` pin that names it: images no registry serves."""
    return {
        ref: key
        for key, ref in pins.items()
        if key.startswith(LOCAL_PIN_PREFIX) and key.endswith(LOCAL_PIN_SUFFIX)
    }


def split_chart_images(
    images: Mapping[str, str],
    have: Callable[[str], bool],
    local: Mapping[str, str],
    skip: frozenset[str] = frozenset(),
    engine: str = "docker",
    values_files: tuple[str, ...] = (),
) -> ChartImages:
    """``images`` (ref -> pull policy, ``Release.images()``) minus ``skip`` (the images the run
    builds and loads anyway), split into loaded and pulled; raises UsageError naming every
    local-only image the engine lacks."""
    load: list[str] = []
    pulled: list[str] = []
    missing: list[str] = []
    for ref in sorted(set(images) - skip):
        if have(ref):
            (pulled if images[ref] == "Always" else load).append(ref)
        elif ref in local:
            missing.append(f"{ref} ({local[ref]} in pins/versions.env)")
        else:
            pulled.append(ref)
    if missing:
        through = f" through {', '.join(values_files)}" if values_files else ""
        raise UsageError(
            f"the chart names{through} image(s) that only `scripts/images build` makes, and "
            f"{engine}'s store does not have them: {'; '.join(missing)}",
            "build them: scripts/images build (then run again)",
        )
    return ChartImages(tuple(load), tuple(pulled))
