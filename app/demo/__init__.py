"""The demo organisation: people, intakes, plans, candidates and interviews to try Tandem with."""
