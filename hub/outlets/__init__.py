"""Outlets bound to an account: official accounts, sites, screens, splash slots, webhooks."""
