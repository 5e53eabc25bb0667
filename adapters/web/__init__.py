"""Union websites: a public site per account (千家千面), Atom/RSS feeds, sitemaps, custom
domains, and the read API for partner websites. Signed webhooks to partners are the webhook
adapter's; bind one as a "webhook" outlet."""

from adapters.web.channel import WebChannel

__all__ = ["WebChannel"]
