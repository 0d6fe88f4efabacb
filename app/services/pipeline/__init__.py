"""Candidates and applications: the pipeline, HM review, briefings and bulk imports."""
