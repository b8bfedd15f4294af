"""The process's HTTP server: health and metrics now; the webhook and the REST API next."""
