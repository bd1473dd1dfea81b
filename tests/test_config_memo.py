"""Values derived once per configuration object (tools.config_memo)."""

from tools.config import get_config
from tools.config_memo import KEPT, per_config
from tools.kernel.treatments import treatments


def test_a_derived_value_is_made_once_per_configuration_and_argument():
    calls = []

    @per_config
    def names(config, upper):
        calls.append(upper)
        keys = list(config.treatments)
        return [k.upper() for k in keys] if upper else keys

    config = get_config()
    assert names(config, True) is names(config, True)
    assert names(config, False) == list(config.treatments)
    assert calls == [True, False]
    other = config.model_copy(
        update={"treatments": dict(list(config.treatments.items())[:2])}
    )
    assert names(other, False) == list(other.treatments)  # not the first one's
    assert len(calls) == 3


def test_only_a_few_are_kept_and_the_kernel_tables_follow_their_configuration():
    made = []

    @per_config
    def one(config, n):
        made.append(n)
        return n

    config = get_config()
    for n in range(KEPT + 5):
        one(config, n)
    one(config, 0)  # dropped long ago: made again
    assert made.count(0) == 2
    fewer = config.model_copy(
        update={"treatments": dict(list(config.treatments.items())[:3])}
    )
    assert treatments(config).keys == tuple(config.treatments)
    assert treatments(fewer).keys == tuple(fewer.treatments)
    assert treatments(config) is treatments(config)
