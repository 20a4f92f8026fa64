"""Wrappers: optimizers that wrap an optimizer."""
