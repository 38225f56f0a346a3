"""Config-driven, resumable training (`loop.train`)."""
