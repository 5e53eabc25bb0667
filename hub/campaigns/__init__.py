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
    _check_redis(app)
    from hub.campaigns import fastclaim

    fastclaim.install(app)


def _check_redis(app) -> None:
    """At start-up: whether Redis may decide claims, said in the log now (a Redis that is not
    durable is refused; an unreachable one is asked again at the first claim)."""
    import logging

    from hub.campaigns import redis_claims

    config = app.config.get("HUB")
    if config is None or not config.redis_url:
        return
    try:
        redis_claims.for_config(config)
    except redis_claims.REDIS_ERRORS as exc:
        logging.getLogger("hub.campaigns").warning(
            "Redis for claims unreachable at start-up (%s); asked again at the first claim",
            type(exc).__name__)


def health(app) -> dict:
    """For /healthz: how many claims Redis answered that the database does not hold yet and
    how long the oldest has waited, when Redis decides claims (nothing otherwise)."""
    from hub.campaigns import redis_claims

    config = app.config.get("HUB")
    if config is None or not config.redis_url:
        return {}
    try:
        rush = redis_claims.for_config(config)
        if rush is None:
            return {}
        lag = rush.lag()
        return {"claims_unpersisted": lag["unpersisted"],
                "claims_oldest_unpersisted_seconds": lag["oldest_seconds"]}
    except redis_claims.REDIS_ERRORS:
        return {"claims_redis": "down"}


def on_post_published(db, post) -> None:
    """Hook for hub.publication: a promotion went live, so its campaigns open."""
    from hub.campaigns import opening

    opening.open_for_post(db, post)


def on_post_withdrawn(db, post) -> None:
    """Hook for hub.publication: a promotion came down, so its campaigns close."""
    from hub.campaigns import opening

    opening.close_for_post(db, post)
