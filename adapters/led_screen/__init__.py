"""LED billboards: screens and groups, the playlists their controllers pull, proof of play,
and a reference controller client (`hub led-player`)."""

from adapters.led_screen.channel import LedScreenChannel

__all__ = ["LedScreenChannel"]
