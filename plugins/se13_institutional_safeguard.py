"""SE13 Institutional safeguard: written safety rules and regulations that cover what
matters, are kept current and approved, and are actually carried out."""

from __future__ import annotations

import math
import random
import re
from datetime import date, timedelta
from typing import Any

import polars as pl
from compliance_builtin._common import csv_bytes, load_schema, schema_id, yaml_bytes

from compliance import hookimpl
from compliance.frames import one_of, stripped
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

__all__ = ["InstitutionalSafeguard"]

RULES_DOC = "safety_rules"
REGISTER = "rules_register"
EXECUTION = "rule_execution_log"

# Outcomes that show a rule was carried out; not_completed records a missed activity.
DONE_OUTCOMES = ("completed", "issues_found", "rectified")

# Findings name at most this many rules, then summarize.
_MAX_LISTED = 10

_TOKEN = re.compile(r"[a-z0-9]+|[\u3400-\u9fff\uf900-\ufaff]")


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _flat(text: str) -> str:
    """Case-folded text with punctuation and runs of white space turned into one space, so
    'Fire-safety  rules' and 'fire safety rules' compare equal."""
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def _tokens(text: str) -> set[str]:
    """Latin words and single CJK characters (Chinese has no spaces between words)."""
    return set(_TOKEN.findall(text.casefold()))


def _mentions_id(rule_id: str, text: str) -> bool:
    """Whether ``rule_id`` appears in ``text`` as a whole identifier: rule 'D' is not found
    in the word 'Daily', nor RULE-1 in RULE-10."""
    pattern = rf"(?<![0-9A-Za-z_-]){re.escape(rule_id)}(?![0-9A-Za-z_-])"
    return re.search(pattern, text, flags=re.IGNORECASE) is not None


def _pattern(words: dict[str, list[str]]) -> re.Pattern[str] | None:
    """One case-insensitive alternation of every keyword of a set, longest first so that
    '应急预案' is counted once rather than also as '应急'."""
    flat = sorted({w.casefold() for ws in words.values() for w in ws if w.strip()}, key=len)
    if not flat:
        return None
    return re.compile("|".join(re.escape(w) for w in reversed(flat)))


def _rule_name(entry: dict[str, Any], index: int) -> str:
    """How messages name a register entry: its rule_id (ids are not personal data), or its
    position when the id is missing."""
    return _text(entry.get("rule_id")) or f"at /rules/{index}"


def _register(ctx: Context) -> list[tuple[Any, int, dict[str, Any]]]:
    """(record, index, entry) for every rule of every usable register record."""
    out = []
    for record in ctx.records(REGISTER):
        data = record.data if isinstance(record.data, dict) else {}
        rules = data.get("rules")
        if isinstance(rules, list):
            out.extend((record, i, r) for i, r in enumerate(rules) if isinstance(r, dict))
    return out


class InstitutionalSafeguard(Indicator):
    """The community has written rules and regulations for its safety work (patrols and
    inspections, fire safety, emergency response, information and data security,
    accountability), keeps them in an approved and up-to-date register, and carries them
    out: its records of safety management activities refer to the rules they apply.

    Evidence: ``safety_rules`` documents (PDF, DOCX or Markdown), a ``rules_register``
    record and a ``rule_execution_log`` table.
    """

    code = "SE13"
    title = "Institutional safeguard"
    dimension = "SMD"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(RULES_DOC, purpose="the text of the written safety rules"),
        Need(REGISTER, purpose="the list of rules with dates and approvals"),
        Need(EXECUTION, purpose="activities carried out under the rules"),
    )

    @rule(
        "R1",
        "The written rules cover the required topics",
        weight=3,
        severity="high",
        thresholds=("required_topics", "min_topic_mentions"),
    )
    def topics_covered(self, ctx: Context) -> float | None:
        """Each topic in ``required_topics`` names a keyword set of the profile (English and
        Chinese). A topic is covered when one of its keywords appears in a heading of any
        rules document, or at least ``min_topic_mentions`` times in their text (a passing
        mention is not a rule). Score: the share of required topics covered."""
        docs = ctx.documents(RULES_DOC)
        if not docs:
            return 0.0
        topics = [str(t) for t in ctx.threshold("required_topics")]
        if not topics:
            return None
        minimum = int(ctx.threshold("min_topic_mentions"))
        headings = "\n".join(h.text.casefold() for d in docs for h in d.headings)
        bodies = [d.text.casefold() for d in docs]
        covered = 0
        for topic in topics:
            pattern = _pattern(ctx.keywords(topic))
            if pattern is None:
                continue
            if pattern.search(headings):
                covered += 1
                continue
            mentions = sum(len(pattern.findall(body)) for body in bodies)
            if mentions >= minimum:
                covered += 1
                continue
            ctx.finding(
                f"the rules do not deal with {topic}: no heading and {mentions} mentions "
                f"(at least {minimum} expected)",
                at=ctx.at(docs[0]),
                fix=f"Add a rule (a section with its own heading) on {topic}.",
            )
        ctx.metric("topics_covered", covered)
        ctx.metric("topics_required", len(topics))
        return covered / len(topics)

    @rule(
        "R2",
        "Rules are in force and recently revised",
        weight=1,
        severity="medium",
        thresholds=("max_rule_age_days",),
    )
    def rules_current(self, ctx: Context) -> float | None:
        """A registered rule is current when it took effect by the end of the period and its
        latest revision (or, if never revised, its effective date) is at most
        ``max_rule_age_days`` before the period's end. Rules without a valid date are not
        current. Score: the share of registered rules that are current."""
        rules = _register(ctx)
        if not rules:
            return 0.0
        max_age = int(ctx.threshold("max_rule_age_days"))
        end = ctx.period.end
        current = 0
        stale: list[tuple[Any, int, str]] = []
        for record, index, entry in rules:
            effective = _day(entry.get("effective"))
            revised = _day(entry.get("last_revised")) or effective
            if effective is None or revised is None:
                why = "has no valid effective date"
            elif effective > end:
                why = "took effect after the period"
            elif (end - revised).days > max_age:
                why = (
                    f"was last revised {(end - revised).days} days before the period's end "
                    f"(at most {max_age})"
                )
            else:
                current += 1
                continue
            stale.append((record, index, f"{_rule_name(entry, index)} {why}"))
        for record, index, why in stale[:_MAX_LISTED]:
            ctx.finding(
                f"rule {why}",
                at=ctx.at(record, pointer=f"/rules/{index}"),
                fix="Review the rule, revise it where needed, and record the revision date.",
            )
        if len(stale) > _MAX_LISTED:
            ctx.finding(
                f"{len(stale) - _MAX_LISTED} more rules are not current",
                at=ctx.at(rules[0][0], pointer="/rules"),
            )
        share = current / len(rules)
        ctx.metric("rules_registered", len(rules))
        ctx.metric("rules_current_share", round(share, 4))
        return share

    @rule("R3", "Every rule has a recorded approval", weight=1, severity="medium")
    def rules_approved(self, ctx: Context) -> float | None:
        """A rule is approved when the register names the approving body or post and, if an
        approval date is given, it is a valid date no later than the period's end. Score:
        the share of registered rules that are approved."""
        rules = _register(ctx)
        if not rules:
            return 0.0
        approved = 0
        missing: list[tuple[Any, int, str]] = []
        for record, index, entry in rules:
            on = entry.get("approved_on")
            day = _day(on)
            ok_date = on is None or (day is not None and day <= ctx.period.end)
            if _text(entry.get("approved_by")) and ok_date:
                approved += 1
            else:
                missing.append((record, index, _rule_name(entry, index)))
        for record, index, rule_id in missing[:_MAX_LISTED]:
            ctx.finding(
                f"rule {rule_id} has no recorded approval within the period",
                at=ctx.at(record, pointer=f"/rules/{index}"),
                fix="Have the rule approved by the safety work organization and record "
                "approved_by and approved_on.",
            )
        if len(missing) > _MAX_LISTED:
            ctx.finding(
                f"{len(missing) - _MAX_LISTED} more rules lack a recorded approval",
                at=ctx.at(rules[0][0], pointer="/rules"),
            )
        share = approved / len(rules)
        ctx.metric("rules_approved_share", round(share, 4))
        return share

    @rule(
        "R4",
        "Safety management is carried out under the rules",
        weight=4,
        severity="high",
        thresholds=(
            "min_executions_per_rule_per_year",
            "min_executed_rule_share",
            "min_active_month_share",
        ),
    )
    def rules_executed(self, ctx: Context) -> float | None:
        """Execution records dated inside the period with a done outcome (completed,
        issues_found, rectified) count for the registered rule they quote. A rule is carried
        out when it has at least ``min_executions_per_rule_per_year`` such records, pro-rated
        to the period (at least one). The score multiplies three measured parts, since
        rules carried out only for a few months, or only a few rules carried out all year,
        both fall short: min(1, share of registered rules carried out /
        ``min_executed_rule_share``); min(1, months with records / months needed), months
        needed being ``min_active_month_share`` of the calendar months the period touches;
        and the share of in-period records that quote a registered rule (records quoting
        unknown rules show the register and practice disagree)."""
        rules = _register(ctx)
        table = ctx.table(EXECUTION)
        if not rules or table is None or table.frame is None:
            return 0.0
        registered = sorted({_text(e.get("rule_id")) for _, _, e in rules} - {""})
        # An entry without an id cannot be quoted by any record: it counts as not carried out.
        unnamed = sum(1 for _, _, e in rules if not _text(e.get("rule_id")))
        start, end = ctx.period.start, ctx.period.end
        per_year = float(ctx.threshold("min_executions_per_rule_per_year"))
        needed_runs = max(1, math.ceil(per_year * ctx.period.days / 365))
        share_target = float(ctx.threshold("min_executed_rule_share"))
        month_target = float(ctx.threshold("min_active_month_share"))

        frame = table.frame.filter(pl.col("date").is_between(start, end)).with_columns(
            stripped(table.frame, "rule_id").alias("__rule")
        )
        # A missing or unreadable rule_id quotes no registered rule.
        known = pl.col("__rule").is_in(registered).fill_null(False)
        done = one_of(pl.col("outcome"), DONE_OUTCOMES)
        # Runs per rule and day in one pass; the months come from the distinct days
        # (a year and a month per row cost more than the rest of the query).
        per_day_q = (
            frame.filter(known & done).group_by("__rule", "date").agg(pl.len().alias("runs"))
        )
        summary_q = frame.select(pl.len().alias("inside"), (~known).sum().alias("unknown"))
        unknown_q = frame.filter(~known).select("__file", "__row").head(5)
        per_day, summary, unknown_rows = pl.collect_all([per_day_q, summary_q, unknown_q])
        counts = per_day.group_by("__rule").agg(pl.col("runs").sum())
        months_df = (
            per_day.select(pl.col("date").unique())
            .select((pl.col("date").dt.year() * 100 + pl.col("date").dt.month()).alias("ym"))
            .unique()
        )
        inside = int(summary["inside"][0] or 0)
        unknown = int(summary["unknown"][0] or 0)
        runs = {str(r["__rule"]): int(r["runs"]) for r in counts.to_dicts()}

        carried = [r for r in registered if runs.get(r, 0) >= needed_runs]
        short = [r for r in registered if runs.get(r, 0) < needed_runs]
        total_rules = len(registered) + unnamed
        rule_share = len(carried) / total_rules
        ctx.metric("execution_records_in_period", inside)
        ctx.metric("rules_carried_out_share", round(rule_share, 4))
        if rule_share < share_target:
            names = short + ["(entries without rule_id)"] * bool(unnamed)
            shown = ", ".join(names[:_MAX_LISTED]) + (" ..." if len(names) > _MAX_LISTED else "")
            ctx.finding(
                f"{len(short) + unnamed} of {total_rules} registered rules have fewer than "
                f"{needed_runs} recorded activities in the period: {shown}",
                at=ctx.at(table),
                fix="Carry out every rule and record each activity with the rule's id.",
            )
        months: list[tuple[int, int]] = []
        y, m = start.year, start.month
        while (y, m) <= (end.year, end.month):
            months.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        active = {(v // 100, v % 100) for v in months_df["ym"].to_list() if v is not None}
        needed_months = max(1, math.ceil(month_target * len(months)))
        ctx.metric("months_with_execution", len(active))
        if len(active) < needed_months:
            idle = [f"{a}-{b:02d}" for a, b in months if (a, b) not in active]
            shown = ", ".join(idle[:12]) + (" ..." if len(idle) > 12 else "")
            ctx.finding(
                f"rules were carried out in {len(active)} of {len(months)} months; at least "
                f"{needed_months} expected (months without records: {shown})",
                at=ctx.at(table),
                fix="Carry out the rules throughout the period and log every activity.",
            )
        if unknown:
            first = unknown_rows.row(0, named=True)
            rows = ", ".join(str(r) for r in unknown_rows["__row"].to_list())
            ctx.finding(
                f"{unknown} execution records in the period quote a rule the register does "
                f"not list (first rows: {rows})",
                at=ctx.at(first["__file"], row=first["__row"], column="rule_id"),
                fix="Register the rule, or correct the rule_id in the log.",
            )
        if inside == 0:
            ctx.finding(
                "no execution records fall inside the period",
                at=ctx.at(table),
                fix="Log the safety management activities carried out under the rules.",
            )
            return 0.0
        rule_part = min(1.0, rule_share / share_target) if share_target > 0 else 1.0
        month_part = min(1.0, len(active) / needed_months)
        known_share = (inside - unknown) / inside
        ctx.metric("execution_known_rule_share", round(known_share, 4))
        return rule_part * month_part * known_share

    @rule(
        "R5",
        "The register and the rules documents agree",
        weight=1,
        severity="low",
        thresholds=("title_match_min_overlap",),
    )
    def register_matches_documents(self, ctx: Context) -> float | None:
        """Each registered rule must be found in the rules documents: its id appears in the
        text, its title appears in the text (ignoring case, punctuation and spacing), or a
        heading holds at least ``title_match_min_overlap`` of the title's words (single
        characters for Chinese). Score: the share of registered rules found."""
        rules = _register(ctx)
        docs = ctx.documents(RULES_DOC)
        if not rules or not docs:
            return 0.0
        overlap = float(ctx.threshold("title_match_min_overlap"))
        text = "\n".join(d.text for d in docs)
        flat_text = _flat(text)
        heading_tokens = [_tokens(h.text) for d in docs for h in d.headings]
        found = 0
        lost: list[tuple[Any, int, str]] = []
        for record, index, entry in rules:
            rule_id = _text(entry.get("rule_id"))
            title = _text(entry.get("title"))
            flat_title = _flat(title)
            words = _tokens(title)
            hit = (
                (rule_id and _mentions_id(rule_id, text))
                or (flat_title and flat_title in flat_text)
                or (words and any(len(words & h) / len(words) >= overlap for h in heading_tokens))
            )
            if hit:
                found += 1
            else:
                lost.append((record, index, _rule_name(entry, index)))
        for record, index, rule_id in lost[:_MAX_LISTED]:
            ctx.finding(
                f"registered rule {rule_id} is not found in the rules documents",
                at=ctx.at(record, pointer=f"/rules/{index}"),
                fix="Include the rule's text in the submitted documents, or correct its "
                "title in the register.",
            )
        if len(lost) > _MAX_LISTED:
            ctx.finding(
                f"{len(lost) - _MAX_LISTED} more registered rules are not found in the documents",
                at=ctx.at(rules[0][0], pointer="/rules"),
            )
        share = found / len(rules)
        ctx.metric("register_found_share", round(share, 4))
        return share


# -- evidence types, templates and samples ------------------------------------------------

_REGISTER_TEMPLATE = """\
# Register of community safety rules (evidence type: rules_register).
issued_by: Community Safety Work Leading Group
rules:
  - rule_id: RULE-01
    title: Daily safety patrol and inspection rules
    topic: patrol_inspection
    effective: "2023-05-01"
    last_revised: "2025-02-10"
    approved_by: Community Safety Work Leading Group
    approved_on: "2025-02-10"
    document: documents/safety_rules.md
"""

_LOG_HEADER = ("date", "rule_id", "activity", "outcome", "record_ref")

_LOG_TEMPLATE = """\
date,rule_id,activity,outcome,record_ref
2025-01-06,RULE-01,Daily patrol of buildings 1-6 and the car park,completed,WR0000001
2025-01-09,RULE-02,Monthly inspection of fire doors and hydrants,issues_found,WR0000002
"""

_DOC_TEMPLATE = """\
# Community Safety Management Rules

Issued by the Community Safety Work Leading Group.

## 1. Daily safety patrol and inspection rules (RULE-01)

Property safety staff patrol every building, car park and public area each day and record
the hidden dangers they find on the platform.
"""

# (rule_id, topic, English title, Chinese title, body, activity): the sample community's
# rules. Bodies use each topic's keywords only in their own section, so leaving a section
# out of a sample really leaves its topic uncovered.
_CATALOG: tuple[tuple[str, str, str, str, str, str], ...] = (
    (
        "RULE-01",
        "patrol_inspection",
        "Daily safety patrol and inspection rules",
        "日常安全巡查制度",
        "Property safety staff patrol every building, car park and public area each day "
        "along the routes the leading group sets. Each patrol records the hidden dangers "
        "it finds on the platform within two hours. Night patrols cover the gates and "
        "the underground garage. 巡查人员每日按规定路线巡查并登记隐患。",
        "Daily patrol of buildings and the car park",
    ),
    (
        "RULE-02",
        "fire_safety",
        "Fire safety management rules",
        "消防安全管理制度",
        "Fire doors, hydrants, extinguishers and evacuation routes are checked every month. "
        "Fire prevention notices are posted in every stairwell, and the micro fire station "
        "keeps its firefighting equipment ready. 消防设施每月检查，防火宣传常态开展。",
        "Monthly inspection of fire doors and hydrants",
    ),
    (
        "RULE-03",
        "emergency_response",
        "Emergency response and plan management rules",
        "应急处置与预案管理制度",
        "The community emergency plan names the emergency response teams, the disposal "
        "process for each kind of incident and the contacts of the superior departments. "
        "The emergency plan is reviewed each year. 突发事件发生后按应急预案处置。",
        "Review of the emergency plan and duty contacts",
    ),
    (
        "RULE-04",
        "data_security",
        "Platform data security and personal information protection rules",
        "平台数据安全与个人信息保护制度",
        "Only authorized roles may read residents' personal information on the platform. "
        "Data security reviews check access logs every quarter, and information security "
        "incidents are reported at once. 平台数据安全与个人信息保护由专人负责。",
        "Quarterly review of platform access logs",
    ),
    (
        "RULE-05",
        "accountability",
        "Safety work accountability rules",
        "安全工作责任制",
        "The responsibility system assigns each building and each facility to a named "
        "post. Accountability reviews follow every incident, and failures of duty are "
        "handled under the community's liability provisions. 落实安全工作责任制，严格问责。",
        "Accountability review of safety duties",
    ),
    (
        "RULE-06",
        "hazard_rectification",
        "Hidden-danger rectification rules",
        "隐患整改制度",
        "Every recorded hidden danger gets an owner and a deadline. The rectification is "
        "checked on site and closed on the platform with photographs. 隐患整改闭环管理。",
        "Follow-up of open rectification orders",
    ),
    (
        "RULE-07",
        "facility_maintenance",
        "Smart safety facility maintenance rules",
        "智能安防设施维护制度",
        "Cameras, smoke sensors, smart hydrants and door sensors are tested on a schedule; "
        "faulty devices are repaired within three working days. 智能设施定期维护。",
        "Scheduled test of cameras and sensors",
    ),
    (
        "RULE-08",
        "access_control",
        "Access control and visitor registration rules",
        "门禁与访客登记制度",
        "Gates open to registered residents and to visitors who register at the guard "
        "post. Lost access cards are cancelled the same day. 门禁与访客登记规范管理。",
        "Check of gate registration records",
    ),
    (
        "RULE-09",
        "training",
        "Safety training and drills rules",
        "安全培训与演练制度",
        "New staff receive safety training before their first shift; all staff join two "
        "evacuation drills a year. 员工上岗前接受安全培训。",
        "Staff safety training session",
    ),
    (
        "RULE-10",
        "video_surveillance",
        "Video surveillance and alarm handling rules",
        "视频监控与报警处置制度",
        "The monitoring centre watches the video feeds around the clock and handles every "
        "alarm within fifteen minutes. Footage is kept for thirty days. 视频监控全天值守。",
        "Monitoring centre alarm handling check",
    ),
)

_OUTCOMES = ("completed", "issues_found", "rectified", "not_completed")


def _rules_plan(spec: SampleSpec) -> dict[str, Any]:
    """What the register, the document and the log all describe. They are written from
    separate random streams, so the facts they share are derived from the spec alone."""
    q = spec.quality
    local = random.Random(f"se13-plan:{spec.seed}:{spec.community.id}:{q}")
    end = spec.period.end
    stale = {"good": 0, "fair": 4, "poor": 8}[q]
    unapproved = {"good": 0, "fair": 2, "poor": 5}[q]
    entries = []
    for n, (rule_id, topic, title, _zh, _body, _act) in enumerate(_CATALOG):
        effective = end - timedelta(days=local.randrange(900, 1800))
        if n >= len(_CATALOG) - stale:
            revised = end - timedelta(days=local.randrange(1200, 1700))
        else:
            revised = end - timedelta(days=local.randrange(30, 330))
        revised = max(revised, effective)
        entry: dict[str, Any] = {
            "rule_id": rule_id,
            "title": title,
            "topic": topic,
            "effective": effective.isoformat(),
            "last_revised": revised.isoformat(),
        }
        if n < len(_CATALOG) - unapproved:
            entry["approved_by"] = "Community Safety Work Leading Group"
            entry["approved_on"] = revised.isoformat()
        entry["document"] = f"documents/{RULES_DOC}.md"
        entries.append(entry)
    if q == "good":
        in_doc = [c[0] for c in _CATALOG]
        executed = list(in_doc)
    elif q == "fair":
        in_doc = [c[0] for c in _CATALOG if c[1] != "data_security"]
        executed = [c[0] for c in _CATALOG][:6]
    else:
        in_doc = ["RULE-01", "RULE-02", "RULE-06"]
        executed = ["RULE-01", "RULE-02", "RULE-06"]
    return {"entries": entries, "in_doc": in_doc, "executed": executed}


def _sample_register(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    plan = _rules_plan(spec)
    data = {"issued_by": "Community Safety Work Leading Group", "rules": plan["entries"]}
    return [(f"records/{REGISTER}.yaml", yaml_bytes(data))]


def _sample_rules_document(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """A bilingual Markdown rules book: one section per rule, with the rule id and the
    revision date the register gives."""
    plan = _rules_plan(spec)
    revised = {e["rule_id"]: e["last_revised"] for e in plan["entries"]}
    lines = [
        "# Community Safety Management Rules / 社区安全管理制度",
        "",
        f"Issued by the Community Safety Work Leading Group for {spec.community.name}. "
        "These rules bind the neighbourhood committee, the property management company and "
        "the smart community operations centre.",
        "",
    ]
    number = 0
    for rule_id, _topic, title, zh, body, _act in _CATALOG:
        if rule_id not in plan["in_doc"]:
            continue
        number += 1
        if spec.quality == "poor":
            # A poor rules book is a flat list without sections.
            lines += [f"{number}) {title}: {body}", ""]
            continue
        lines += [
            f"## {number}. {title} / {zh}",
            "",
            f"Rule {rule_id}. Last revised {revised[rule_id]}.",
            "",
            body,
            "",
        ]
    return [(f"documents/{RULES_DOC}.md", "\n".join(lines).encode("utf-8"))]


def _sample_execution_log(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """Activities under the executed rules: one per rule in every active month, the rest
    drawn at random (patrols most often); fair and poor logs skip months, miss rules and
    quote unregistered rule ids."""
    plan = _rules_plan(spec)
    q = spec.quality
    start = spec.period.start
    all_days = [start + timedelta(n) for n in range(spec.period.days)]
    months = sorted({(d.year, d.month) for d in all_days})
    idle_count = {"good": 0, "fair": min(len(months) - 1, 4), "poor": max(0, len(months) - 4)}
    idle = set(rng.sample(months, k=idle_count[q]))
    by_month: dict[tuple[int, int], list[str]] = {}
    for d in all_days:
        if (d.year, d.month) not in idle:
            by_month.setdefault((d.year, d.month), []).append(d.isoformat())
    days = [t for m in sorted(by_month) for t in by_month[m]]
    executed = plan["executed"]
    activity = {c[0]: c[5] for c in _CATALOG}
    # Patrols happen far more often than reviews: RULE-01 gets half of the random rows.
    pool = [executed[0]] * len(executed) + executed
    unknown = {"good": 0.0, "fair": 0.02, "poor": 0.08}[q]
    missed = {"good": 0.01, "fair": 0.03, "poor": 0.15}[q]
    random_ = rng.random
    # (day, rule, scheduled): scheduled rows are the one-per-month activities, which are
    # always carried out so a missed activity cannot erase a month or a rule.
    rows: list[tuple[str, str, bool]] = []
    for month in sorted(by_month):
        month_days = by_month[month]
        for rule_id in executed:
            rows.append((month_days[int(random_() * len(month_days))], rule_id, True))
    n_days, n_pool = len(days), len(pool)
    for _ in range(max(0, spec.rows - len(rows))):
        rule_id = "RULE-99" if random_() < unknown else pool[int(random_() * n_pool)]
        rows.append((days[int(random_() * n_days)], rule_id, False))
    rows.sort()
    out = []
    for idx, (day, rule_id, scheduled) in enumerate(rows, start=1):
        r = random_()
        if r < missed and not scheduled:
            outcome = "not_completed"
        elif r < 0.2:
            outcome = "issues_found"
        elif r < 0.3:
            outcome = "rectified"
        else:
            outcome = "completed"
        text = activity.get(rule_id, "Activity under an unregistered rule")
        out.append((day, rule_id, text, outcome, f"WR{idx:07d}"))
    return [(f"tables/{EXECUTION}.csv", csv_bytes(_LOG_HEADER, out))]


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=RULES_DOC,
            kind="document",
            title="Community safety rules",
            description="The written safety rules and regulations (PDF, DOCX or Markdown), "
            "one section per rule.",
            template_name=f"{RULES_DOC}.md",
            template_text=_DOC_TEMPLATE,
            sample=_sample_rules_document,
        ),
        EvidenceType(
            id=REGISTER,
            kind="record",
            title="Register of safety rules",
            description="The rules in force: id, title, topic, effective and revision "
            "dates, and approval.",
            schema=schema_id(REGISTER),
            template_name=f"{REGISTER}.yaml",
            template_text=_REGISTER_TEMPLATE,
            sample=_sample_register,
        ),
        EvidenceType(
            id=EXECUTION,
            kind="table",
            title="Rule execution log",
            description="Safety management activities carried out under the registered "
            "rules, with date and outcome.",
            schema=schema_id(EXECUTION),
            template_name=f"{EXECUTION}.csv",
            template_text=_LOG_TEMPLATE,
            sample=_sample_execution_log,
            sample_rows=0.3,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(REGISTER), load_schema(EXECUTION)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [InstitutionalSafeguard]
