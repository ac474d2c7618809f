"""The hub's MQTT broker (Mosquitto): its configuration, one user per board, and who may read what."""
