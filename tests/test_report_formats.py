"""The built-in report formats: json (schema-valid), md and html (escaped, deterministic,
self-contained). Reports are built directly from the model so each test controls every
string that reaches a renderer."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from functools import cache
from html.parser import HTMLParser
from importlib.resources import files

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from compliance.plugins import PluginHost
from compliance.report.charts import radar_svg, xml_escape
from compliance.report.formats import compliance_renderers
from compliance.report.html import render_html
from compliance.report.jsonfmt import render_json
from compliance.report.markdown import md_escape, render_markdown
from compliance.report.model import DimensionResult, Gate, Report
from compliance.verdict import (
    EvidenceRef,
    Finding,
    Location,
    RuleResult,
    Severity,
    Status,
    Verdict,
)

SHA = "0123456789abcdef" * 4
HOSTILE = "<script>alert(1)</script> | **bold** _x_ [a](b) #1 `c`\nsecond line"
SEVEN = [
    ("SMD", "Safeguard mechanism"),
    ("PS", "Platform safety"),
    ("EEP", "Execution of emergency plans"),
    ("CPS", "Community public safety"),
    ("SI", "Smart infrastructure"),
    ("EMD", "Emergency measure"),
    ("SPE", "Safety propaganda and education"),
]


# -- a small report factory --------------------------------------------------------------


def make_report(
    *,
    message: str = "3 days without a patrol record",
    path: str = "logs/patrol.csv",
    community_name: str = "Lianhua Community",
    seven_dimensions: bool = False,
) -> Report:
    """Two dimensions (or seven), three verdicts: pass with findings, error, and
    insufficient_evidence; a plugin error, an unassessed indicator, a manifest issue."""
    ref = EvidenceRef(path=path, type="patrol_log", sha256=SHA, size=48213)
    passed = Verdict(
        code="SE15",
        title="Operation safeguard",
        dimension="SMD",
        status=Status.PASS,
        score=86.5,
        grade="B",
        findings=[
            Finding(
                "SE15.R2",
                Severity.MEDIUM,
                message,
                Location(path, row=12),
                "Record every daily patrol in the work file",
            ),
            Finding("SE15.R1", Severity.INFO, "work files found for 5 of 5 kinds"),
        ],
        metrics={"coverage": 0.9345, "days_without_patrol": 3, "complete": False, "lag": None},
        rules=[
            RuleResult("SE15.R1", "Work files exist", 2.0, 1.0, Severity.HIGH, red_line=True),
            RuleResult(
                "SE15.R2", "Daily patrol coverage", 1.0, 0.595, Severity.MEDIUM, note="3 gaps"
            ),
        ],
        evidence=[ref],
        plugin="SE15",
        version="0.1.0",
        duration_ms=12.5,
    )
    crashed = Verdict(
        code="SE21",
        title="Information safety safeguard",
        dimension="PS",
        status=Status.ERROR,
        reason="KeyError in rule SE21.R1 at se21_information_safety.py:40",
        plugin="SE21",
        version="0.1.0",
    )
    missing = Verdict(
        code="SE22",
        title="Platform data safety",
        dimension="PS",
        status=Status.INSUFFICIENT_EVIDENCE,
        reason="missing or unusable evidence: data_security_policy",
        plugin="SE22",
        version="0.1.0",
    )
    dims = [
        DimensionResult("SMD", "Safeguard mechanism", 0.2, 86.5, "B", 1, ["SE15"]),
        DimensionResult("PS", "Platform safety", 0.15, None, None, 0, ["SE21", "SE22"]),
    ]
    if seven_dimensions:
        dims += [
            DimensionResult(code, name, 0.13, 40.0 + 5 * i, "C", 0, [])
            for i, (code, name) in enumerate(SEVEN[2:])
        ]
    return Report(
        tool={"name": "compliance", "version": "0.1.0"},
        generated_at="2024-03-01T08:00:00Z",
        bundle={
            "source": "lianhua.zip",
            "kind": "zip",
            "manifest": "bundle.json",
            "files": 6,
            "fixity": None,
        },
        community={
            "id": "sz-futian-lianhua",
            "name": community_name,
            "city": "Shenzhen",
            "district": "Futian",
            "population": 12800,
            "households": 4310,
        },
        period={"start": "2023-01-01", "end": "2023-12-31"},
        submitter={"organization": "Lianhua community office", "role": "safety officer"},
        profile={"name": "default", "version": "1", "weights_note": "equal weights"},
        score=86.5,
        grade="B",
        status="pass",
        gate=Gate(fail_under=60.0, passed=True, reasons=[]),
        dimensions=dims,
        verdicts=[passed, crashed, missing],
        unassessed=[
            {
                "code": "SE11",
                "title": "Organizational safeguard",
                "dimension": "SMD",
                "reason": "no loaded plugin provides this indicator",
            }
        ],
        plugins=[
            {
                "name": "formats",
                "module": "compliance.report.formats",
                "distribution": "community-safety-compliance",
                "version": "0.1.0",
                "hooks": ["compliance_renderers"],
            }
        ],
        plugin_errors=[
            {"plugin": "SE99", "stage": "load", "message": "ImportError: No module named 'x'"}
        ],
        evidence=[ref.to_dict()],
        manifest_issues=[
            {"path": "plans/*.pdf", "type": "emergency_plan", "message": "matches no file"}
        ],
        notes=["SE57 from plugin a replaced by SE57 from plugin b"],
    )


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    text = files("compliance.schemas").joinpath("report.schema.json").read_text("utf-8")
    schema = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _errors(validator: Draft202012Validator, data: object) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]


# -- registration ------------------------------------------------------------------------


def test_formats_plugin_contributes_json_md_html() -> None:
    renderers = {r.name: r for r in compliance_renderers()}
    assert list(renderers) == ["json", "md", "html", "sarif", "junit", "oscal", "github"]
    assert [r.extension for r in renderers.values()][:3] == ["json", "md", "html"]
    host = PluginHost(plugins=[], entry_points=False)
    assert {"json", "md", "html"} <= set(host.renderers())
    assert host.renderers()["html"].render(make_report()).startswith(b"<!DOCTYPE html>")


def test_loading_the_formats_plugin_does_not_import_jinja() -> None:
    code = (
        "import sys, compliance.plugins, compliance.report.formats;"
        "compliance.report.formats.compliance_renderers();"
        "sys.exit('jinja2' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# -- json and the schema --------------------------------------------------------------------


def test_json_is_the_model_and_validates(validator: Draft202012Validator) -> None:
    report = make_report(community_name="莲花社区")
    out = render_json(report)
    assert out.endswith(b"}\n")
    assert "莲花社区".encode() in out  # ensure_ascii=False: readable, still UTF-8
    data = json.loads(out)
    assert data == report.to_dict()
    assert list(data) == list(report.to_dict())  # the model's key order, not sorted
    assert _errors(validator, data) == []


def test_schema_requires_exactly_the_model_keys(validator: Draft202012Validator) -> None:
    schema = validator.schema
    data = make_report().to_dict()
    assert schema["required"] == list(data)
    # waivers and baseline are written only when --waivers / --baseline were given.
    assert set(schema["properties"]) == set(data) | {"waivers", "baseline"}


def test_every_schema_property_is_described(validator: Draft202012Validator) -> None:
    missing: list[str] = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                if "description" not in sub:
                    missing.append(f"{where}/{name}")
            for key, sub in node.items():
                walk(sub, f"{where}/{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{where}/{i}")

    walk(validator.schema, "#")
    assert missing == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d["indicators"][0].update(status="passed"), "status enum"),
        (lambda d: d["indicators"][0]["findings"][0].update(severity="severe"), "severity"),
        (lambda d: d.update(status="unknown"), "overall status enum"),
        (lambda d: d.update(score=100.5), "score above 100"),
        (lambda d: d["dimensions"][0].update(score=-1), "score below 0"),
        (lambda d: d["evidence"][0].update(sha256=SHA.upper()), "sha256 upper case"),
        (lambda d: d["evidence"][0].update(sha256=SHA[:-1]), "sha256 too short"),
        (lambda d: d["submitter"].update(email="a@b.c"), "personal data in submitter"),
        (lambda d: d.update(extra=1), "unknown top-level key"),
        (lambda d: d["indicators"][0]["findings"][0]["location"].pop("path"), "location path"),
        (lambda d: d["indicators"][0]["findings"][0]["location"].update(row=0), "row is 1-based"),
        (lambda d: d["indicators"][0]["metrics"].update(nested={"a": 1}), "metric object"),
        (lambda d: d["indicators"][0]["rules"][0].update(score=1.5), "rule score above 1"),
        (lambda d: d["indicators"][0]["rules"][0].update(note=None), "note is omitted, not null"),
        (lambda d: d["period"].update(start="2023-02-30"), "period date format"),
        (lambda d: d.update(generated_at="2024-03-01 08:00"), "generated_at shape"),
        (lambda d: d["summary"]["by_status"].pop("waived"), "every status counted"),
        (lambda d: d["bundle"].update(kind="rar"), "bundle kind"),
        (lambda d: d["gate"].update(passed="yes"), "gate passed is boolean"),
        (lambda d: d["unassessed"][0].update(code="se11"), "indicator code pattern"),
        (lambda d: d.update(report_format="2.0"), "report format version"),
    ],
)
def test_schema_rejects_what_the_model_never_writes(
    validator: Draft202012Validator, change: object, reason: str
) -> None:
    data = make_report().to_dict()
    change(data)  # type: ignore[operator]
    assert _errors(validator, data), reason


def test_schema_accepts_optional_shapes(validator: Draft202012Validator) -> None:
    data = make_report().to_dict()
    data["bundle"]["fixity"] = {"verified": True, "Payload-Oxum": "12.3"}
    data["bundle"]["kind"] = "bagit"
    data["submitter"] = {}
    data["score"] = None
    data["grade"] = None
    data["status"] = "not_assessed"
    data["gate"] = {"fail_under": None, "passed": True, "reasons": []}
    data["indicators"][0]["findings"][0]["location"] = {"path": "plan.json", "pointer": ""}
    assert _errors(validator, data) == []


def test_json_refuses_nan() -> None:
    report = make_report()
    report.verdicts[0].metrics["coverage"] = math.nan
    with pytest.raises(ValueError):
        render_json(report)


def test_json_keeps_undecodable_file_names_recoverable(validator: Draft202012Validator) -> None:
    name = "logs/patrol-\udcff.csv"  # a non-UTF-8 byte decoded with surrogateescape
    out = render_json(make_report(path=name))
    out.decode("utf-8")  # strictly valid UTF-8
    data = json.loads(out)
    assert data["evidence"][0]["path"] == name
    assert _errors(validator, data) == []


# -- html ----------------------------------------------------------------------------------


class _Tags(HTMLParser):
    """Records the element structure of a page: start and end tags and attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.starts: list[str] = []
        self.ends: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append(tag)
        self.attrs.extend((tag, k, v) for k, v in attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.ends.append(tag)


def _tags(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser


def test_html_is_one_self_contained_file() -> None:
    page = render_html(make_report()).decode("utf-8")
    parsed = _tags(page)
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert '<meta charset="utf-8">' in page
    assert "<style>" in page and "--ink" in page  # the stylesheet is inlined
    for tag in ("script", "link", "img", "iframe", "object", "embed"):
        assert tag not in parsed.starts, tag
    for tag, name, value in parsed.attrs:
        if name in {"src", "href", "action", "data"}:
            assert value is not None and value.startswith("#"), (tag, name, value)
    # The only URL is the SVG namespace name, which nothing fetches.
    without_ns = page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert not re.search(r"https?:|url\(|@import|//[a-z]", without_ns, re.IGNORECASE)


def test_html_shows_every_section() -> None:
    page = render_html(make_report()).decode("utf-8")
    for text in (
        "Lianhua Community",
        "sz-futian-lianhua",
        "Shenzhen, Futian",
        "2023-01-01 to 2023-12-31",
        "default 1",
        "compliance 0.1.0",
        "2024-03-01T08:00:00Z",
        "86.50",  # the overall score
        "fail under 60",
        '<span class="badge status-pass">pass</span>',
        '<span class="badge status-error">error</span>',
        '<span class="badge status-insufficient_evidence">insufficient evidence</span>',
        "Daily patrol coverage",
        "59.5%",  # a rule score
        "0.9345",  # a metric
        "logs/patrol.csv row 12",
        "Record every daily patrol in the work file",
        "no loaded plugin provides this indicator",
        "matches no file",
        SHA,
        "48,213 B",
        "SE57 from plugin a replaced by SE57 from plugin b",
    ):
        assert text in page, text
    alert = page[page.index('id="checker-errors"') : page.index('id="result"')]
    assert "SE99" in alert and "ImportError" in alert and "SE21" in alert
    assert 'role="alert"' in page
    assert '<th scope="col">' in page


def test_html_without_checker_errors_has_no_alert() -> None:
    report = make_report()
    report.plugin_errors = []
    report.verdicts = [v for v in report.verdicts if v.status != Status.ERROR]
    page = render_html(report).decode("utf-8")
    assert 'role="alert"' not in page
    assert "The checker failed" not in page


def test_html_radar_has_one_axis_per_dimension() -> None:
    page = render_html(make_report(seven_dimensions=True)).decode("utf-8")
    assert page.count("<svg") == 1
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert svg.count('class="axis"') == 7
    for code, _ in SEVEN:
        assert f">{code}<tspan" in svg
    # PS has no score: drawn at 0, labelled n/a
    assert 'class="label missing"' in svg and ">n/a</tspan>" in svg


# -- markdown ------------------------------------------------------------------------------


def _unescaped_pipes(line: str) -> int:
    count = 0
    i = 0
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        count += line[i] == "|"
        i += 1
    return count


def _tables(text: str) -> list[list[str]]:
    tables: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


def _assert_tables_well_formed(text: str) -> int:
    tables = _tables(text)
    for table in tables:
        assert len(table) >= 2, table
        widths = {_unescaped_pipes(line) for line in table}
        assert len(widths) == 1, table
        assert re.fullmatch(r"\|(?::?-{3,}:?\|)+", table[1]), table[1]
        assert all(line.endswith("|") for line in table), table
    return len(tables)


def test_markdown_shows_every_section_in_well_formed_tables() -> None:
    text = render_markdown(make_report()).decode("utf-8")
    assert text.startswith("# Safety audit: Lianhua Community\n")
    assert text.endswith("\n") and not text.endswith("\n\n")
    for fragment in (
        "**Score:** 86.50 / 100",
        "**Gate:** passed (fail under 60)",
        "## The checker failed",
        "| SE99 | load | ImportError: No module named 'x' |",
        "| SE15 | Operation safeguard | SMD | pass | 86.50 | B |",
        "| SE21 | Information safety safeguard | PS | error | n/a | n/a |",
        "insufficient evidence",
        "| SMD | Safeguard mechanism | 0.2 | 86.50 | B | 1 of 1 |",
        "| SE15.R2 | Daily patrol coverage | 1 | 59.5% | medium | no | 3 gaps |",
        "| coverage | 0.9345 |",
        "| complete | false |",
        "logs/patrol.csv row 12",
        "## Not assessed",
        "## Manifest issues",
        f"| {SHA} |",
        "48,213 B",
    ):
        assert fragment in text, fragment
    assert _assert_tables_well_formed(text) >= 10


def test_markdown_template_filters_every_value() -> None:
    source = files("compliance.templates").joinpath("report.md.j2").read_text("utf-8")
    allowed = {"md", "num", "plain", "pct", "size", "metric", "status_label"}
    expressions = re.findall(r"\{\{(.*?)\}\}", source, re.DOTALL)
    assert expressions
    for expr in expressions:
        last = expr.strip().rsplit("|", 1)
        assert len(last) == 2 and last[1].strip() in allowed, expr


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", r"a\|b"),
        ("<script>", r"\<script\>"),
        ("*x* _y_ `z` [l](u) #h ~s~ &amp;", r"\*x\* \_y\_ \`z\` \[l\](u) \#h \~s\~ \&amp;"),
        ("back\\slash", "back\\\\slash"),
        ("one\ntwo\r\nthree\u2028four", "one two three four"),
        ("- item", r"\- item"),
        ("+ item", r"\+ item"),
        ("---", r"\---"),
        ("12. item", r"12\. item"),
        ("3) item", r"3\) item"),
        ("0.93 coverage", "0.93 coverage"),
        ("   indented code", "indented code"),
    ],
)
def test_md_escape(raw: str, escaped: str) -> None:
    assert md_escape(raw) == escaped


def test_bag_fixity_and_weights_note_are_shown() -> None:
    report = make_report()
    report.bundle = {
        **report.bundle,
        "kind": "bagit",
        "fixity": {"algorithms": ["sha256", "sha512"], "files": 5, "verified": True},
    }
    page = render_html(report).decode("utf-8")
    text = render_markdown(report).decode("utf-8")
    assert "<dt>Fixity</dt><dd>verified (sha256, sha512), 5 payload files</dd>" in page
    assert "| Fixity | verified (sha256, sha512), 5 payload files |" in text
    assert "<dt>Weights</dt><dd>equal weights</dd>" in page
    assert "| Weights | equal weights |" in text
    report.bundle = {**report.bundle, "fixity": None}
    assert "Fixity" not in render_html(report).decode("utf-8")
    assert "Fixity" not in render_markdown(report).decode("utf-8")


# -- escaping hostile evidence in both formats --------------------------------------------------


def test_hostile_strings_are_escaped_everywhere() -> None:
    report = make_report(message=HOSTILE, path="a|b<script>.csv", community_name=HOSTILE)
    page = render_html(report).decode("utf-8")
    text = render_markdown(report).decode("utf-8")
    assert "<script>" not in page and "<script>" not in text
    assert "script" not in _tags(page).starts
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "a|b&lt;script&gt;.csv row 12" in page
    # Markdown: one line per value, pipes escaped, emphasis defused
    assert r"\<script\>alert(1)\</script\> \| \*\*bold\*\* \_x\_" in text
    assert r"a\|b\<script\>.csv row 12" in text
    assert text.startswith("# Safety audit: \\<script\\>")
    assert "\nsecond line" not in text
    assert _assert_tables_well_formed(text) >= 10


def test_unwritable_characters_become_replacement_characters() -> None:
    report = make_report(message="nul\x00 bell\x07 end", path="logs/\udcff.csv")
    page = render_html(report).decode("utf-8")
    text = render_markdown(report).decode("utf-8")
    for out in (page, text):
        assert "\x00" not in out and "\x07" not in out
        assert "nul\ufffd bell\ufffd end" in out
        assert "\ufffd.csv" in out


# -- determinism ----------------------------------------------------------------------------


@pytest.mark.parametrize("render", [render_json, render_markdown, render_html])
def test_rendering_is_byte_identical(render: object) -> None:
    first = render(make_report())  # type: ignore[operator]
    second = render(make_report())  # type: ignore[operator]
    assert first == second
    assert render(make_report()) == first  # type: ignore[operator]


@pytest.mark.parametrize("render", [render_markdown, render_html])
def test_the_only_timestamp_is_generated_at(render: object) -> None:
    out = render(make_report()).decode("utf-8")  # type: ignore[operator]
    stamps = set(re.findall(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?Z?", out))
    assert stamps == {"2024-03-01T08:00:00Z"}


# -- the radar chart -------------------------------------------------------------------------


def test_radar_escapes_labels_and_marks_missing_values() -> None:
    svg = radar_svg(["A&B", "<C>", 'D"'], [50.0, None, 120.0])
    assert "A&amp;B" in svg and "&lt;C&gt;" in svg and "D&quot;" in svg
    assert "<C>" not in svg
    assert svg.count('class="axis"') == 3
    assert svg.count(">n/a</tspan>") == 1
    assert ">120.00</tspan>" in svg  # the label keeps the real value ...
    # ... but the point is drawn on the outer ring (axis 2 ends where its dot is)
    axis_end = re.findall(r'class="axis" [^>]*x2="([\d.]+)" y2="([\d.]+)"', svg)[2]
    dots = re.findall(r'class="dot[^"]*" cx="([\d.]+)" cy="([\d.]+)"', svg)
    assert dots[2] == axis_end
    assert dots[1] == ("210.00", "210.00")  # None is drawn at the centre (0)
    numbers = re.findall(r'(?:x|y|x1|y1|x2|y2|cx|cy)="(-?[\d.]+)"', svg)
    assert numbers and all(re.fullmatch(r"-?\d+\.\d{2}", n) for n in numbers)
    assert radar_svg(["A&B", "<C>", 'D"'], [50.0, None, 120.0]) == svg


def test_radar_edge_cases() -> None:
    assert "no dimensions to draw" in radar_svg([], [])
    with pytest.raises(ValueError):
        radar_svg(["a"], [])
    with pytest.raises(ValueError):
        radar_svg(["a"], [1.0], max_value=0)
    assert xml_escape("a\x00b") == "a\ufffdb"


# -- properties: any text in a finding keeps every format sound -----------------------------

_ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)


@cache
def _baseline() -> _Tags:
    """The page structure with harmless text; hostile text must not change it."""
    return _tags(render_html(make_report(message="m", path="p")).decode("utf-8"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message=_ANY_TEXT, path=_ANY_TEXT)
def test_any_message_or_path_keeps_the_reports_sound(message: str, path: str) -> None:
    report = make_report(message=message, path=path)

    data = json.loads(render_json(report))
    text = files("compliance.schemas").joinpath("report.schema.json").read_text("utf-8")
    validator = Draft202012Validator(json.loads(text), format_checker=FormatChecker())
    assert _errors(validator, data) == []
    assert data["indicators"][0]["findings"][0]["message"] == message

    page = render_html(report).decode("utf-8")
    parsed = _tags(page)
    baseline = _baseline()
    assert parsed.starts == baseline.starts
    assert parsed.ends == baseline.ends
    # every "<" left in the page opens a tag, a comment or the doctype: none is raw text
    assert re.search(r"<(?![A-Za-z/!])", page) is None

    markdown = render_markdown(report).decode("utf-8")
    assert re.search(r"(?<!\\)<", markdown) is None
    _assert_tables_well_formed(markdown)
