"""Events out: the event catalogue, the change feed, webhook subscriptions and deliveries."""
