"""Interview recordings and transcripts: consent, media in storage, transcripts as segments,
their analysis, evidence for evaluations, coaching and search."""
