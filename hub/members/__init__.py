"""Members: union rolls, real-name verification, following accounts, the merged feed, stats."""
