"""A district on one hub: schools as tenants, the district's schools list, import and overview page."""
