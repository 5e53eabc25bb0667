"""Editors: users, their roles on accounts, API tokens and the permission rules."""
