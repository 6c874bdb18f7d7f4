"""The adviser console: accounts' sessions, and (to come) the inbox, conversations and callbacks."""
