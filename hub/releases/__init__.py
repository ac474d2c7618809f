"""Software versions offered to boards per group, as signed manifests."""
