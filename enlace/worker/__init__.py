"""The task worker: the `enlace worker` command, its heartbeat, recovery of the tasks of dead
workers, and the periodic jobs that apps register."""
