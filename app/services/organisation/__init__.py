"""The organisation: how the company presents itself (name, logo, careers contact)."""
