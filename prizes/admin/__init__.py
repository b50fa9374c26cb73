"""The secretariat's screens, over the other domains' services (no models of its own)."""
