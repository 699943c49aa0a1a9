"""Research-style programs (not tailored to srcdiff) whose gradients tests/end_to_end/test_programs.py checks."""
