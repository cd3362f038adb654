"""Session summarizers: turn a finished session into a SessionDigest (episodic memory)."""
