"""Writing a customer's next lawful contact times: per channel, with the rule."""

from __future__ import annotations

from tools.contact_times import ChannelTime, ContactTimes

CHANNEL_NAMES = {"call": "Call", "sms": "SMS", "email": "E-mail", "push": "Push"}


def _when(t: ChannelTime) -> str:
    if t.next_time is None:
        return "**not lawful**"
    if t.allowed_now:
        return "**now**"
    return f"**{t.next_time:%a %d %b %H:%M}**"


def contact_times(times: ContactTimes, asked: list[str]) -> str:
    """The earliest lawful contact (on the channels asked, else any) and why.

    Args:
        times: The tool's result.
        asked: The channels the message named ("ring her": call), or none.
    """
    shown = [t for t in times.channels if not asked or t.channel in asked]
    shown = shown or times.channels
    lawful = [t for t in shown if t.next_time is not None]
    first = min(lawful, key=lambda t: t.next_time) if lawful else None  # type: ignore[arg-type,return-value]
    if first is None:
        head = (
            f"No lawful contact with {times.customer_id} on "
            f"{', '.join(CHANNEL_NAMES.get(t.channel, t.channel) for t in shown)}."
        )
    else:
        head = (
            f"Earliest lawful contact with {times.customer_id}: {_when(first)} by "
            f"{CHANNEL_NAMES.get(first.channel, first.channel)} "
            f"({', '.join(first.purposes)}), set by {first.rule}: {first.why}."
        )
    rows = ["| channel | when | purposes | rule | why |", "|---|---|---|---|---|"]
    for t in shown:
        rows.append(
            f"| {CHANNEL_NAMES.get(t.channel, t.channel)} | {_when(t)} | "
            f"{', '.join(t.purposes) or 'none'} | {t.rule} | {t.why} |"
        )
    return (
        f"{head}\n\n" + "\n".join(rows) + f"\n\nTimes in {times.time_zone}; "
        "frequency caps and capacity are checked when a treatment is booked."
    )
