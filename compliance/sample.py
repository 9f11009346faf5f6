"""Synthetic evidence bundles for demos, tests and benchmarks (``compliance sample``).

Each evidence type carries its own generator (``EvidenceType.sample``), so a plugin's
indicators show up in samples without the engine knowing them. The same seed, row budget
and quality give the same bytes: generators get a ``random.Random`` seeded from the seed and
the type id, and nothing reads the clock.
"""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path
from typing import Any

from compliance.bundle.model import Community, Period
from compliance.errors import UsageError
from compliance.indicator import SampleSpec

__all__ = ["sample_community", "write_sample"]

QUALITIES = ("good", "fair", "poor")
_NAMES = ("Lianhua", "Meilin", "Xiangmi", "Taoyuan", "Haibin", "Songping", "Yuehai", "Guimiao")
_DISTRICTS = ("Futian", "Nanshan", "Luohu", "Bao'an", "Longgang")


def sample_community(seed: int) -> tuple[Community, Period]:
    """The synthetic community and assessment period for a seed."""
    rng = random.Random(f"{seed}:community")
    population = rng.randrange(6_000, 30_000, 10)
    community = Community(
        id=f"sample-{seed:04d}",
        name=f"{rng.choice(_NAMES)} Sample Community",
        city="Shenzhen",
        district=rng.choice(_DISTRICTS),
        population=population,
        households=int(population / rng.uniform(2.5, 3.1)),
    )
    return community, Period(date(2025, 1, 1), date(2025, 12, 31))


def write_sample(
    outdir: Path,
    *,
    host: Any,
    seed: int = 1,
    rows: int = 20_000,
    quality: str = "good",
    community: Community | None = None,
    qualities: dict[str, str] | None = None,
) -> list[Path]:
    """Write a bundle with evidence for every loaded evidence type that has a generator.

    :param rows: the table row budget, split between table types by their
        ``sample_rows`` shares.
    :param community: use this community instead of the seed's synthetic one.
    :param qualities: per evidence type quality, overriding ``quality`` (to make a
        community that is strong in some respects and weak in others).
    :returns: the files written.
    """
    if quality not in QUALITIES:
        raise UsageError(f"quality must be one of {', '.join(QUALITIES)}")
    outdir = Path(outdir)
    if outdir.exists() and (not outdir.is_dir() or any(outdir.iterdir())):
        raise UsageError("the output folder exists and is not empty", where=str(outdir))
    synthetic, period = sample_community(seed)
    community = community or synthetic
    qualities = qualities or {}
    for name in qualities.values():
        if name not in QUALITIES:
            raise UsageError(f"quality must be one of {', '.join(QUALITIES)}")
    types = [et for _, et in sorted(host.evidence_types().items()) if et.sample is not None]
    shares = {et.id: max(0.0, et.sample_rows) for et in types}
    total_share = sum(shares.values()) or 1.0
    index: list[dict[str, str]] = []
    written: list[Path] = []
    outdir.mkdir(parents=True, exist_ok=True)
    for et in types:
        budget = int(rows * shares[et.id] / total_share) if shares[et.id] else 0
        spec = SampleSpec(
            community=community,
            period=period,
            quality=qualities.get(et.id, quality),
            rows=budget,
            seed=seed,
        )
        rng = random.Random(f"{seed}:{et.id}")
        for rel, content in et.sample(rng, spec):
            target = outdir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            written.append(target)
            index.append({"path": rel, "type": et.id})
    manifest = {
        "schema_version": 1,
        "community": community.to_dict(),
        "period": period.to_dict(),
        "submitter": {
            "organization": f"{community.name} neighbourhood committee",
            "role": "safety office",
        },
        "evidence": sorted(index, key=lambda e: (e["path"], e["type"])),
    }
    path = outdir / "bundle.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    written.append(path)
    return written
