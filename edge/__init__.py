"""classboard: edge."""
