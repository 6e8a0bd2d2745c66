"""Xentree server: an open-source implementation of the Xentree learning-platform API."""

__version__ = "0.1.0"
