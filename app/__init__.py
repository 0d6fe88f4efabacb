"""Tandem: the recruiter and hiring-manager partnership API."""

__version__ = "0.1.0"
