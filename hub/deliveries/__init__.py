"""Publish once, deliver everywhere: delivery rows, the queue workers take, and their records."""
