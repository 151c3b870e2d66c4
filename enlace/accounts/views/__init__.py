"""The accounts pages, one module per flow: login, activation, registration by link or by code,
and the organization's portal users (staff)."""
