"""Tests of srcdiff/analysis/: activity, shapes, to-be-recorded, aliases, effects."""
