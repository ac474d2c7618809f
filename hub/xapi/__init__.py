"""Forwarding substantive records to a school's or district's Learning Record Store as xAPI 1.0.3 statements."""
