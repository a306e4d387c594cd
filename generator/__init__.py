"""The generation pipeline (`python -m generator.generate`) and its drift check."""
