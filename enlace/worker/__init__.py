"""The task worker: the `enlace worker` command, its heartbeat, recovery of stranded tasks and the periodic jobs that apps register."""
