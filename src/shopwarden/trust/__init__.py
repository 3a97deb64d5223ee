"""Trust purchase (TRUST): required rights, admission thresholds per identity, benefits."""
