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


# -- bounded values (issue 23): accepted today, a traceback later ----------------------
def _numbers(model, prefix=""):
    """Every int or float field of the config tree, with its bounds."""
    import typing

    from pydantic import BaseModel

    from tools.fields import bounds

    for name, field in model.model_fields.items():
        kind = field.annotation
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        if typing.get_origin(kind) is typing.Annotated or not args:
            args = [kind]
        for arg in args:
            if typing.get_origin(arg) in (dict, list):
                arg = typing.get_args(arg)[-1]
            base = typing.get_args(arg)[0] if hasattr(arg, "__metadata__") else arg
            if isinstance(base, type) and issubclass(base, BaseModel):
                yield from _numbers(base, f"{prefix}{name}.")
            elif base in (int, float):
                low, high = bounds(arg)
                for meta in field.metadata:  # constraints given with Field(...)
                    more = bounds(typing.Annotated[base, meta])
                    low = more[0] if more[0] is not None else low
                    high = more[1] if more[1] is not None else high
                yield f"{prefix}{name}", low, high


def test_every_configured_number_has_sane_bounds():
    from tools.config import CVMConfig, Treatment

    fields = list(_numbers(CVMConfig)) + list(_numbers(Treatment, "treatments.*."))
    assert len(fields) >= 25
    unbounded = [name for name, low, high in fields if low is None or high is None]
    assert unbounded == []


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        (["value", "horizon_months"], 10**400, "value.horizon_months"),
        (["value", "horizon_months"], 121, "value.horizon_months"),
        (
            ["policy", "frequency_caps", 0, "period_days"],
            10**9,
            "policy.frequency_caps.0.period_days",
        ),
        (
            ["constraints", "data_boost", "max_per_day"],
            10**400,
            "constraints.data_boost.max_per_day",
        ),
        (["model", "max_tokens"], 10**12, "model.max_tokens"),
        (
            ["settings", "audit", "retention_days"],
            10**9,
            "settings.audit.retention_days",
        ),
        (["policy", "calling_window", "start"], "٠٨:٠٠", "policy.calling_window.start"),
        (["policy", "calling_window", "end"], "24:00", "policy.calling_window.end"),
    ],
    ids=[
        "horizon-10e400",
        "horizon-121",
        "period-1e9",
        "capacity-10e400",
        "max-tokens",
        "retention",
        "arabic-indic-time",
        "end-24",
    ],
)
def test_a_huge_or_impossible_setting_stops_start_up_in_one_line(
    write_config, monkeypatch, capsys, path, value, key
):
    from assistant.cli.main import main

    monkeypatch.setenv("CVM_CONFIG", str(write_config(_set(path, value))))
    assert main(["constraints"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert f": {key}: " in err, err


@pytest.mark.parametrize(
    "data_dir", ["{tmp}/no-such-folder", "{tmp}/a-file.json", "{tmp}/empty"]
)
def test_a_bad_data_dir_is_one_line_and_exit_2_for_ask(
    tmp_path, write_config, monkeypatch, capsys, data_dir
):
    from assistant.cli.main import main

    (tmp_path / "a-file.json").write_text("[]")
    (tmp_path / "empty").mkdir()
    folder = data_dir.format(tmp=tmp_path)
    config = write_config(lambda r: r["settings"].update(data_dir=folder))
    monkeypatch.setenv("CVM_CONFIG", str(config))
    assert main(["ask", "What should we offer U124?"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "settings.data_dir" in err, err


@pytest.mark.parametrize("log_file", ["/dev/full", "/dev/null", "{tmp}/fifo"])
def test_an_unusable_log_file_stops_start_up_in_one_line(
    tmp_path, write_config, monkeypatch, capsys, log_file
):
    import os

    from assistant.cli.main import main

    os.mkfifo(tmp_path / "fifo")
    target = log_file.format(tmp=tmp_path)
    config = write_config(lambda r: r["settings"]["logging"].update(file=target))
    monkeypatch.setenv("CVM_CONFIG", str(config))
    assert main(["constraints"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert target in err and "not a regular file" in err


def test_a_log_file_that_fails_later_is_reported_once(tmp_path, capsys):
    import logging

    from assistant.logs import LogFile

    handler = LogFile(tmp_path / "cvm.log")
    handler.stream.close()  # every write from now on fails, as on a full disk
    logger = logging.getLogger("cvm.test.failing")
    logger.addHandler(handler)
    try:
        for i in range(5):
            logger.warning("line %d", i)
    finally:
        logger.removeHandler(handler)
    err = capsys.readouterr().err
    assert err.count("cannot be written") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    ("flag", "problem"),
    [
        (["--channel-budget", "sms=inf"], "--channel-budget sms 'inf': "),
        (["--channel-budget", "email=nan"], "--channel-budget email 'nan': "),
        (["--budget", "inf"], "--budget 'inf': "),
        (["--budget=-1e400"], "--budget '-1e400': "),
        (["--capacity", "data_boost=1e3"], "--capacity data_boost '1e3': "),
        (["--date", "9999-12-31"], "--date: Input should be less than or equal to 2"),
        (["--date", "1899-12-31"], "--date: Input should be greater than or equal"),
    ],
)
def test_a_non_finite_flag_value_is_refused_in_one_line(capsys, flag, problem):
    from assistant.cli.main import main

    assert main(["plan", *flag]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and problem in err, err


def test_yaml_is_read_by_libyaml_with_the_same_result_as_pyyaml(tmp_path):
    import yaml

    from tools.config import DEFAULT_CONFIG_PATH
    from tools.yaml_files import load_yaml
    from tools.yaml_reader import UniqueKeyLoader

    if yaml.__with_libyaml__:  # PyYAML wheels ship libyaml: 66 ms -> 11 ms a load
        assert issubclass(UniqueKeyLoader, yaml.CSafeLoader)
    assert load_yaml(DEFAULT_CONFIG_PATH) == yaml.safe_load(
        DEFAULT_CONFIG_PATH.read_text()
    )
    text = "a: &x {b: [1, 2.5, '03', 2026-12-07, null, yes]}\nc:\n  <<: *x\n  d: 1\n"
    (tmp_path / "m.yaml").write_text(text)
    assert load_yaml(tmp_path / "m.yaml") == yaml.safe_load(text)


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        (
            "a: 1\nb:\n  c: 2\n  c: 3\n",
            "line 4",
            "duplicate key 'c' (first given on line 3)",
        ),
        ("k: " + "[" * 100 + "]" * 100 + "\n", "", "nested more than 64 levels deep"),
        ("k: " + "[" * 5000 + "]" * 5000 + "\n", "line 1", "nested more than 64"),
        ("a: [1, 2\nb: {}\n", "line 2", "not valid YAML"),
        ("k: !!python/object:os.system {}\n", "line 1", "not valid YAML"),
    ],
)
def test_a_bad_yaml_document_is_one_problem_with_its_line(
    tmp_path, text, where, problem
):
    from tools.files import FileProblem
    from tools.yaml_files import load_yaml

    (tmp_path / "bad.yaml").write_text(text)
    with pytest.raises(FileProblem) as info:
        load_yaml(tmp_path / "bad.yaml")
    assert info.value.where.startswith(where) and problem in info.value.problem


def test_yaml_aliases_that_multiply_stop_at_the_value_budget(tmp_path):
    from tools.files import MAX_NODES, FileProblem
    from tools.yaml_files import load_yaml

    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):  # nine levels of nine aliases: 9**9 values
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    (tmp_path / "laughs.yaml").write_text("\n".join(lines) + "\n")
    with pytest.raises(FileProblem, match=f"more than {MAX_NODES:,} values"):
        load_yaml(tmp_path / "laughs.yaml")


def test_a_plan_request_is_bounded_as_the_fields_it_sets():
    from pydantic import ValidationError

    from tools.planning.request import PlanRequest

    for bad in (
        {"day": "2101-01-01"},
        {"capacity": {"data_boost": -1}},
        {"capacity": {"data_boost": 2**40}},
        {"budget": 1e13},
        {"channel_budgets": {"sms": -2}},
        {"treatment_budgets": {"data_boost": float("inf")}},
    ):
        with pytest.raises(ValidationError):
            PlanRequest.model_validate(bad)
    ok = PlanRequest.model_validate({"day": "2100-12-31", "budget": 5})
    assert ok.day is not None and ok.day.year == 2100 and ok.budget == 5
