"""Helpers shared by tests: factories, request helpers, test-only routes."""
