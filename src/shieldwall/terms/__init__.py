"""Term rules: hashtags and search queries that return nothing, however they are spelled."""
