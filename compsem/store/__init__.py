"""The score store: the one way into the on-disk score cache (SQLite storage, recovery from damage)."""
