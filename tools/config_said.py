"""What the ``decisions.interaction_signals`` section holds when a config omits it.

The same table as ``config/cvm_config.yaml`` ships (the operator edits that copy):
how each signal is read from calls and chats, by topic codes or keywords in the
summary or recorded outcome. A store built without a configuration (the packaged
sample, ``tools.customer_base.DERIVED``) then reads what the shipped configuration
reads, and is not rebuilt when opened with it.
"""

from __future__ import annotations

DEFAULT_SAID: dict[str, dict[str, object]] = {  # as config/cvm_config.yaml ships it
    "billing_dispute": {
        "label": "raised a billing dispute",
        "topics": ["billing_dispute"],
    },
    "network_complaints": {
        "label": "complained about the network",
        "topics": ["network_issue"],
    },
    "competitor_mention": {
        "label": "mentioned competitors' offers",
        "topics": ["competitor_mention"],
    },
    "switch_threat": {
        "label": "threatened to switch provider",
        "topics": ["switch_threat"],
    },
    "switch_deadline": {
        "label": "gave a deadline to switch",
        "keywords": [
            "this week",
            "by friday",
            "end of the week",
            "end of the month",
            "within a week",
            "by tomorrow",
            "deadline",
        ],
        "together_with": "switch_threat",
    },
    "family_interest": {
        "label": "asked about family plans",
        "topics": ["family_interest"],
    },
    "product_interest": {
        "label": "asked about new products",
        "topics": ["product_interest"],
    },
    "international_usage": {
        "label": "asked about international calling",
        "topics": ["international_calls"],
    },
    "add_line_interest": {
        "label": "asked about adding lines",
        "topics": ["add_line"],
        "keywords": ["more lines", "extra lines", "another line", "add a line"],
    },
    "device_interest": {
        "label": "asked about a new device",
        "topics": ["device_upgrade"],
        "keywords": ["new phone", "new handset"],
    },
    "vulnerability_note": {
        "label": "disclosed a bereavement or vulnerability",
        "topics": ["vulnerability_disclosed", "bereavement"],
        "keywords": ["bereaved", "bereavement"],
    },
    "feature_request": {
        "label": "asked for an add-on, a feature or more minutes",
        "topics": ["add_on_interest"],
        "keywords": [
            "add-on",
            "more minutes",
            "extra minutes",
            "more monthly minutes",
            "medical alert",
            "accessor",
            "business continuity",
            "dedicated support",
        ],
    },
    "usage_monitoring": {
        "label": "asked to watch or understand data use",
        "keywords": [
            "watching usage",
            "watch usage",
            "watch data",
            "usage alerts",
            "track usage",
            "track each line",
            "shared data works",
            "monitor data",
            "monitor usage",
        ],
    },
    "data_upgrade_interest": {
        "label": "asked for more data or priority data",
        "topics": ["data_upgrade"],
        "keywords": ["priority data", "more data", "unlimited data"],
    },
    "financial_difficulty": {
        "label": "reported financial difficulty",
        "keywords": [
            "money difficult",
            "financial difficult",
            "hardship",
            "can't afford",
            "cannot afford",
            "struggling to pay",
            "lost my job",
            "lost their job",
        ],
    },
    "visit_booked": {
        "label": "a technician visit is booked",
        "keywords": [
            "visit booked",
            "technician booked",
            "engineer booked",
            "appointment booked",
        ],
    },
}
