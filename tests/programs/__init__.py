"""Research-style programs (not tailored to srcdiff) whose gradients tests/test_programs.py checks."""
