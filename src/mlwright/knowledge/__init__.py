"""The built-in knowledge base: recipes (code templates with declared search spaces) and when they fit."""
