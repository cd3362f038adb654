"""Embedding (and later LLM) providers, chosen by name through the registry."""
