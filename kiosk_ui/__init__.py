"""classboard: kiosk_ui."""
