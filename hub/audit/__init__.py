"""The audit log: who changed what, on which account, when."""
