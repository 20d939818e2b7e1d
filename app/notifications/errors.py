"""How a send attempt can fail, as the delivery loop needs to know it."""


class Transient(Exception):
    """Worth trying again later (a timeout, a 4xx from SMTP, a 5xx or 429 from a push
    service). The argument is a short category, never message content."""


class Permanent(Exception):
    """Trying again will not help (a 5xx refusal from SMTP, a malformed subscription)."""


class Gone(Permanent):
    """The push service says the subscription no longer exists (404 or 410)."""
