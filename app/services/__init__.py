"""Business rules. No FastAPI here: services take a session, flush, and raise domain errors."""
