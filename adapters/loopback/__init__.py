"""The test outlet: sends each post over real HTTP to a receiver that records it.

Used by the pipeline's tests, its fault tests and the fan-out benchmark, and as the demo's
stand-in outlet until the real channels are bound. `receiver.py` is the other end.
"""

from adapters.loopback.channel import LoopbackChannel

__all__ = ["LoopbackChannel"]
