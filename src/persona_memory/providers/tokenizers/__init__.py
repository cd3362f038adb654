"""Token counters for prompt budgets (``core.ports.Tokenizer``)."""
