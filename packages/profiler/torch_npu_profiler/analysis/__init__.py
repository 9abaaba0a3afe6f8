"""The analysis: raw profile data in, the reference's output files out (one module per file)."""
