"""Prompt management: named prompts with immutable numbered versions, labels and compilation."""
