"""The HTTP layer: parse, authorize via dependencies, call one service, shape the response."""
