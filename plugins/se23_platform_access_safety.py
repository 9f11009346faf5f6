"""SE23 Platform access safety: unified sign-in, least-privilege roles, personal accounts
with multi-factor authentication for administrators, and a sign-in log that shows no
unchecked password guessing or forgotten accounts.

The indicator reads the platform's access-control record (authentication service, role and
permission matrix, accounts) and the sign-in log exported from the authentication service,
which can hold millions of rows: every log measurement is a polars aggregation.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any

import polars as pl

from compliance import hookimpl
from compliance.frames import one_of
from compliance.indicator import Context, EvidenceType, Indicator, Need, SampleSpec, rule

from ._common import load_schema, schema_id, yaml_bytes
from ._platform import as_list, day, list_findings, scaled_minimum, share_score, text

__all__ = ["PlatformAccessSafety", "failed_login_bursts"]

POLICY = "access_control_policy"
ACCESS_LOG = "access_log"

#: Sign-in methods that go through the unified identity service.
SSO_METHODS = ("sso", "sso_mfa")


def _policy(ctx: Context) -> tuple[Any, dict[str, Any]] | None:
    record = ctx.record(POLICY)
    if record is None or not isinstance(record.data, dict):
        return None
    return record, record.data


def _roles(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        text(r.get("role_id")): r
        for r in as_list(data.get("roles"))
        if isinstance(r, dict) and text(r.get("role_id"))
    }


def _active(data: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [
        (i, a)
        for i, a in enumerate(as_list(data.get("accounts")))
        if isinstance(a, dict) and a.get("status") == "active"
    ]


def _end_instant(ctx: Context) -> datetime:
    """The first instant after the period (naive UTC, like the table's date-times)."""
    return datetime.combine(ctx.period.end + timedelta(days=1), time())


def failed_login_bursts(frame: pl.LazyFrame, window_minutes: int, minimum: int) -> pl.DataFrame:
    """Bursts of failed sign-ins: per account and fixed window of ``window_minutes``, the
    windows with at least ``minimum`` failures, with the first row of each burst; most
    failures first."""
    return (
        frame.filter(pl.col("result") == "failure")
        .filter(pl.col("time").is_not_null() & pl.col("account_id").is_not_null())
        .group_by("account_id", pl.col("time").dt.truncate(f"{window_minutes}m").alias("window"))
        .agg(
            pl.len().alias("failures"),
            pl.col("__file").first().alias("file"),
            pl.col("__row").min().alias("row"),
        )
        .filter(pl.col("failures") >= minimum)
        .sort(["failures", "window", "account_id"], descending=[True, False, False])
        .collect()
    )


class PlatformAccessSafety(Indicator):
    """Users reach the platform through one unified identity authentication service, and
    several roles with least-privilege permissions protect residents' information: every
    account belongs to one person and one defined role, administrators use a second
    factor, password guessing is stopped, and unused accounts are closed.

    Evidence: an ``access_control_policy`` record and an ``access_log`` table of sign-in
    attempts.
    """

    code = "SE23"
    title = "Platform access safety"
    dimension = "PS"
    version = "1.0.0"
    thread_safe = True
    evidence = (
        Need(POLICY, purpose="unified authentication, roles and permissions, accounts"),
        Need(ACCESS_LOG, purpose="sign-in attempts exported from the authentication service"),
    )

    @rule(
        "R1",
        "Users sign in through the unified identity service",
        weight=3,
        severity="high",
        thresholds=("sso_system_share_min", "sso_login_share_min"),
    )
    def unified_authentication(self, ctx: Context) -> float | None:
        """Three equal parts: single sign-on is enabled with a real protocol; the share of
        listed subsystems behind single sign-on, over ``sso_system_share_min``; and the
        share of successful sign-ins in the log made through the unified service (methods
        sso and sso_mfa, among rows that give a method), over ``sso_login_share_min``.
        A part the evidence cannot measure (no subsystem listed, no method in the log)
        scores 0 and 1 respectively: the systems must be listed, the method is optional."""
        found = _policy(ctx)
        if found is None:
            return None
        record, data = found
        raw = data.get("authentication")
        auth: dict[str, Any] = raw if isinstance(raw, dict) else {}
        enabled = auth.get("sso_enabled") is True and auth.get("protocol") not in (None, "none")
        if not enabled:
            ctx.finding(
                "single sign-on is not enabled with a standard protocol",
                at=ctx.at(record, pointer="/authentication"),
                fix="Connect the platform to a unified identity service (OIDC, SAML or CAS).",
            )
        systems = [s for s in as_list(auth.get("systems")) if isinstance(s, dict)]
        behind = [s for s in systems if s.get("sso") is True]
        sys_share = len(behind) / len(systems) if systems else 0.0
        ctx.metric("sso_system_share", round(sys_share, 4))
        outside = [text(s.get("system")) for s in systems if s.get("sso") is not True]
        if not systems:
            ctx.finding(
                "the record lists no subsystem, so single sign-on coverage is unknown",
                at=ctx.at(record, pointer="/authentication"),
                fix="List every subsystem of the platform and whether it uses the unified sign-in.",
            )
        elif outside:
            ctx.finding(
                f"{len(outside)} of {len(systems)} subsystems keep their own sign-in: "
                + ", ".join(outside[:8]),
                at=ctx.at(record, pointer="/authentication/systems"),
                fix="Move these subsystems behind the unified identity service.",
            )
        parts = [
            1.0 if enabled else 0.0,
            share_score(sys_share, float(ctx.threshold("sso_system_share_min"))),
        ]
        table = ctx.table(ACCESS_LOG)
        if table is not None and table.frame is not None:
            counts = (
                table.frame.filter((pl.col("result") == "success") & pl.col("method").is_not_null())
                .select(
                    pl.len().alias("known"),
                    one_of(pl.col("method"), SSO_METHODS).sum().alias("sso"),
                )
                .collect()
                .row(0, named=True)
            )
            known, sso = int(counts["known"] or 0), int(counts["sso"] or 0)
            if known:
                share = sso / known
                target = float(ctx.threshold("sso_login_share_min"))
                ctx.metric("sso_login_share", round(share, 4))
                parts.append(share_score(share, target))
                if share < target:
                    ctx.finding(
                        f"{known - sso} of {known} successful sign-ins bypassed the unified "
                        f"service ({1 - share:.1%}; at most {1 - target:.0%} allowed)",
                        at=ctx.at(table, column="method"),
                        fix="Disable the subsystems' local passwords once they use the "
                        "unified sign-in.",
                    )
        return sum(parts) / len(parts)

    @rule(
        "R2",
        "Several roles with least-privilege permissions",
        weight=2,
        severity="medium",
        thresholds=("min_roles", "max_privileged_share"),
    )
    def role_matrix(self, ctx: Context) -> float | None:
        """Four equal parts: the number of roles over ``min_roles`` (capped at 1); the share
        of active accounts holding a privileged role, which must not exceed
        ``max_privileged_share`` (beyond it the part scores the allowed share over the
        actual one); the share of non-privileged roles that grant no wildcard permission
        ('*' or 'x:*' on everything); and the share of accounts whose role is defined in
        the matrix."""
        found = _policy(ctx)
        if found is None:
            return None
        record, data = found
        roles = _roles(data)
        minimum = int(ctx.threshold("min_roles"))
        ctx.metric("roles", len(roles))
        role_part = min(1.0, len(roles) / minimum) if minimum > 0 else 1.0
        if len(roles) < minimum:
            ctx.finding(
                f"only {len(roles)} roles are defined (at least {minimum} expected)",
                at=ctx.at(record, pointer="/roles"),
                fix="Split duties into roles (administrator, safety officer, grid worker, "
                "property staff, auditor...) each with only the permissions it needs.",
            )
        active = _active(data)
        privileged = [
            (i, a) for i, a in active if roles.get(text(a.get("role")), {}).get("privileged")
        ]
        share = len(privileged) / len(active) if active else 0.0
        allowed = float(ctx.threshold("max_privileged_share"))
        ctx.metric("privileged_account_share", round(share, 4))
        priv_part = 1.0 if share <= allowed else allowed / share
        if share > allowed:
            ctx.finding(
                f"{len(privileged)} of {len(active)} active accounts hold a privileged role "
                f"({share:.0%}; at most {allowed:.0%})",
                at=ctx.at(record, pointer="/accounts"),
                fix="Give administrator roles only to the few people who run the platform.",
            )
        plain = [(rid, r) for rid, r in roles.items() if not r.get("privileged")]
        broad = [
            rid
            for rid, r in plain
            if any(
                text(p) == "*" or text(p).startswith("*:") for p in as_list(r.get("permissions"))
            )
        ]
        wild_part = 1 - len(broad) / len(plain) if plain else 0.0
        for rid in broad[:8]:
            index = list(roles).index(rid)
            ctx.finding(
                f"non-privileged role {rid} grants every permission",
                at=ctx.at(record, pointer=f"/roles/{index}/permissions"),
                fix="List the role's permissions one by one.",
            )
        accounts = [a for a in as_list(data.get("accounts")) if isinstance(a, dict)]
        unknown = [(i, a) for i, a in enumerate(accounts) if text(a.get("role")) not in roles]
        defined_part = 1 - len(unknown) / len(accounts) if accounts else 0.0
        list_findings(
            ctx,
            [
                (
                    ctx.at(record, pointer=f"/accounts/{i}/role"),
                    f"account {text(a.get('account_id')) or i} has a role not in the matrix",
                )
                for i, a in unknown
            ],
            fix="Define the role in the matrix or move the account to a defined role.",
            more="accounts with undefined roles",
        )
        return (role_part + priv_part + wild_part + defined_part) / 4

    @rule(
        "R3",
        "Personal accounts; administrators use a second factor",
        weight=3,
        severity="critical",
    )
    def personal_accounts(self, ctx: Context) -> float | None:
        """Two equal parts. Personal accounts: the share of active accounts that are not
        shared. Administrators' second factor: the share of active accounts in privileged
        roles that have multi-factor authentication enabled and whose successful sign-ins
        in the log all used it (method sso_mfa, where a method is recorded); this part is
        left out when there is no privileged account. Score: the mean of the parts."""
        found = _policy(ctx)
        if found is None:
            return None
        record, data = found
        roles = _roles(data)
        active = _active(data)
        if not active:
            ctx.finding(
                "the record lists no active account", at=ctx.at(record, pointer="/accounts")
            )
            return 0.0
        privileged_ids = {
            text(a.get("account_id"))
            for _, a in active
            if roles.get(text(a.get("role")), {}).get("privileged")
        }
        weak_logins: dict[str, int] = {}
        table = ctx.table(ACCESS_LOG)
        if table is not None and table.frame is not None and privileged_ids:
            weak_logins = dict(
                table.frame.filter(
                    (pl.col("result") == "success")
                    & one_of(pl.col("account_id"), sorted(privileged_ids))
                    & pl.col("method").is_not_null()
                    & (pl.col("method") != "sso_mfa")
                )
                .group_by("account_id")
                .agg(pl.len())
                .collect()
                .iter_rows()
            )
        bad: list[tuple[Any, str]] = []
        for i, a in active:
            aid = text(a.get("account_id")) or str(i)
            if a.get("shared") is True:
                bad.append((ctx.at(record, pointer=f"/accounts/{i}"), f"account {aid} is shared"))
            elif aid in privileged_ids and a.get("mfa_enabled") is not True:
                bad.append(
                    (
                        ctx.at(record, pointer=f"/accounts/{i}/mfa_enabled"),
                        f"administrator account {aid} has no second factor",
                    )
                )
            elif weak_logins.get(aid):
                bad.append(
                    (
                        ctx.at(record, pointer=f"/accounts/{i}"),
                        f"administrator account {aid} signed in {weak_logins[aid]} times "
                        "without a second factor",
                    )
                )
        shared = sum(1 for _, a in active if a.get("shared") is True)
        weak_admins = sum(
            1
            for _, a in active
            if text(a.get("account_id")) in privileged_ids
            and (a.get("mfa_enabled") is not True or weak_logins.get(text(a.get("account_id"))))
        )
        ctx.metric("active_accounts", len(active))
        ctx.metric("shared_accounts", shared)
        ctx.metric("administrators_without_second_factor", weak_admins)
        list_findings(
            ctx,
            bad,
            fix="Give every person their own account; require a second factor for every "
            "administrator sign-in.",
            more="unsound accounts",
        )
        parts = [1 - shared / len(active)]
        if privileged_ids:
            parts.append(1 - weak_admins / len(privileged_ids))
        return sum(parts) / len(parts)

    @rule(
        "R4",
        "No unchecked bursts of failed sign-ins",
        weight=2,
        severity="high",
        thresholds=("burst_window_minutes", "burst_failures_min", "max_failed_bursts_per_year"),
    )
    def failed_bursts(self, ctx: Context) -> float | None:
        """Groups the failed sign-ins of the log by account and fixed windows of
        ``burst_window_minutes``; a window with at least ``burst_failures_min`` failures is
        a burst (password guessing that the lockout did not stop). Up to
        ``max_failed_bursts_per_year`` (scaled to the period) the score is 1; beyond it the
        score is (allowed + 1) / (bursts + 1). Findings name the account (a pseudonymous
        id), the window and the first row of the largest bursts."""
        table = ctx.table(ACCESS_LOG)
        if table is None or table.frame is None:
            return None
        window = int(ctx.threshold("burst_window_minutes"))
        minimum = int(ctx.threshold("burst_failures_min"))
        allowed = scaled_minimum(
            float(ctx.threshold("max_failed_bursts_per_year")), ctx.period.days
        )
        bursts = failed_login_bursts(table.frame, window, minimum)
        ctx.metric("failed_login_bursts", bursts.height)
        if bursts.height <= allowed:
            return 1.0
        list_findings(
            ctx,
            [
                (
                    ctx.at(file, row=row, column="result"),
                    f"{failures} failed sign-ins for account {account} within "
                    f"{window} minutes from {when:%Y-%m-%d %H:%M} UTC",
                )
                for account, when, failures, file, row in bursts.iter_rows()
            ],
            fix="Lock an account (or add a delay) after a few failed attempts and alert the "
            "administrator.",
            more=f"bursts of failed sign-ins ({bursts.height} in all, {allowed} tolerated)",
        )
        return (allowed + 1) / (bursts.height + 1)

    @rule(
        "R5",
        "Active accounts are in use and known",
        weight=2,
        severity="medium",
        thresholds=("dormant_days", "used_account_share_min"),
    )
    def accounts_in_use(self, ctx: Context) -> float | None:
        """An active account is dormant when its latest successful sign-in (or, without
        one, its creation) is more than ``dormant_days`` before the period's end. Two equal
        parts: the share of active accounts not dormant, over ``used_account_share_min``;
        and the share of accounts seen in the log that the record lists."""
        found = _policy(ctx)
        table = ctx.table(ACCESS_LOG)
        if found is None or table is None or table.frame is None:
            return None
        record, data = found
        active = _active(data)
        end = _end_instant(ctx)
        limit = int(ctx.threshold("dormant_days"))
        last_frame, seen_frame = pl.collect_all(
            [
                table.frame.filter((pl.col("result") == "success") & (pl.col("time") < end))
                .group_by("account_id")
                .agg(pl.col("time").max().alias("last")),
                table.frame.select(pl.col("account_id").drop_nulls().unique()),
            ]
        )
        last = dict(last_frame.iter_rows())
        dormant: list[tuple[Any, str]] = []
        for i, a in active:
            aid = text(a.get("account_id"))
            seen = last.get(aid)
            since = seen.date() if seen is not None else day(a.get("created_on"))
            idle = (ctx.period.end - since).days if since else None
            if idle is None or idle > limit:
                how = f"{idle} days" if idle is not None else "ever"
                dormant.append(
                    (
                        ctx.at(record, pointer=f"/accounts/{i}"),
                        f"active account {aid or i} has not signed in for {how} "
                        f"(more than {limit})",
                    )
                )
        used = 1 - len(dormant) / len(active) if active else 0.0
        listed = {
            text(a.get("account_id")) for a in as_list(data.get("accounts")) if isinstance(a, dict)
        }
        seen_ids = [str(s) for s in seen_frame["account_id"].to_list()]
        strangers = sorted(s for s in seen_ids if s not in listed)
        known = 1 - len(strangers) / len(seen_ids) if seen_ids else 1.0
        ctx.metric("dormant_accounts", len(dormant))
        ctx.metric("unlisted_log_accounts", len(strangers))
        list_findings(
            ctx,
            dormant,
            fix="Disable accounts nobody uses and review active accounts every quarter.",
            more="dormant accounts",
        )
        if strangers:
            ctx.finding(
                f"{len(strangers)} accounts in the sign-in log are not in the account list "
                f"(for example {', '.join(strangers[:3])})",
                at=ctx.at(table, column="account_id"),
                fix="Keep the account list complete: export it from the identity service.",
            )
        return (share_score(used, float(ctx.threshold("used_account_share_min"))) + known) / 2


# -- sample evidence ---------------------------------------------------------------------

_ROLES = (
    ("admin", "Platform administrator", True, ["*"]),
    (
        "security_officer",
        "Community safety officer",
        False,
        ["alarm:handle", "video:view", "patrol:read", "incident:write"],
    ),
    (
        "grid_worker",
        "Grid worker",
        False,
        ["resident:read_masked", "incident:write", "patrol:write"],
    ),
    ("property_staff", "Property management staff", False, ["work_order:write", "device:read"]),
    ("auditor", "Security auditor", False, ["audit_log:read"]),
    ("resident_service", "Resident service desk", False, ["notice:write", "resident:read_masked"]),
)
_SYSTEMS = ("video surveillance", "access control", "fire alarms", "work orders", "resident portal")
# quality -> (accounts, roles used, subsystems without SSO, shared account ids,
# administrators without MFA, accounts missing from the log, bursts, local-login share /1024)
_SHAPE: dict[str, tuple[int, int, int, tuple[int, ...], tuple[int, ...], int, int, int]] = {
    "good": (48, 6, 0, (), (), 0, 0, 0),
    "fair": (48, 6, 1, (30,), (2,), 3, 6, 40),
    "poor": (48, 2, 3, (10, 20, 30), (1, 2, 3), 20, 30, 300),
}


def _shape(quality: str) -> tuple[int, int, int, tuple[int, ...], tuple[int, ...], int, int, int]:
    return _SHAPE.get(quality, _SHAPE["fair"])


def _account_role(n: int, roles: int) -> str:
    """Accounts U0001-U0003 administer the platform; the rest spread over the other roles."""
    if n <= 3:
        return "admin"
    return _ROLES[1 + (n % (roles - 1))][0]


def _sample_policy(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    n_acc, n_roles, no_sso, shared, no_mfa, _, _, _ = _shape(spec.quality)
    start = spec.period.start
    roles = [
        {
            "role_id": rid,
            "name": name,
            "privileged": priv,
            "mfa_required": priv,
            "permissions": perms,
        }
        for rid, name, priv, perms in _ROLES[:n_roles]
    ]
    accounts = []
    for n in range(1, n_acc + 1):
        role = _account_role(n, n_roles)
        accounts.append(
            {
                "account_id": f"U{n:04d}",
                "role": role,
                "shared": n in shared,
                "mfa_enabled": role == "admin" and n not in no_mfa,
                "status": "active",
                "created_on": (start - timedelta(days=rng.randint(100, 900))).isoformat(),
            }
        )
    for n in range(n_acc + 1, n_acc + 5):
        accounts.append(
            {
                "account_id": f"U{n:04d}",
                "role": "grid_worker",
                "shared": False,
                "mfa_enabled": False,
                "status": "disabled",
                "created_on": (start - timedelta(days=rng.randint(400, 900))).isoformat(),
            }
        )
    data = {
        "authentication": {
            "sso_enabled": spec.quality != "poor",
            "protocol": "oidc" if spec.quality != "poor" else "none",
            "identity_provider": "District unified identity platform",
            "systems": [{"system": s, "sso": i >= no_sso} for i, s in enumerate(_SYSTEMS)],
        },
        "roles": roles,
        "accounts": accounts,
    }
    return [("records/access_control_policy.yaml", yaml_bytes(data))]


_CLOCK = tuple(f"{m // 60:02d}:{m % 60:02d}:" for m in range(24 * 60))
_SECONDS = tuple(f"{s:02d}" for s in range(60))


def _sample_access_log(rng: random.Random, spec: SampleSpec) -> list[tuple[str, bytes]]:
    """About ``spec.rows`` sign-in attempts spread over the period (times at +08:00), one
    random draw per row. Each account in use signs in during the period's last week, some
    failures are scattered, and the lower qualities add local sign-ins, accounts that
    never sign in and bursts of failures."""
    n_acc, _, _, _, _, idle, bursts, local = _shape(spec.quality)
    users = [f"U{n:04d}" for n in range(1, n_acc + 1 - idle)]
    admins = {u for n, u in enumerate(users, start=1) if n <= 3}
    start, n_days = spec.period.start, spec.period.days
    days = [(start + timedelta(days=i)).isoformat() + "T" for i in range(n_days)]
    n_users, n_sys = len(users), len(_SYSTEMS)
    lines = ["time,account_id,result,method,system,source\n"]
    # Every account in use signs in near the end, so only the idle ones are dormant.
    for k, user in enumerate(users):
        stamp = days[max(0, n_days - 1 - k % 7)]
        method = "sso_mfa" if user in admins else "sso"
        lines.append(f"{stamp}{_CLOCK[540 + k]}00+08:00,{user},success,{method},portal,intranet\n")
    for _ in range(max(0, spec.rows - len(users) - bursts * 12)):
        r = rng.getrandbits(52)
        user = users[r % n_users]
        result = "failure" if (r >> 8) % 40 == 0 else "success"
        # Administrators always use the second factor; others sometimes a local password.
        method = "sso_mfa" if user in admins else ("local" if (r >> 14) % 1024 < local else "sso")
        lines.append(
            f"{days[(r >> 24) % n_days]}{_CLOCK[420 + (r >> 34) % 900]}"
            f"{_SECONDS[(r >> 44) % 60]}+08:00,{user},{result},{method},"
            f"{_SYSTEMS[(r >> 4) % n_sys]},{'intranet' if (r >> 50) % 2 else 'mobile app'}\n"
        )
    for b in range(bursts):
        user = users[(b * 7) % n_users]
        stamp = days[(b * 37 + 11) % n_days]
        minute = 120 + b % 60  # at night, 02:00 local
        for k in range(12):
            lines.append(
                f"{stamp}{_CLOCK[minute]}{_SECONDS[k * 4]}+08:00,{user},failure,local,"
                "resident portal,internet\n"
            )
    return [("tables/access_log.csv", "".join(lines).encode("utf-8"))]


_POLICY_TEMPLATE = """\
# Access control of the community platform (see the schema for every field).
authentication:
  sso_enabled: true
  protocol: oidc
  identity_provider: District unified identity platform
  systems:
    - {system: video surveillance, sso: true}
    - {system: access control, sso: true}
roles:
  - {role_id: admin, privileged: true, mfa_required: true, permissions: ["*"]}
  - {role_id: grid_worker, permissions: [resident:read_masked, incident:write]}
accounts:
  - {account_id: U0001, role: admin, shared: false, mfa_enabled: true, status: active}
  - {account_id: U0002, role: grid_worker, shared: false, status: active}
"""
_LOG_TEMPLATE = (
    "time,account_id,result,method,system,source\n"
    "2025-03-01T08:30:12+08:00,U0002,success,sso,video surveillance,intranet\n"
)


@hookimpl
def compliance_evidence_types() -> list[EvidenceType]:
    return [
        EvidenceType(
            id=POLICY,
            kind="record",
            title="Platform access control",
            description="The unified sign-in service and the subsystems behind it, the role "
            "and permission matrix, and the accounts with role, sharing, second factor and "
            "status (pseudonymous account ids).",
            schema=schema_id(POLICY),
            template_name="access_control_policy.yaml",
            template_text=_POLICY_TEMPLATE,
            sample=_sample_policy,
        ),
        EvidenceType(
            id=ACCESS_LOG,
            kind="table",
            title="Platform sign-in log",
            description="Every sign-in attempt exported from the authentication service: "
            "time (with UTC offset), account id, result, method, subsystem, source zone.",
            schema=schema_id(ACCESS_LOG),
            template_name="access_log.csv",
            template_text=_LOG_TEMPLATE,
            sample=_sample_access_log,
            sample_rows=0.2,
        ),
    ]


@hookimpl
def compliance_schemas() -> list[dict[str, Any]]:
    return [load_schema(POLICY), load_schema(ACCESS_LOG)]


@hookimpl
def compliance_indicators() -> list[type[Indicator]]:
    return [PlatformAccessSafety]
