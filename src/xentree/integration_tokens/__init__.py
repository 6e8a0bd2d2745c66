"""Integration tokens: per-tenant RS256 keys, grants, verification, revocation, JWKS."""
