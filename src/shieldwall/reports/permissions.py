"""What the reports app lets platforms and staff do."""

from __future__ import annotations

from shieldwall.core.roles import ADMIN, COMPLIANCE, Grants

SUBMIT_REPORTS = "reports.submit_report"
VIEW_REPORTER = "reports.view_reporter"

GRANTS = Grants(
    roles={ADMIN: (VIEW_REPORTER,), COMPLIANCE: (VIEW_REPORTER,)},
    scopes={"reports": (SUBMIT_REPORTS,)},
)
