"""What every part of the conversation shares: the session, messages, pending actions.

The bottom layer of ``assistant/``: the session and its turns, the model messages,
customer mentions in text, the pending action and the closed sets that confirm it.
It imports nothing else from ``assistant/``.
"""
