"""The PostgreSQL server alone: the booking's two statements from a C client.

Run by :mod:`benchmarks.ledger_writers` after its table (``make bench``). pgbench
(Debian's ``postgresql`` package ships it with the server) sends, per booking, the
statements a single booking sends (:mod:`tools.ledger.postgres_one`): the snapshot
read of the counter, the newest day and the customer's bookings, then the
server-side function that locks, checks the state is unchanged and inserts, with
the durability the table's runs have (fsync on, synchronous commit). No judge runs
(the state read is booked as it is; a state that moved books nothing): the figure
is what the server and the disk allow, next to what the product's Python writers
reach, so the table says which side limits the throughput.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

SECONDS = 10
# Read in one row (a new customer has no bookings): \gset names the variables.
_SCRIPT = """\\set n random(1, 1000000000)
\\set k random(0, 14)
SELECT n.newest, c.used, c.spent, count(h.id) AS cnt, coalesce(max(h.id), 0) AS last
 FROM (SELECT MAX(day) AS newest FROM allocations) AS n
 LEFT JOIN daily_usage AS c ON c.day = '2024-03-06' AND c.treatment_key = 'k' || :k
 LEFT JOIN allocations AS h ON h.customer_id = 'S' || :n AND h.status = 'active'
 AND h.day >= '2024-02-06' GROUP BY 1, 2, 3 \\gset
SELECT {name}('S' || :n, 'k' || :k, '2024-03-06', '2024-02-06', :used, :spent,
 :newest, :cnt, :last, 'call', 'marketing', '2024-03-06T12:00:00+00:00', 'bench',
 0.5, false, '[]', '[]', 1);
"""


def server_alone(server: Any, clients: int, cpu: Any) -> tuple[float, float] | None:
    """Bookings/s and server CPU µs per booking; None without pgbench.

    Args:
        server: The benchmark's :class:`tests.pg.LocalPostgres`.
        clients: pgbench clients (connections), as writers.
        cpu: The server's CPU seconds so far (a callable taking ``server``).
    """
    import psycopg

    from tools.ledger.postgres import PostgresLedger
    from tools.ledger.postgres_one import NAME

    pgbench = server.bin / "pgbench"
    if not pgbench.exists():
        return None
    url = server.new_schema()
    PostgresLedger(url).close()  # the tables and the function
    with psycopg.connect(url, autocommit=True) as conn:  # counters and a first day
        conn.execute(
            "INSERT INTO daily_usage (day, treatment_key) SELECT '2024-03-06', "
            "'k' || k FROM generate_series(0, 14) AS k"
        )
        conn.execute(
            "INSERT INTO allocations (customer_id, treatment_key, channel, purpose, "
            "day, created_at, approved_by, cost, high_value, rules) VALUES ('S0', "
            "'k0', 'call', 'marketing', '2024-03-06', 'x', 'bench', 0, false, '[]')"
        )
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "book.sql"
        script.write_text(_SCRIPT.format(name=NAME))
        before = cpu(server)
        done = subprocess.run(
            [str(pgbench), "-n", "-M", "prepared", "-f", str(script), "-c",
             str(clients), "-j", str(min(clients, os.cpu_count() or 1)), "-T",
             str(SECONDS), url],
            capture_output=True, text=True, timeout=SECONDS * 6, check=False,
        )  # fmt: skip
        time.sleep(0.5)  # the server reaps the ended backends (their CPU)
        used = cpu(server) - before
    found = re.search(r"number of transactions actually processed: (\d+)", done.stdout)
    if done.returncode or found is None:
        raise RuntimeError(f"pgbench failed: {done.stderr.strip() or done.stdout}")
    n = int(found.group(1))
    return n / SECONDS, used / max(n, 1) * 1e6
