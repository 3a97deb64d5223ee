"""The HTTP API under /v1: one router per domain, bearer-token authentication, problem documents."""
