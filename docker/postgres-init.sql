-- Rasa keeps its conversation trackers in a database of its own, beside the service's.
CREATE DATABASE rasa OWNER assistant;
