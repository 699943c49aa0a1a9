"""The documentation, examples and catalogue say what the code does."""
