"""Distributed-training tests: DDP, ZeroRedundancyOptimizer and FSDP2 on real 2-process gloo groups."""
