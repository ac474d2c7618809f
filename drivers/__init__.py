"""classboard: drivers."""
