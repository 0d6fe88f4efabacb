"""Intakes: the signed kickoff agreement per opening, its revisions, team, questions, comments."""
