"""Rerankers: what reorders a search's best candidates (core/ports.py ``Reranker``)."""
