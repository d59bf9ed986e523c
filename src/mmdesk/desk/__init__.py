"""The central market-making book, prop books and internal crossing."""
