"""Reporting posts and accounts: Shieldwall's report flow, rendered step by step."""
