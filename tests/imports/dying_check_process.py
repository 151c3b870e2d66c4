"""A row-checking process that answers its first batch and then dies, as one killed mid-file
would (run by test_parallel_checks in place of enlace.imports.check_process)."""

import os
import sys

from enlace.imports import check_process

answered = []
real_read = check_process.read_message


def read_then_die(stream):
    if answered:
        os._exit(1)
    answered.append(True)
    return real_read(stream)


if __name__ == "__main__":
    check_process.read_message = read_then_die
    check_process.main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
