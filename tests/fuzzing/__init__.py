"""Differential fuzzing of srcdiff: random NumPy programs, gradients checked against finite differences.

``generator`` builds random functions of srcdiff's supported language as source text (driven by
hypothesis, or by a seeded ``random.Random`` for long runs); ``runner`` writes each one to a real
file, differentiates it in reverse and forward mode and classifies the result.
"""
