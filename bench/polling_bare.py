"""The bare Flask endpoint the polling benchmark compares the hub's paths with."""

from benchkit import bare_app

app = bare_app()
