"""Uploaded images owned by an account, kept in the database so every process sees them."""
