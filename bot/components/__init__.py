"""Custom Rasa NLU components (imported by `rasa train` / `rasa run` from the bot directory)."""
