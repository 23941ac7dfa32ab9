"""Live overlays: the overlay event log fanned out to websocket clients (framework-free).

``hub.OverlayHub`` follows the log (one follower per server process) and feeds bounded
per-client queues; ``stream_events.stream_events`` runs one client's session: hello,
catch-up from ``since``, then live events, heartbeats, and the close that tells a client
to reconnect.
"""
