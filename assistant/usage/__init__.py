"""What each model call cost and how it went (ModelCall): the record analytics reads.

It sits in the records layer with the outbound-call audit (docs/architecture.md), below chat and
knowledge, so that every part that makes a model call can record it.
"""
