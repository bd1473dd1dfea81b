"""CVM Assistant: the conversation around the CVM tools."""
