"""References measured in the same run as what they judge: the bcrypt bound of this machine."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor


def bcrypt_reference(workers: int, per_worker: int) -> tuple[float, float]:
    """Cost-12 hashes per second with `workers` threads (bcrypt releases the GIL: all cores are used), and the
    CPU seconds one hash takes (which, unlike the rate, does not depend on what else runs on the machine)."""
    import bcrypt

    salt = bcrypt.gensalt(12)
    started, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda _: bcrypt.hashpw(b"reference-password", salt), range(workers * per_worker)))
    n = workers * per_worker
    return n / (time.perf_counter() - started), (time.process_time() - cpu) / n


def bcrypt_bound(workers: int, per_worker: int) -> float:
    return bcrypt_reference(workers, per_worker)[0]
