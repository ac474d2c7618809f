"""Evidence a sceptic can check: an archive of signed records and keys, and a verifier that needs no hub."""
