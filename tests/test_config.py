from __future__ import annotations

import pytest

from tools.config import load_config
from tools.context import ToolContext
from tools.errors import ConfigError

ORIGINAL_TREATMENTS = {
    "service_call_back",
    "marketing_call_back",
    "retention_email",
    "retention_sms",
    "service_sms",
    "loyalty_app",
    "early_upgrade",
    "family_plan",
    "data_boost",
    "loyalty_points",
    "personalized_offer",
    "ignore",
}


def test_default_config_loads_with_original_treatments_and_numbers():
    c = load_config()
    assert ORIGINAL_TREATMENTS <= set(c.treatments)
    assert c.constraints["marketing_call_back"].max_per_day == 2
    assert c.constraints["service_call_back"].max_per_day == 5
    assert c.constraints["retention_email"].max_per_day == 1000
    assert c.treatments["retention_sms"].channel == "sms"
    assert c.treatments["retention_sms"].purpose == "marketing"
    assert c.treatments["service_call_back"].purpose == "service"
    assert c.treatments["ignore"].channel == "none"
    assert c.model.id == "gpt-4o"
    assert c.policy.calling_window.start == "08:00"


def test_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("MODEL_ID", "gpt-4o-mini")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("CVM_STATE_DIR", str(tmp_path / "elsewhere"))
    c = load_config()
    assert c.model.id == "gpt-4o-mini"
    assert c.model.base_url == "http://127.0.0.1:9/v1"
    assert c.settings.logging.level == "DEBUG"
    assert c.state_path == tmp_path / "elsewhere"


def test_cvm_config_env_selects_the_file(monkeypatch, write_config):
    path = write_config(lambda raw: raw["model"].update(max_tool_rounds=3))
    monkeypatch.setenv("CVM_CONFIG", str(path))
    assert load_config().model.max_tool_rounds == 3


def _set(path, value):
    def mutate(raw):
        node = raw
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return mutate


@pytest.mark.parametrize(
    ("mutate", "key", "problem"),
    [
        # a typo in a key: unknown key with a did-you-mean
        (
            lambda r: r["constraints"]["data_boost"].update(max_per_dya=3),
            "constraints.data_boost.max_per_dya",
            "did you mean 'max_per_day'",
        ),
        # a wrong type
        (
            _set(["constraints", "marketing_call_back", "max_per_day"], "two"),
            "constraints.marketing_call_back.max_per_day",
            "valid integer",
        ),
        # a value outside the allowed set
        (
            _set(["treatments", "retention_sms", "channel"], "fax"),
            "treatments.retention_sms.channel",
            "'fax'",
        ),
        # a missing required field
        (
            lambda r: r["treatments"]["family_plan"].pop("purpose"),
            "treatments.family_plan.purpose",
            "Field required",
        ),
        # a negative number
        (
            _set(["treatments", "data_boost", "cost"], -1),
            "treatments.data_boost.cost",
            "greater than or equal to 0",
        ),
        # an unknown signal in a condition
        (
            _set(
                ["treatments", "data_boost", "applicable_when"],
                [{"signal": "rainy_day"}],
            ),
            "treatments.data_boost.applicable_when.0.signal",
            "rainy_day",
        ),
        # a bad time
        (
            _set(["policy", "calling_window"], {"start": "8am", "end": "21:00"}),
            "policy.calling_window",
            "HH:MM",
        ),
        # a bad regex
        (
            _set(["validation", "customer_id_pattern"], "^U(\\d{3}$"),
            "validation",
            "not a valid regex",
        ),
        # a constraint for a treatment that does not exist
        (
            lambda r: r["constraints"].update(free_phone={"max_per_day": 1}),
            "",
            "constraints.free_phone: no treatment of that name",
        ),
        # an unknown top-level section
        (lambda r: r.update(modle={"id": "x"}), "modle", "did you mean 'model'"),
    ],
)
def test_each_kind_of_mistake_names_file_key_and_problem(
    write_config, mutate, key, problem
):
    path = write_config(mutate)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message
    assert key in message
    assert problem in message
    assert "\n" not in message


def test_yaml_syntax_error_names_the_line(write_config):
    path = write_config(text="treatments:\n  a: [1, 2\nconstraints: {}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "line " in str(info.value) and "not valid YAML" in str(info.value)


def test_missing_file_and_non_mapping(tmp_path, write_config):
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_config(write_config(text="- just\n- a list\n"))


def test_required_journey_field_must_exist(write_config):
    from tools.config import load_config as load
    from tools.journey import build_journey

    config = load(
        write_config(_set(["validation", "required_journey_fields"], ["mood"]))
    )
    with pytest.raises(ConfigError, match="'mood' is not a journey field"):
        build_journey("U124", ToolContext.create(config))
