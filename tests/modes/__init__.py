"""Tests of srcdiff/modes/: reverse and forward mode, their preparation passes, batching."""
