"""classboard: hub."""
