"""Interview plans, the competency library, interviewer kits, training and calibration."""
