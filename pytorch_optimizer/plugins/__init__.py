"""Gradient plug-ins: pure functions plus ``attach_<name>(optimizer)`` step pre-hooks."""
