"""Property: nothing recommended or allocated ever violates CONSENT, OBJECTION or
CAPACITY, whatever the consent matrix and the ledger state."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools import data
from tools.allocation import allocate_treatment, check_availability
from tools.config import NO_ACTION, get_config
from tools.context import ToolContext
from tools.errors import PolicyBlocked
from tools.ledger import SQLiteLedger
from tools.store import json_files
from tools.treatment import recommend_treatment

CHANNELS = ["call", "sms", "email", "push"]
PURPOSES = ["marketing", "service", "billing"]
BASE = json.loads((json_files.PACKAGED_DATA_DIR / "customers.json").read_text())[
    "customers"
]
SCARCE = ["marketing_call_back", "service_call_back", "bill_review_call"]

consents = st.fixed_dictionaries(
    {ch: st.fixed_dictionaries({p: st.booleans() for p in PURPOSES}) for ch in CHANNELS}
)
used = st.fixed_dictionaries({k: st.integers(0, 12) for k in SCARCE})


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    consents=consents, used=used, base=st.sampled_from(BASE), vulnerable=st.booleans()
)
def test_nothing_violates_consent_objection_or_capacity(
    consents, used, base, vulnerable
):
    record = {
        **base,
        "customer_id": "U777",
        "vulnerable": vulnerable,
        "consents": {ch: {**v, "updated": "2024-03-01"} for ch, v in consents.items()},
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        folder.mkdir()
        (folder / "c.json").write_text(json.dumps([record]))
        config = get_config().model_copy(
            update={
                "settings": get_config().settings.model_copy(
                    update={"data_dir": str(folder)}
                )
            }
        )
        ledger = SQLiteLedger(Path(tmp) / "ledger.sqlite3")
        ctx = ToolContext(config=config, ledger=ledger)
        day = date(2024, 3, 6).isoformat()
        with ledger.transaction() as conn:
            for key, n in used.items():
                for i in range(n):
                    conn.execute(
                        "INSERT INTO allocations (customer_id, treatment_key, "
                        "channel, purpose, day, created_at, approved_by, cost, "
                        "high_value, rules) "
                        "VALUES (?, ?, 'call', 'service', ?, ?, 'seed', 0, 0, '[]')",
                        (f"X{i:03d}", key, day, day),
                    )
        objects = not any(v["marketing"] for v in consents.values())

        def lawful(key):
            t = config.treatments[key]
            ch = config.consent_channel(t.channel)
            if ch and not consents[ch][t.purpose]:
                return False
            if (
                t.purpose == "marketing"
                and t.channel != "none"
                and (objects or vulnerable)
            ):
                return False
            c = config.constraints.get(key)
            return not c or check_availability(key, ctx).used < c.max_per_day

        rec = recommend_treatment("U777", ctx)
        for r in rec.ranked:
            assert lawful(r.treatment_key), r.treatment_key
        for key in config.treatments:
            if key == NO_ACTION:  # the baseline is never booked (tested in faults)
                continue
            ok_before = lawful(key)
            try:
                allocate_treatment("U777", key, "prop", ctx)
            except PolicyBlocked:
                continue
            assert ok_before, f"{key} was booked against the rules"
        for key in SCARCE:
            a = check_availability(key, ctx)
            assert a.used <= max(a.max_per_day, used[key])
            assert a.used - used[key] <= 1
        ledger.close()
    data.clear_cache()
