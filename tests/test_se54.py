"""SE54 Integrated system: connected feeds, daily delivery with silences, publications."""

from __future__ import annotations

import pytest

from compliance.testing import run_case

SPEC = {
    "indicator": "SE54",
    "community": {"households": 100},
    "period": {"start": "2025-05-01", "end": "2025-05-10"},
}
CODES = ("SE41", "SE46", "SE51", "SE52", "SE53", "SE55", "SE56", "SE57", "SE62")
PLATFORM = "resident_access: {resident_accounts: 50}\nfeeds:\n" + "".join(
    f"  - {{feed_id: F{c[2:]}, source: {c}, status: active}}\n" for c in CODES
)
ALL = ";".join(CODES)


def _log(skip: dict[str, set[int]] | None = None) -> str:
    skip = skip or {}
    rows = "".join(
        f"F{c[2:]},2025-05-{d:02d},10,0\n"
        for c in CODES
        for d in range(1, 11)
        if d not in skip.get(c, set())
    )
    return "feed_id,day,records_received,errors\n" + rows


def _scores(log: str, pubs: str) -> dict[int, float | None]:
    case = {
        "name": "t",
        "evidence": [
            {"path": "p.yaml", "type": "integrated_platform", "content": PLATFORM},
            {"path": "f.csv", "type": "platform_feed_log", "content": log},
            {
                "path": "s.csv",
                "type": "resident_statistics_publications",
                "content": "publication_id,published_at,channel,topics,views\n" + pubs,
            },
        ],
    }
    verdict = run_case(SPEC, case).verdict
    return {int(r.rule.split(".R")[1]): r.score for r in verdict.rules}


PUBS = f'P1,2025-05-05T10:00:00+08:00,app,"{ALL}",5\nP2,2025-05-05T10:00:00+08:00,screen,"{ALL}",\n'


def test_everything_delivered_and_published() -> None:
    assert _scores(_log(), PUBS) == {1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0, 5: 1.0}


def test_a_silent_feed_fails_r1_and_a_long_silence_halves_r2() -> None:
    # F41 silent all period (R1 counts it missing); F46 silent 4 days in a row (> 3).
    scores = _scores(_log({"SE41": set(range(1, 11)), "SE46": {3, 4, 5, 6}}), PUBS)
    assert scores[1] == pytest.approx(8 / 9)
    f41 = 0.0 * 0.5
    f46 = min(1.0, 0.6 / 0.95) * 0.5
    assert scores[2] == pytest.approx((f41 + f46 + 7) / 9)


def test_one_channel_and_partial_topics() -> None:
    pubs = "P1,2025-05-05T10:00:00+08:00,app,SE51;SE52;SE53,5\n"
    scores = _scores(_log(), pubs)
    assert scores[3] == pytest.approx((1.0 + 0.5) / 2)
    assert scores[4] == pytest.approx((3 / 9) / 0.9)
