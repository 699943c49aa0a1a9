"""Tests of srcdiff/front/: reading, checking and rewriting the user's source."""
