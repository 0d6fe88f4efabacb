"""Notifications to people: the in-app inbox, e-mail, and per-user preferences."""
