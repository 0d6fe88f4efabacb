"""Identity and access: users, sign-in sessions, tokens and API keys, who may do what."""
