"""Privacy: erasure of a candidate's personal data from every place Tandem keeps it."""
