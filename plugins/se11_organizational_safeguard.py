"""SE11 Organizational safeguard: a lead organization for safety work, its leader, its
members with their duties, and the meetings through which it works."""

from __future__ import annotations

import itertools
import math
import random
from datetime import date, timedelta
from typing import Any

from compliance_builtin._common import load_schema, schema_id, yaml_bytes

from compliance import hookimpl
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

__all__ = ["OrganizationalSafeguard"]

ORGANIZATION = "safety_organization"

# Findings list at most this many individual members or meetings, then one summary line:
# a long list adds nothing an inspector can act on.
_MAX_LISTED = 10


def _text(value: Any) -> str:
    """A stripped string, or '' for anything that is not a non-blank string."""
    return value.strip() if isinstance(value, str) else ""


def _day(value: Any) -> date | None:
    """An ISO date, or None when the value is missing or not a valid date."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _items(data: Any, key: str) -> list[tuple[int, dict[str, Any]]]:
    """(index, entry) for each mapping in the list ``data[key]`` (the index keeps JSON
    pointers right even when a malformed entry is skipped)."""
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, list):
        return []
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)]


def _code(value: str) -> str:
    """A function code in canonical form: 'Fire safety' and 'fire-safety' are fire_safety."""
    return "_".join(value.strip().lower().replace("-", " ").split())


class OrganizationalSafeguard(Indicator):
    """The community has designated a lead organization for its safety work, headed by a
    named leader and staffed by members from the units that matter (police, fire safety,
    emergency response, property management, the smart platform), each with written duties,
    and the organization meets regularly.

    Evidence: a ``safety_organization`` record (YAML or JSON).
    """

    code = "SE11"
    title = "Organizational safeguard"
    dimension = "SMD"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(ORGANIZATION, purpose="the lead organization, its leader, members and meetings"),
    )

    @rule(
        "R1",
        "A lead organization and its leader are formally designated",
        weight=3,
        severity="critical",
        red_line=True,
        thresholds=("min_active_share",),
    )
    def lead_designated(self, ctx: Context) -> float | None:
        """Five elements, each worth a fifth of the score: the organization has a name, an
        approving document (the notice that set it up), a leader post, a designated leader
        (a name or an appointment date on record), and it existed for enough of the
        assessment period. The last element earns partial credit: the share of the period's
        days from the establishment date on, divided by ``min_active_share``. A missing or
        invalid establishment date earns nothing. This is a red-line rule: without a
        designated organization and leader the indicator cannot pass."""
        record = ctx.record(ORGANIZATION)
        if record is None:
            return 0.0
        data = record.data if isinstance(record.data, dict) else {}
        org = data.get("organization") if isinstance(data.get("organization"), dict) else {}
        leader = data.get("leader") if isinstance(data.get("leader"), dict) else {}
        fix_org = "Record the organization's name, establishment date and approving document."
        parts: list[float] = []

        parts.append(1.0 if _text(org.get("name")) else 0.0)
        if not parts[-1]:
            ctx.finding(
                "the lead organization has no name",
                at=ctx.at(record, pointer="/organization"),
                fix=fix_org,
            )
        parts.append(1.0 if _text(org.get("approving_document")) else 0.0)
        if not parts[-1]:
            ctx.finding(
                "no approving document is recorded for the lead organization",
                at=ctx.at(record, pointer="/organization"),
                fix="Give the reference of the notice or decision that set up the organization.",
            )
        parts.append(1.0 if _text(leader.get("role")) else 0.0)
        if not parts[-1]:
            ctx.finding(
                "no leader post is recorded for the lead organization",
                at=ctx.at(record, pointer="/leader" if leader else ""),
                fix="Name the post that heads the organization (leader.role).",
            )
        appointed = _day(leader.get("appointed"))
        designated = bool(_text(leader.get("name"))) or (
            appointed is not None and appointed <= ctx.period.end
        )
        parts.append(1.0 if designated else 0.0)
        if not designated:
            ctx.finding(
                "no leader is designated: neither a name nor an appointment date within the "
                "period is on record",
                at=ctx.at(record, pointer="/leader" if leader else ""),
                fix="Record who leads the organization (leader.name) or the appointment date.",
            )

        target = float(ctx.threshold("min_active_share"))
        established = _day(org.get("established"))
        if established is None:
            active = 0.0
            ctx.finding(
                "the lead organization's establishment date is missing or invalid",
                at=ctx.at(record, pointer="/organization"),
                fix=fix_org,
            )
        else:
            first = max(established, ctx.period.start)
            days = (ctx.period.end - first).days + 1
            active = max(0, days) / ctx.period.days
            if active < target:
                ctx.finding(
                    f"the lead organization was in place for {active:.0%} of the period "
                    f"(established {established.isoformat()}); at least {target:.0%} expected",
                    at=ctx.at(record, pointer="/organization/established"),
                    fix="Set up the organization before the period starts, or assess a period "
                    "in which it was in place.",
                )
        ctx.metric("organization_active_share", round(active, 4))
        parts.append(min(1.0, active / target) if target > 0 else 1.0)
        score = sum(parts) / len(parts)
        ctx.metric("lead_elements_met", round(score, 4))
        return score

    @rule(
        "R2",
        "The organization is staffed and every member has written duties",
        weight=2,
        severity="high",
        thresholds=("min_members", "min_duties_per_member"),
    )
    def members_with_duties(self, ctx: Context) -> float | None:
        """Counts distinct members (by ``member_id``; repeated ids count once) against
        ``min_members`` and checks that each has a role and at least
        ``min_duties_per_member`` written duties. Score: min(1, members / min_members) times
        the share of members whose duties are defined."""
        record = ctx.record(ORGANIZATION)
        if record is None:
            return 0.0
        members = _items(record.data, "members")
        minimum = int(ctx.threshold("min_members"))
        min_duties = int(ctx.threshold("min_duties_per_member"))
        seen: set[str] = set()
        distinct = 0
        defined = 0
        undefined: list[int] = []
        for index, member in members:
            member_id = _text(member.get("member_id"))
            if member_id and member_id in seen:
                ctx.finding(
                    f"member id {member_id} is listed more than once; counted once",
                    at=ctx.at(record, pointer=f"/members/{index}"),
                    fix="Give every member one entry with a unique member_id.",
                    severity="low",
                )
                continue
            if member_id:
                seen.add(member_id)
            distinct += 1
            duties = member.get("duties") if isinstance(member.get("duties"), list) else []
            written = sum(1 for d in duties if _text(d))
            if _text(member.get("role")) and written >= min_duties:
                defined += 1
            else:
                undefined.append(index)
        ctx.metric("members", distinct)
        ctx.metric("members_with_duties", defined)
        if distinct < minimum:
            ctx.finding(
                f"the organization has {distinct} member{'' if distinct == 1 else 's'}; at "
                f"least {minimum} expected",
                at=ctx.at(record, pointer="/members"),
                fix="Bring in members from the police, fire safety, property management and "
                "platform units.",
            )
        for index in undefined[:_MAX_LISTED]:
            ctx.finding(
                f"member at /members/{index} has no role or fewer than {min_duties} written duties",
                at=ctx.at(record, pointer=f"/members/{index}"),
                fix="Write down what the member is responsible for (duties) and their role.",
            )
        if len(undefined) > _MAX_LISTED:
            ctx.finding(
                f"{len(undefined) - _MAX_LISTED} more members lack written duties",
                at=ctx.at(record, pointer="/members"),
                fix="Write down every member's duties.",
            )
        if distinct == 0:
            return 0.0
        staffed = min(1.0, distinct / minimum) if minimum > 0 else 1.0
        return staffed * defined / distinct

    @rule(
        "R3",
        "The organization meets regularly during the period",
        weight=2,
        severity="medium",
        thresholds=("meetings_per_year", "min_attendance_share", "max_meeting_gap_days"),
    )
    def regular_meetings(self, ctx: Context) -> float | None:
        """Meetings dated inside the period count when they reached a quorum: attendance of
        at least ``min_attendance_share`` of the organization (members plus the leader).
        The period needs ``meetings_per_year`` such meetings, pro-rated to its length and at
        least one. Meetings on the same day count once. Score: min(1, quorate meetings /
        meetings needed), multiplied by min(1, ``max_meeting_gap_days`` / the longest
        stretch of the period without any meeting, counted from the period's start to its
        end)."""
        record = ctx.record(ORGANIZATION)
        if record is None:
            return 0.0
        data = record.data if isinstance(record.data, dict) else {}
        size = len(_items(data, "members")) + (1 if isinstance(data.get("leader"), dict) else 0)
        per_year = float(ctx.threshold("meetings_per_year"))
        share = float(ctx.threshold("min_attendance_share"))
        max_gap = int(ctx.threshold("max_meeting_gap_days"))
        needed = max(1, math.ceil(per_year * ctx.period.days / 365))
        quorum = max(1, math.ceil(share * size))
        held: set[date] = set()
        quorate: set[date] = set()
        below: list[int] = []
        outside = 0
        for index, meeting in _items(data, "meetings"):
            day = _day(meeting.get("date"))
            if day is None:
                continue
            if not ctx.period.start <= day <= ctx.period.end:
                outside += 1
                continue
            held.add(day)
            attendance = meeting.get("attendance")
            if isinstance(attendance, int) and not isinstance(attendance, bool):
                if attendance >= quorum:
                    quorate.add(day)
                else:
                    below.append(index)
            else:
                below.append(index)
        ctx.metric("meetings_in_period", len(held))
        ctx.metric("quorate_meetings", len(quorate))
        ctx.metric("meetings_needed", needed)
        if outside:
            ctx.metric("meetings_outside_period", outside)
        for index in below[:_MAX_LISTED]:
            ctx.finding(
                f"meeting at /meetings/{index} has no recorded attendance or fell short of the "
                f"quorum of {quorum}",
                at=ctx.at(record, pointer=f"/meetings/{index}"),
                fix="Record attendance; hold meetings the majority of members attend.",
                severity="low",
            )
        if len(quorate) < needed:
            ctx.finding(
                f"{len(quorate)} quorate meetings in the period; {needed} expected "
                f"({per_year:g} a year)",
                at=ctx.at(record, pointer="/meetings" if "meetings" in data else ""),
                fix="Hold the organization's working meetings regularly and keep their records.",
            )
        if not held:
            return 0.0
        bounds = [ctx.period.start - timedelta(days=1), *sorted(held), ctx.period.end]
        longest, gap_from = 0, bounds[0]
        for before, after in itertools.pairwise(bounds):
            if (after - before).days > longest:
                longest, gap_from = (after - before).days, before
        ctx.metric("longest_gap_days", longest)
        spread = 1.0
        if longest > max_gap:
            spread = max_gap / longest
            ctx.finding(
                f"no meeting for {longest} days after "
                f"{max(gap_from, ctx.period.start).isoformat()}; at most {max_gap} expected",
                at=ctx.at(record, pointer="/meetings"),
                fix="Spread meetings over the period instead of bunching them.",
            )
        return min(1.0, len(quorate) / needed) * spread

    @rule(
        "R4",
        "Members cover the required safety functions",
        weight=2,
        severity="high",
        thresholds=("required_functions",),
    )
    def functions_covered(self, ctx: Context) -> float | None:
        """The functions the members are responsible for (their ``functions`` codes, in any
        case or with hyphens) must include every function listed in the profile's
        ``required_functions``. Score: the share of required functions held by at least one
        member."""
        record = ctx.record(ORGANIZATION)
        if record is None:
            return 0.0
        required = [_code(str(f)) for f in ctx.threshold("required_functions")]
        if not required:
            return None
        held: set[str] = set()
        for _, member in _items(record.data, "members"):
            functions = member.get("functions")
            if isinstance(functions, list):
                held.update(_code(f) for f in functions if isinstance(f, str))
        missing = [f for f in required if f not in held]
        ctx.metric("functions_covered", len(required) - len(missing))
        ctx.metric("functions_required", len(required))
        for function in missing:
            ctx.finding(
                f"no member is responsible for {function}",
                at=ctx.at(record, pointer="/members"),
                fix=f"Bring in a member whose functions include {function}.",
            )
        return (len(required) - len(missing)) / len(required)


# -- evidence type, template and sample ---------------------------------------------------

_TEMPLATE = """\
# Community safety work organization (evidence type: safety_organization).
# Names are personal data: they are checked for presence only and never shown in reports.
organization:
  name: Community Safety Work Leading Group
  established: "2024-03-01"
  approving_document: JD-2024-014
  reports_to: Street office safety committee
leader:
  role: Director of the neighbourhood committee
  name: Resident 0001
  appointed: "2024-03-01"
members:
  - member_id: M001
    role: Fire safety officer
    department: Community micro fire station
    functions: [fire_safety]
    duties:
      - Organize monthly fire safety inspections
      - Keep the fire equipment ledger up to date
meetings:
  - date: "2025-03-12"
    topic: Quarterly safety review
    attendance: 8
    minutes_ref: MIN-2025-01
"""

# (role, department, functions, duties): the posts a well-staffed organization draws on.
_POSTS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "Deputy leader",
        "Neighbourhood committee",
        ("emergency_response",),
        ("Coordinate the community emergency plan", "Chair meetings when the leader is away"),
    ),
    (
        "Police liaison officer",
        "Community police office",
        ("public_security",),
        ("Share public security alerts", "Review video patrol findings each week"),
    ),
    (
        "Fire safety officer",
        "Community micro fire station",
        ("fire_safety",),
        ("Organize monthly fire inspections", "Keep the fire equipment ledger up to date"),
    ),
    (
        "Property safety manager",
        "Property management company",
        ("property_management",),
        ("Run daily patrols of buildings and car parks", "Report facility faults"),
    ),
    (
        "Platform administrator",
        "Smart community operations centre",
        ("information_platform",),
        ("Keep the safety platform running", "Check alarm handling records each day"),
    ),
    (
        "Grid coordinator",
        "Grid management station",
        ("public_security", "emergency_response"),
        ("Collect hidden-danger reports from grid workers", "Follow up rectification"),
    ),
    (
        "Health liaison",
        "Community health service centre",
        ("public_health",),
        ("Lead the public health emergency group", "Keep the health incident records"),
    ),
    (
        "Volunteer team leader",
        "Community volunteer association",
        ("emergency_response", "volunteer_coordination"),
        ("Mobilize volunteers for exercises", "Keep the volunteer duty roster"),
    ),
    (
        "Building safety inspector",
        "Housing safety office",
        ("building_safety",),
        ("Inspect ageing buildings each quarter", "Track structural warnings"),
    ),
)

_TOPICS = (
    "Quarterly safety review",
    "Fire season preparation",
    "Flood and typhoon readiness",
    "Platform alarm handling review",
    "Hidden-danger rectification follow-up",
    "Holiday security arrangements",
)


def _sample_organization(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """A leading group shaped by quality: good meets every rule, fair is understaffed and
    meets too rarely, poor lacks an approving document and a leader."""
    start, end = spec.period.start, spec.period.end
    quality = spec.quality
    org: dict[str, Any] = {"name": "Community Safety Work Leading Group"}
    if quality == "good":
        established = start - timedelta(days=rng.randrange(200, 900))
    elif quality == "fair":
        established = start - timedelta(days=rng.randrange(30, 200))
    else:
        established = start + timedelta(days=spec.period.days // 2)
    org["established"] = established.isoformat()
    if quality != "poor":
        org["approving_document"] = f"JD-{established.year}-{rng.randrange(1, 200):03d}"
    org["reports_to"] = "Street office safety committee"
    data: dict[str, Any] = {"organization": org}
    if quality != "poor":
        data["leader"] = {
            "role": "Director of the neighbourhood committee",
            "name": f"Resident {rng.randrange(1, 9999):04d}",
            "appointed": established.isoformat(),
        }
    if quality == "good":
        posts = list(_POSTS)
    elif quality == "fair":
        posts = [p for p in _POSTS if "information_platform" not in p[2]][:5]
    else:
        posts = [_POSTS[2], _POSTS[3], _POSTS[6]]
    members = []
    for n, (role, department, functions, duties) in enumerate(posts, start=1):
        written = list(duties)
        if quality == "fair" and n % 3 == 0:
            written = written[:1]
        elif quality == "poor" and n > 1:
            written = []
        members.append(
            {
                "member_id": f"M{n:03d}",
                "role": role,
                "department": department,
                "functions": list(functions),
                "duties": written,
            }
        )
    data["members"] = members
    size = len(members) + (1 if "leader" in data else 0)
    per_year = {"good": 6, "fair": 2, "poor": 1}[quality]
    count = max(1, round(per_year * spec.period.days / 365))
    step = spec.period.days / count
    meetings = []
    for k in range(count):
        offset = int(step * k + rng.uniform(0.2, 0.8) * step)
        day = min(end, start + timedelta(days=offset))
        low = 0.75 if quality == "good" else 0.35
        attendance = max(1, round(size * rng.uniform(low, 1.0)))
        meetings.append(
            {
                "date": day.isoformat(),
                "topic": _TOPICS[k % len(_TOPICS)],
                "attendance": attendance,
                "minutes_ref": f"MIN-{day.year}-{k + 1:02d}",
            }
        )
    data["meetings"] = meetings
    return [(f"records/{ORGANIZATION}.yaml", yaml_bytes(data))]


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=ORGANIZATION,
            kind="record",
            title="Safety work organization",
            description="The lead organization for community safety work: its setting-up "
            "document, leader, members with functions and duties, and its meetings.",
            schema=schema_id(ORGANIZATION),
            template_name=f"{ORGANIZATION}.yaml",
            template_text=_TEMPLATE,
            personal_columns=("leader.name", "members.name"),
            sample=_sample_organization,
        )
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(ORGANIZATION)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [OrganizationalSafeguard]
