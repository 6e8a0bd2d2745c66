"""Organization API keys (contract §4): created, listed and revoked by bearer callers only."""
