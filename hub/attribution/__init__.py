"""Attribution: which outlet or 地推 code brought which members. Outlets put their own name as
`src` on the links they show; the landing page and the mini-program record it; editors make
地推 codes with a mini-program code and a poster; the campaign funnel counts what each source
brought.

`register(app)` adds the editor API's blueprint.
"""

from __future__ import annotations


def register(app) -> None:
    """Register the attribution blueprint on `app` (once)."""
    from hub.attribution.api_views import bp

    if bp.name not in app.blueprints:
        app.register_blueprint(bp)
