"""The safeguarding screen: deterministic spaCy rules run on every inbound message before the
assistant (issue 6, in progress; see docs/safeguarding.md when it lands)."""
