"""LR schedulers."""
