"""Chat-model providers: an OpenAI-compatible client (OpenAI, Ollama, vLLM,
llama.cpp servers) and the robust reading of its JSON answers."""
