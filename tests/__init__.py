"""srcdiff's tests: tests/<folder> mirrors srcdiff/<folder> (see docs/how-it-works.md)."""
