"""Actions: the assistant calls the company's own HTTPS endpoints (order status, address change,
returns) as tools, with the customer's verified identity and, for changes, their confirmation.

See docs/actions.md. The reply turn (assistant/chat/reply.py) offers the enabled actions as tools
and hands each call to `assistant.actions.tools`; the desk's settings define them through
`assistant.actions.services`.
"""
