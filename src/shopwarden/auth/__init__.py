"""Bearer tokens and the two roles: operator (every merchant) and merchant (its own data)."""
