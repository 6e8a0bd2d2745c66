"""Xentree Live: monthly quota, server-billed sessions, nickname and transcripts."""
