"""The overlay event log shared by live data stores and the websocket fan-out."""
