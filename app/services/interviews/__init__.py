"""Interviews, panels, calendars, evaluations with their reminders, and debriefs."""
