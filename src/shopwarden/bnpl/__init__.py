"""Buy now, pay later 2.0 (BNPL): enabling, product eligibility, fees, settlement and invoices."""
