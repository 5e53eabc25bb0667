"""The app's splash page (开屏): slots, splash items from promotions with their images in the
app's aspect ratios, targeting and daily caps, the manifest the app pulls, and impressions
and clicks counted per item."""

from adapters.app_splash.channel import AppSplashChannel

__all__ = ["AppSplashChannel"]
