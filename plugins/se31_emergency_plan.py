"""SE31 Emergency plan implementing: the community's emergency plan has the parts it needs,
follows the superior department's plan, is kept current and can be used in an emergency.

The plan is a document (PDF, DOCX or Markdown). Its parts are found by heading keywords in
English and Chinese from the profile; the rules then look inside the parts: the hazard list
and the rescue team must have entries, and the contact list's numbers must be well formed.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from compliance import hookimpl
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule
from compliance.verdict import Location

from ._platform import keyword_pattern, list_findings, share_score

__all__ = ["EmergencyPlan", "contact_problem", "plan_sections"]

PLAN = "emergency_plan"

# A list item (-, *, +, 1., 1), 1、, (1)) or a table row.
_ITEM = re.compile(
    r"^\s*(?:[-*+•]\s+|\(?\d{1,3}[.)、]\s*|[（(][一二三四五六七八九十\d]{1,3}[)）]\s*|\|)"
)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
# Candidate phone numbers: digits with optional spaces or hyphens, optionally after +.
_NUMBER = re.compile(r"\+?\d[\d\- ]*\d|\d")
_MOBILE = re.compile(r"^(?:86)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")
_SERVICE = re.compile(r"^(?:1\d{2,4}|9\d{4})$")
_LABEL = re.compile(r"[A-Za-z\u3400-\u9fff]{2,}")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


@dataclass
class Section:
    """A part of the plan: its heading and the lines under it (subsections included)."""

    part: str
    heading: str
    line: int | None  # 1-based line of the heading in the file, when known
    page: int | None
    body: list[tuple[int | None, int | None, str]] = field(default_factory=list)
    path: str = ""  # the document the section was found in

    def entries(self) -> list[tuple[int | None, int | None, str]]:
        """The section's entries: list items and table rows, a table's header row left out.

        Markdown tables start rows with ``|`` and mark the header with a rule row below
        it; DOCX tables arrive as cells joined by `` | ``, and their first row is taken as
        the header. DOCX list paragraphs carry no marker in their text, so a section
        without any marked entry counts each of its non-empty lines as one entry."""
        lines = [b for b in self.body if b[2].strip()]
        out = []
        for k, (line, page, text) in enumerate(lines):
            if _TABLE_RULE.match(text):
                continue
            if text.lstrip().startswith("|"):
                nxt = lines[k + 1][2] if k + 1 < len(lines) else ""
                if _TABLE_RULE.match(nxt):
                    continue  # the header row of a Markdown table
            elif " | " in text:
                prev = lines[k - 1][2] if k else ""
                if " | " not in prev or prev.lstrip().startswith("|"):
                    continue  # the first row of a DOCX table: its header
            elif not _ITEM.match(text):
                continue
            out.append((line, page, text))
        return out or lines


def _clean(text: str) -> str:
    return " ".join(text.lstrip("#").split()).casefold()


def plan_sections(doc: Any, parts: dict[str, re.Pattern[str]]) -> dict[str, Section]:
    """The first section of the document whose heading matches each part's keywords.

    Headings are located in the text in order (for the line numbers) and a section runs
    to the next heading of the same or a higher level."""
    lines: list[tuple[int | None, str]] = []
    for number, page in enumerate(doc.pages, start=1):
        for text in page.split("\n"):
            lines.append((number if doc.format == "pdf" else None, text))
    located: list[tuple[int, Any]] = []
    cursor = 0
    for heading in doc.headings:
        want = _clean(heading.text)
        for k in range(cursor, len(lines)):
            if want and want in _clean(lines[k][1]):
                located.append((k, heading))
                cursor = k + 1
                break
    offset = None
    for k, heading in located:
        if heading.line is not None:
            offset = heading.line - (k + 1)
            break
    heading_lines = {k for k, _ in located}
    found: dict[str, Section] = {}
    for n, (k, heading) in enumerate(located):
        # A heading may introduce several parts ("Rescue team and contacts").
        parts_here = [
            p for p, pat in parts.items() if p not in found and pat.search(heading.text.casefold())
        ]
        if not parts_here:
            continue
        end = len(lines)
        for k2, h2 in located[n + 1 :]:
            if h2.level <= heading.level:
                end = k2
                break
        body = [
            (j + 1 + offset if offset is not None else None, lines[j][0], lines[j][1])
            for j in range(k + 1, end)
            if j not in heading_lines
        ]
        for part in parts_here:
            found[part] = Section(part, heading.text, heading.line, heading.page, body)
    return found


def contact_problem(entry: str) -> str | None:
    """Why a contact entry is not usable (None when it is): it needs a label (a role or
    an organization) and at least one number, and every number must be a mainland mobile
    number, a landline with its area code, or a short service number (110, 12345...)."""
    numbers = [re.sub(r"[\s\-+]", "", m) for m in _NUMBER.findall(entry)]
    numbers = [n for n in numbers if len(n) >= 3]
    if not numbers:
        return "gives no telephone number"
    if not _LABEL.search(_NUMBER.sub(" ", entry)):
        return "names no role or organization"
    for n in numbers:
        if not (_MOBILE.match(n) or _LANDLINE.match(n) or _SERVICE.match(n)):
            return (
                "has a number that is not a mobile, a landline with area code or a service number"
            )
    return None


def _label(part: str) -> str:
    """How messages name a part: its keyword set's name without the prefix."""
    return part.removeprefix("plan_").replace("_", " ")


def _dates(text: str) -> list[date]:
    out = []
    for y, m, d in _DATE.findall(text):
        try:
            out.append(date(int(y), int(m), int(d)))
        except ValueError:
            continue
    return out


class EmergencyPlan(Indicator):
    """The community has an emergency plan, drawn up under the superior department's plan
    and fitted to the community, that sets out the organization for disaster and risk
    management, the list of disaster risks and hidden dangers, the disposal process, the
    contacts and the rescue team; the plan is revised regularly and its contents are usable.

    Evidence: ``emergency_plan`` documents (PDF, DOCX or Markdown).
    """

    code = "SE31"
    title = "Emergency plan implementing"
    dimension = "EEP"
    version = "1.0.0"
    thread_safe = True
    evidence = (Need(PLAN, purpose="the community's emergency plan"),)

    def _sections(self, ctx: Context) -> tuple[list[Any], dict[str, Section]]:
        """The plan documents and the first section found for each required part, computed
        once per evaluation."""
        cache: dict[int, Any] = self.__dict__.setdefault("_cache", {})
        if id(ctx) not in cache:
            docs = ctx.documents(PLAN)
            parts = {}
            for name in ctx.threshold("required_parts"):
                pattern = keyword_pattern(ctx.keywords(str(name)))
                if pattern is not None:
                    parts[str(name)] = pattern
            found: dict[str, Section] = {}
            for doc in docs:
                for part, section in plan_sections(doc, parts).items():
                    if part not in found:
                        section.path = doc.path
                        found[part] = section
            cache[id(ctx)] = (docs, found)
        docs, found = cache[id(ctx)]
        return docs, found

    @staticmethod
    def _at(ctx: Context, section: Section, line: int | None, page: int | None) -> Location:
        return ctx.at(section.path, line=line, page=page)

    @rule(
        "R1",
        "The plan has every required part",
        weight=4,
        severity="high",
        thresholds=("required_parts",),
    )
    def parts_present(self, ctx: Context) -> float | None:
        """``required_parts`` names keyword sets of the profile (English and Chinese): the
        organization, the risk and hidden-danger list, the disposal process, the contacts
        and the rescue team. A part is present when a heading of a plan document contains
        one of its keywords. Score: the share of required parts present."""
        docs, found = self._sections(ctx)
        required = [str(p) for p in ctx.threshold("required_parts")]
        if not docs or not required:
            return None
        missing = [p for p in required if p not in found]
        ctx.metric("parts_present", len(required) - len(missing))
        ctx.metric("parts_required", len(required))
        for part in missing:
            words = ctx.keywords(part)
            example = ", ".join((words.get("en") or [])[:1] + (words.get("zh") or [])[:1])
            ctx.finding(
                f"the plan has no section on {_label(part)} (no heading with a keyword "
                f"such as {example})",
                at=ctx.at(docs[0]),
                fix=f"Add a section with its own heading for {part}.",
            )
        return (len(required) - len(missing)) / len(required)

    @rule(
        "R2",
        "The plan cites the superior department's plan",
        weight=2,
        severity="medium",
        thresholds=("superior_levels", "plan_words"),
    )
    def cites_superior(self, ctx: Context) -> float | None:
        """The plan must name the plan it implements: a line that contains both a word for a
        superior level (keyword set named by ``superior_levels``: district, city, street
        office...) and a word for an emergency plan (set named by ``plan_words``). Score 1
        when such a line exists, 0.5 when the plan only mentions a superior level
        without naming its plan, else 0."""
        docs = ctx.documents(PLAN)
        if not docs:
            return None
        levels = keyword_pattern(ctx.keywords(str(ctx.threshold("superior_levels"))))
        plans = keyword_pattern(ctx.keywords(str(ctx.threshold("plan_words"))))
        if levels is None or plans is None:
            return None
        mentions = 0
        for doc in docs:
            for line in doc.text.casefold().split("\n"):
                if levels.search(line):
                    mentions += 1
                    if plans.search(line):
                        ctx.metric("superior_plan_cited", True)
                        return 1.0
        ctx.metric("superior_plan_cited", False)
        ctx.finding(
            "the plan does not name the superior department's emergency plan it implements"
            + (" (it mentions a superior level only)" if mentions else ""),
            at=ctx.at(docs[0]),
            fix="State the basis of the plan: the district or street office's overall "
            "emergency plan, by its title.",
        )
        return 0.5 if mentions else 0.0

    @rule(
        "R3",
        "The plan was revised recently",
        weight=2,
        severity="medium",
        thresholds=("plan_max_age_days", "revision_words"),
    )
    def revised_recently(self, ctx: Context) -> float | None:
        """The revision date is the latest of: the document's recorded modification date and
        every date on a line that carries a revision keyword (set named by
        ``revision_words``: revised, updated, 修订...), ignoring dates after the period's
        end. Within ``plan_max_age_days`` of the period's end the score is 1; beyond it the
        allowed age over the actual age; no revision date scores 0."""
        docs = ctx.documents(PLAN)
        if not docs:
            return None
        words = keyword_pattern(ctx.keywords(str(ctx.threshold("revision_words"))))
        end = ctx.period.end
        found: list[date] = []
        for doc in docs:
            for key in ("modified", "created"):
                value = doc.metadata.get(key)
                if value:
                    found.extend(_dates(value))
            for line in doc.text.split("\n"):
                if words is not None and words.search(line.casefold()):
                    found.extend(_dates(line))
        dated = [d for d in found if d <= end]
        allowed = int(ctx.threshold("plan_max_age_days"))
        if not dated:
            ctx.finding(
                "the plan shows no revision date",
                at=ctx.at(docs[0]),
                fix="Record the date of each revision on the plan's cover or in its front matter.",
            )
            return 0.0
        age = (end - max(dated)).days
        ctx.metric("plan_age_days", age)
        if age <= allowed:
            return 1.0
        ctx.finding(
            f"the plan was last revised {age} days before the period's end (at most {allowed})",
            at=ctx.at(docs[0]),
            fix="Review and revise the plan, especially after exercises and changes in the "
            "community's risks or staff.",
        )
        return allowed / age

    @rule(
        "R4",
        "The contact list is complete and its numbers are well formed",
        weight=2,
        severity="medium",
        thresholds=("min_contact_entries", "contact_well_formed_share_min"),
    )
    def contacts_usable(self, ctx: Context) -> float | None:
        """Reads the entries (list items or table rows) of the contacts section. An entry is
        well formed when it names a role or organization and every number in it is a
        mainland mobile number, a landline with area code or a short service number. Score:
        the share of well-formed entries over ``contact_well_formed_share_min`` (capped at
        1), times the number of entries over ``min_contact_entries`` (capped at 1). No
        contacts section scores 0. Findings give line numbers, never the numbers."""
        docs, found = self._sections(ctx)
        if not docs:
            return None
        section = found.get("plan_contacts")
        if section is None:
            ctx.finding("the plan has no contacts section to check", at=ctx.at(docs[0]))
            return 0.0
        entries = section.entries()
        bad = [(line, page, why) for line, page, t in entries if (why := contact_problem(t))]
        ctx.metric("contact_entries", len(entries))
        ctx.metric("contact_entries_malformed", len(bad))
        minimum = int(ctx.threshold("min_contact_entries"))
        if len(entries) < minimum:
            ctx.finding(
                f"the contacts section lists {len(entries)} entries (at least {minimum})",
                at=self._at(ctx, section, section.line, section.page),
                fix="List the duty office, every member of the emergency organization, the "
                "rescue team leaders and the public emergency numbers.",
            )
        list_findings(
            ctx,
            [
                (
                    self._at(ctx, section, line, page),
                    "contact entry " + (f"on line {line} " if line else "") + why,
                )
                for line, page, why in bad
            ],
            fix="Give every contact a role and a complete number (mobile, or landline with "
            "area code).",
            more="malformed contact entries",
        )
        if not entries:
            return 0.0
        share = 1 - len(bad) / len(entries)
        size = min(1.0, len(entries) / minimum) if minimum > 0 else 1.0
        return share_score(share, float(ctx.threshold("contact_well_formed_share_min"))) * size

    @rule(
        "R5",
        "The hazard list and the rescue team have substance",
        weight=2,
        severity="medium",
        thresholds=("min_risk_items", "min_rescue_team_entries"),
    )
    def parts_substantial(self, ctx: Context) -> float | None:
        """Counts the entries (list items or table rows) of the risk and hidden-danger list
        section and of the rescue team section. Each scores its count over its minimum
        (``min_risk_items``, ``min_rescue_team_entries``), capped at 1, and 0 when the
        section is absent; the rule's score is the mean of the two."""
        docs, found = self._sections(ctx)
        if not docs:
            return None
        scores = []
        for part, name in (
            ("plan_risk_list", "min_risk_items"),
            ("plan_rescue_team", "min_rescue_team_entries"),
        ):
            minimum = int(ctx.threshold(name))
            section = found.get(part)
            count = len(section.entries()) if section else 0
            ctx.metric(f"{part}_entries", count)
            if minimum <= 0:
                scores.append(1.0)
                continue
            scores.append(min(1.0, count / minimum))
            if count < minimum:
                ctx.finding(
                    f"the {_label(part)} section lists {count} entries (at least {minimum})",
                    at=self._at(ctx, section, section.line, section.page)
                    if section
                    else ctx.at(docs[0]),
                    fix="List each item on its own line (a list or a table) with what it is, "
                    "where, and who is responsible.",
                )
        return sum(scores) / len(scores)


# -- sample evidence ---------------------------------------------------------------------

_RISKS = (
    "Typhoon and rainstorm flooding of the underground garage | Garage B1 | Property manager",
    "Electric bicycle charging fire | Bicycle shed | Safety officer",
    "Gas leak in old residential buildings | Buildings 3-5 | Gas company liaison",
    "Falling objects from height | Buildings 1-6 | Grid workers",
    "Crowding at the community festival | Central square | Neighbourhood committee",
    "Elevator entrapment | All buildings | Elevator maintenance contractor",
    "Slope collapse after heavy rain | North slope | Street office engineer",
    "Power failure of the fire pump room | Pump room | Property engineer",
)
_TEAM = (
    "Fire and rescue volunteer squad | 12 members | Captain: team leader post",
    "Property engineering emergency squad | 8 members | Shift supervisor",
    "Medical first-aid group | 5 members | Community health station",
    "Evacuation guidance group | 15 members | Building stewards",
    "Logistics and supplies group | 6 members | Neighbourhood committee",
)
_CONTACTS = (
    ("社区应急值班室 Community emergency duty office", "0755-0000 1001"),
    ("街道应急办 Street office emergency office", "0755-0000 2002"),
    ("物业服务中心 Property service centre", "0755-0000 3003"),
    ("救援队队长 Rescue team leader (post)", "138 0000 0101"),
    ("社区卫生服务站 Community health station", "0755-0000 4004"),
    ("火警 Fire", "119"),
    ("急救 Ambulance", "120"),
    ("报警 Police", "110"),
)
# quality -> (sections left out, revision age in days, malformed contacts, cites superior)
_SHAPE: dict[str, tuple[tuple[str, ...], int, int, bool]] = {
    "good": ((), 90, 0, True),
    "fair": (("team",), 1200, 1, True),
    "poor": (("risks", "team"), 2000, 3, False),
}


def _sample_plan(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """A bilingual Markdown plan with front matter; the quality leaves out sections, ages
    the revision date and spoils some contact numbers."""
    left_out, age, bad_contacts, cites = _SHAPE.get(spec.quality, _SHAPE["fair"])
    revised = spec.period.end - timedelta(days=age + rng.randint(0, 20))
    name = spec.community.name
    out = [
        "---",
        f"title: {name} emergency plan",
        f"revised: {revised.isoformat()}",
        "---",
        "",
        f"# {name} 社区突发事件总体应急预案 (Community emergency plan)",
        "",
        f"修订日期 Revised: {revised.isoformat()}",
        "",
        "## 1 总则 (General provisions)",
        "",
    ]
    if cites:
        out.append(
            "本预案依据《区突发事件总体应急预案》和街道应急预案编制。 This plan implements the "
            "district overall emergency plan and the street office emergency plan."
        )
    else:
        out.append("本预案适用于本社区范围内的各类突发事件。")
    out += [
        "",
        "## 2 组织体系 (Emergency organization)",
        "",
        "The community emergency leading group directs disaster and risk management; the "
        "neighbourhood committee director heads it and the property manager is deputy.",
        "",
        "- Leading group: decides on response levels and resources",
        "- Duty office: receives reports around the clock",
        "- Working groups: rescue, evacuation, medical, logistics",
        "",
    ]
    if "risks" not in left_out:
        out += ["## 3 风险隐患清单 (Risk and hidden-danger list)", ""]
        out += ["| Risk | Place | Responsible |", "|---|---|---|"]
        count = len(_RISKS) if spec.quality == "good" else 3
        out += [f"| {r} |" for r in _RISKS[:count]]
        out.append("")
    out += [
        "## 4 应急处置流程 (Disposal process)",
        "",
        "1. Report: whoever finds the event calls the duty office at once.",
        "2. Assess: the duty officer grades the event and alerts the leading group.",
        "3. Respond: the working groups act under the leading group; residents are evacuated "
        "where needed.",
        "4. Recover: the site is made safe, losses recorded and the plan reviewed.",
        "",
    ]
    if "team" not in left_out:
        out += ["## 5 救援队伍 (Rescue team)", ""]
        out += [f"- {t}" for t in _TEAM]
        out.append("")
    out += ["## 6 联系方式 (Contacts)", "", "| 岗位 Role | 电话 Phone |", "|---|---|"]
    for k, (role, number) in enumerate(_CONTACTS):
        if k < bad_contacts:
            number = number.replace(" ", "")[:-3]  # digits lost when the list was copied
        out.append(f"| {role} | {number} |")
    out.append("")
    return [("documents/emergency_plan.md", "\n".join(out).encode("utf-8"))]


_TEMPLATE = """\
---
title: Community emergency plan
revised: 2025-06-01
---

# Community emergency plan

This plan implements the district overall emergency plan.

## 1 Emergency organization
## 2 Risk and hidden-danger list
## 3 Disposal process
## 4 Rescue team
## 5 Contacts

| Role | Phone |
|---|---|
| Community emergency duty office | 0755-0000 1001 |
"""


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=PLAN,
            kind="document",
            title="Community emergency plan",
            description="The community's emergency plan (PDF, DOCX or Markdown) with its "
            "organization, risk and hidden-danger list, disposal process, rescue team and "
            "contacts, and the date of its latest revision.",
            template_name="emergency_plan.md",
            template_text=_TEMPLATE,
            sample=_sample_plan,
        )
    ]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [EmergencyPlan]
