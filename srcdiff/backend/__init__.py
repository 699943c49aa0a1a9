"""From generated IR to running code: compilation, the code cache, entries per argument type."""
