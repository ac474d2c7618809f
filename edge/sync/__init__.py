"""Keeping a board in step with its hub: enroll, pull bundles, upload records, report health, listen for pushes."""
