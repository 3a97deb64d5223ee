"""Security deposits (DEP): consumer-protection, insurance, risk and campaign deposits; refunds."""
