"""Calendar jobs and the obligation clock; they call services on time (built with the engine)."""
