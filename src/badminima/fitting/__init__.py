"""fitting layer."""
