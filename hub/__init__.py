"""The 粤工惠 content-and-campaign hub: write once, deliver to every union outlet."""

from hub.app import create_app

__all__ = ["create_app"]
