"""classboard: provisioning."""
