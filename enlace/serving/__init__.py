"""How Enlace runs in production: gunicorn's configuration and its access log."""
