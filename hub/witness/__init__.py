"""The witness: an append-only registry of board keys and log checkpoints, kept outside the school's control."""
