"""Run in a process of its own against a real database (and cache): many threads, each with its
own database connection, hit one rate limit at the same moment, and the process reports how
many got through. `python -m tests.lib.ratelimit_scenario codes 60 203.0.113.7` (threads, the
client's address) / `api 30 50 7` (threads, requests each, the API key's id)."""

import json
import sys
import threading
from collections import Counter


def main(command, threads, *args):
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # a no-op on the tests' PostgreSQL database
    call_command("createcachetable", verbosity=0)
    if command == "codes":
        print(json.dumps(wrong_codes(int(threads), args[0])))
    elif command == "api":
        print(json.dumps(api_requests(int(threads), int(args[0]), int(args[1]))))


def at_once(threads, work):
    """work() in `threads` threads released together; their results."""
    from django.db import connections

    start = threading.Barrier(threads)
    results = []

    def run():
        try:
            start.wait(timeout=30)
            results.extend(work())
        finally:
            connections.close_all()  # this thread's own connection

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    return results


def wrong_codes(threads, address):
    """Each thread posts one wrong supplier code from the same address: how many codes were
    looked up (judged), and the answers."""
    from unittest import mock

    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from enlace.accounts.views import supplier_registration

    judged = []
    find_by_code = supplier_registration.find_by_code

    def counted(code):
        judged.append(code)
        return find_by_code(code)

    url = reverse("accounts:supplier_register_code")

    def post():
        client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0], REMOTE_ADDR=address)
        return [client.post(url, {"code": "ZZZZ-ZZZZ-ZZZZ"}).status_code]

    with mock.patch.object(supplier_registration, "find_by_code", counted):
        statuses = at_once(threads, post)
    return {"judged": len(judged), "statuses": Counter(statuses)}


def api_requests(threads, each, key_id):
    """Each thread makes `each` requests with one API key within one minute: how many passed."""
    import time

    from enlace.api.auth import RateLimited, check_rate

    minute = (int(time.time()) // 60 + 1) * 60  # one whole minute of its own, never rolled over

    def work():
        passed = []
        for n in range(each):
            try:
                check_rate(key_id, now=minute + n / each)
            except RateLimited:
                passed.append(False)
            else:
                passed.append(True)
        return passed

    answers = at_once(threads, work)
    return {"accepted": sum(answers), "requests": len(answers)}


if __name__ == "__main__":
    main(*sys.argv[1:])
