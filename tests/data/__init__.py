"""Test data, no tests: the corpus, golden functions and other functions tests differentiate."""
