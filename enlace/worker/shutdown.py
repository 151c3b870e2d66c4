"""Whether the task worker has been told to stop (SIGTERM, Ctrl+C).

A long task under way (a chunk of emails) checks it and hands the rest of its work back to the
queue at once, rather than hold the stop until it ends.
"""

import threading

stopping = threading.Event()
