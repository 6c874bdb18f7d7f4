"""Custom actions for the care leavers' assistant (run by `rasa run actions`).

The repo root must be on PYTHONPATH so that `knowledge` (the one source of content) imports;
the run command and the action server's Dockerfile both set it.
"""
