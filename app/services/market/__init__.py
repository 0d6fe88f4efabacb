"""Market data: benchmark datasets, occupation search and suggestions, the intake market check."""
