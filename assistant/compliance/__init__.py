"""What the company owes, and can show, about the personal data it holds.

Data-subject rights (export and erasure), retention, the registry of data holders that every app
fills in, the admin for all of it, and the adversarial evaluation that shows the assistant keeps
each customer's data to itself. These read conversations, so they sit above `chat`; the privacy
policy they apply (detectors, pseudonymisation, residency) and its records live in
`assistant.privacy`, below it.
"""
