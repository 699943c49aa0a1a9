"""Whole-pipeline layers: the corpus, golden sources, research-style programs, fuzzing."""
