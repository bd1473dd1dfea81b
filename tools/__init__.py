"""CVM tools: the typed operations the assistant's model may call.

Everything here is plain Python over pydantic models and SQLite. Nothing in this
package imports ``openai`` or ``chainlit``; every function is testable without a model.
"""
