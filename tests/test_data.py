from __future__ import annotations

import json

import pytest

from tests.conftest import SAMPLE_CUSTOMERS
from tools import data
from tools.config import load_config
from tools.context import ToolContext
from tools.data import customer_ids, get_customer_data
from tools.errors import DataFileError, InvalidCustomerIdError, UnknownCustomerError
from tools.store import json_files

SAMPLE = SAMPLE_CUSTOMERS


def test_every_sample_customer_is_present_and_normalised():
    assert customer_ids() == SAMPLE
    for cid in SAMPLE:
        c = get_customer_data(cid, ToolContext.create())
        assert c.customer_id == cid
        assert set(c.consents) == {"call", "sms", "email", "push"}
        assert c.bills and c.usage and c.network and c.interactions
        assert c.plan.data_allowance_gb and c.plan.data_allowance_gb > 0
        assert c.monthly_revenue > 0 and c.tenure_months >= 0
        assert [b.date for b in c.bills] == sorted(b.date for b in c.bills)
        for b in c.bills:
            assert b.status in {"paid", "pending", "overdue"}
            assert b.amount == pytest.approx(b.plan_charge + b.extras_total)


def test_seed_facts_are_reproduced():
    u124 = get_customer_data("U124", ToolContext.create())
    assert u124.churn.score == 0.75
    assert not u124.consents["sms"].marketing and u124.consents["sms"].service
    assert u124.do_not_disturb == "22:00-08:00"
    assert [u.data_gb for u in u124.usage] == [15.2, 18.7]
    assert [b.extras_total for b in u124.bills] == [12.5, 25.75]
    u126 = get_customer_data("U126", ToolContext.create())
    assert not any(c.marketing for c in u126.consents.values())
    assert u126.objects_to_marketing()
    assert get_customer_data("U125", ToolContext.create()).network[-1].quality == "poor"
    assert (
        get_customer_data("U127", ToolContext.create()).consents["push"].service
        is False
    )
    assert get_customer_data("U133", ToolContext.create()).vulnerable
    assert get_customer_data("U999", ToolContext.create()).time_zone is None


def test_injected_transcript_is_present_as_data():
    chats = [
        i.summary for i in get_customer_data("U125", ToolContext.create()).interactions
    ]
    assert any("ignore your rules" in s for s in chats)


def test_seed_shaped_fields_normalise_to_the_same_schema(
    tmp_path, monkeypatch, write_config
):
    record = json.loads((json_files.PACKAGED_DATA_DIR / "customers.json").read_text())[
        "customers"
    ][1]
    # The original system's names for the same facts.
    record["usage"] = [
        {"date": "2024-02-28", "data_usage_gb": 15.2, "roaming_data_gb": 0.5},
        {"date": "2024-03-01", "total_data_gb": 18.7, "roaming_usage_gb": 0},
    ]
    record["interactions"] = [
        {"date": "2024-03-01", "type": "call", "summary": "x", "sentiment": "negative"}
    ]
    record["bills"] = [
        {
            "date": "2024-03-01",
            "plan_name": "P",
            "monthly_charge": 65.99,
            "additional_charges": 25.75,
            "payment_status": "on_time",
        }
    ]
    record["consents"] = {
        "push_notifications": {
            "marketing": "N",
            "service_updates": "Y",
            "billing": "Y",
            "last_updated": "2024-02-01",
        }
    }
    record["churn"] = {
        "churn_probability": 0.75,
        "date": "2024-03-03",
        "recent_satisfaction_score": 2,
    }
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "customers.json").write_text(json.dumps([record]))
    config = load_config(
        write_config(lambda r: r["settings"].update(data_dir=str(folder)))
    )
    c = get_customer_data("U124", ToolContext.create(config))
    assert [u.data_gb for u in c.usage] == [15.2, 18.7]
    assert [u.roaming_gb for u in c.usage] == [0.5, 0]
    assert c.interactions[0].channel == "call"
    assert c.bills[0].status == "paid" and c.bills[0].amount == pytest.approx(91.74)
    assert c.consents["push"].service and not c.consents["push"].marketing
    assert c.churn.score == 0.75 and c.churn.satisfaction == 2


def test_source_is_shared_until_cleared(config):
    from tools.customer_base import customer_source

    first = customer_source(config)
    assert customer_source(config) is first
    data.clear_cache()
    assert customer_source(config) is not first


@pytest.mark.parametrize("bad", ["124", "U12", "U1234", "X124", "", "U12a"])
def test_malformed_ids_are_rejected_with_the_pattern(bad):
    with pytest.raises(InvalidCustomerIdError, match="not a valid customer id"):
        get_customer_data(bad, ToolContext.create())


def test_ids_are_normalised():
    assert get_customer_data(" u124 ", ToolContext.create()).customer_id == "U124"


def test_unknown_customer_suggests_nearest_ids():
    with pytest.raises(UnknownCustomerError) as info:
        get_customer_data("U134", ToolContext.create())
    assert info.value.suggestions and "U133" in info.value.suggestions
    assert "Did you mean" in str(info.value)


def test_corrupt_file_names_file_and_record(tmp_path, write_config):
    folder = tmp_path / "data"
    folder.mkdir()
    good = json.loads((json_files.PACKAGED_DATA_DIR / "customers.json").read_text())
    good["customers"][3]["churn"]["score"] = "very high"
    (folder / "customers.json").write_text(json.dumps(good))
    config = load_config(
        write_config(lambda r: r["settings"].update(data_dir=str(folder)))
    )
    with pytest.raises(DataFileError) as info:
        get_customer_data("U124", ToolContext.create(config))
    msg = str(info.value)
    assert "customers.json" in msg and "record 3" in msg and "U126" in msg
    assert "churn.score" in msg
    (folder / "customers.json").write_text("{not json")
    data.clear_cache()
    with pytest.raises(DataFileError, match="cannot read customer data"):
        get_customer_data("U124", ToolContext.create(config))
