"""Cross-cutting services every domain uses: idempotency, jobs, events, audit, rate limits, health,
and the runtime wiring. They import `core` and `models`, never a domain service."""
