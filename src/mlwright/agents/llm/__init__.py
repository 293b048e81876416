"""The LLM brain: designer, coder and tuner driven by a chat model through pydantic-ai, each
falling back to the built-in brain for a step the model cannot do."""
