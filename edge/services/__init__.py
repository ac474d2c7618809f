"""Domain services: plain Python over the local store, each taking a clock."""
