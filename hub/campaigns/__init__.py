"""Campaigns behind promotion posts: red-packet rains, vouchers and tickets, course seats and
quizzes with draws, claimed by verified members under a rush, redeemed by partner merchants.

`register(app)` adds the campaign blueprints (mini-program, editor API, merchants, the public
landing pages) to an app.
"""

from __future__ import annotations


def register(app) -> None:
    """Register the campaign blueprints on `app` (once; a second call changes nothing)."""
    from hub.campaigns.api_views import bp as api_bp
    from hub.campaigns.landing import bp as landing_bp
    from hub.campaigns.merchant_views import bp as merchant_bp
    from hub.campaigns.mp_views import bp as mp_bp

    for blueprint in (mp_bp, api_bp, merchant_bp, landing_bp):
        if blueprint.name not in app.blueprints:
            app.register_blueprint(blueprint)


def on_post_published(db, post) -> None:
    """Hook for hub.publication: a promotion went live, so its campaigns open."""
    from hub.campaigns import services

    services.open_for_post(db, post)


def on_post_withdrawn(db, post) -> None:
    """Hook for hub.publication: a promotion came down, so its campaigns close."""
    from hub.campaigns import services

    services.close_for_post(db, post)
