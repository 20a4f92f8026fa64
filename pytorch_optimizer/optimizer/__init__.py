"""Optimizers: one algorithm per file, file name = registry key."""
