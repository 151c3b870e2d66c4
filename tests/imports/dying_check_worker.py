"""A row-checking worker that answers its first batch and then dies, as one killed mid-file
would (run by test_parallel_checks in place of enlace.imports.check_worker)."""

import os
import sys

from enlace.imports import check_worker

if __name__ == "__main__":
    from enlace.imports import checking

    answered = []
    real_read = checking.read_message

    def read_then_die(stream):
        if answered:
            os._exit(1)
        answered.append(True)
        return real_read(stream)

    checking.read_message = read_then_die
    check_worker.main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
