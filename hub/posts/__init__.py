"""Posts and promotions: content, revisions and the editorial workflow."""
