"""Fact extractors: turn a conversation's user turns into candidate facts (learning)."""
