"""Operations intelligence: the KPIs unions report (coverage, activity, influence, welfare),
counted as they happen, kept as daily aggregates rolled up the account tree, and answered per
account with their daily series (`GET /api/v1/kpis`, the workbook, the console's dashboard).

`register(app)` adds the editor API's blueprint and the count of every member's calls to the
mini-program's API (`/mp/v1/`, whichever part of the hub serves them).
"""

from __future__ import annotations


def register(app) -> None:
    """Register the KPI blueprint on `app` (once; a second call changes nothing)."""
    from hub.kpis.counting import after_member_request
    from hub.kpis.views import bp

    if bp.name not in app.blueprints:
        app.register_blueprint(bp)
        app.after_request(after_member_request)
