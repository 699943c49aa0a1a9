"""Rewrites of generated code: cleanup, constant folding, peephole, specialization, reuse."""
