"""Lowering to one operation per statement: normalization, structured jumps, renames."""
