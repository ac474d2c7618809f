"""classboard: classboard."""
