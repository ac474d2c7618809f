"""The hub's defences: sign-in throttling, safe redirects, browser headers, TLS and its fingerprint."""
