"""Errors raised by the domain.

Edges (Telegram handlers, HTTP views, the CLI) turn these into polite
messages or HTTP status codes; the domain never formats user text itself.
Each error carries a stable ``code``: the bot's table of replies
(``bot.handlers.errors``) is keyed by it, and the HTTP API will map the same codes.

    DomainError
    ├── InvalidInput
    │   ├── InvalidNationalId
    │   ├── InvalidName
    │   ├── InvalidPhone
    │   ├── InvalidSetup
    │   ├── InvalidSearch
    │   └── TokenNameTaken
    ├── NotFound
    ├── NotRegistered
    ├── NotAuthenticated
    ├── NotAllowed
    │   ├── InvalidTransition
    │   │   └── ConcurrentChange
    │   ├── CancellationWindowClosed
    │   ├── OfferClosed
    │   ├── AlreadyRegistered
    │   ├── RequestInProgress
    │   ├── IdempotencyKeyReused
    │   └── NationalIdTaken
    ├── Unavailable
    │   ├── SlotUnavailable
    │   ├── SlotTaken
    │   └── PatientOverlap
    └── InvitationInvalid
        ├── InvitationUnknown
        ├── InvitationExpired
        └── InvitationUsed
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "domain_error"


class InvalidInput(DomainError):
    """A value given by a person is malformed."""

    code = "invalid_input"


class InvalidNationalId(InvalidInput):
    """A national ID number fails its country's format or check digit."""

    code = "invalid_national_id"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        #: ``length``, ``format``, ``checksum`` or ``placeholder`` (all one digit, such
        #: as 00000000): what was wrong with it.
        self.reason = reason


class InvalidName(InvalidInput):
    """A name is not at least two words of letters."""

    code = "invalid_name"


class InvalidPhone(InvalidInput):
    """A phone number is not valid in any country."""

    code = "invalid_phone"


class InvalidSetup(InvalidInput):
    """An admin's change to the clinic's set-up breaks a rule; ``reason`` says which.

    ``reason`` is a stable word (``ends_before_start``, ``breaks_overlap``,
    ``time_off_past``, ``no_specialty``, ``name_length``, ``duplicate_specialty``, …)
    the bot turns into a sentence; ``detail`` is the admin's own fragment that broke it
    (a time range, a day), never personal data.
    """

    code = "invalid_setup"

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class InvalidSearch(InvalidInput):
    """What an admin typed to find an appointment is neither a reference nor a valid
    national ID of any country."""

    code = "invalid_search"


class TokenNameTaken(InvalidInput):
    """An active API token has this name already: names tell tokens apart in lists and
    revocations (a revoked token's name may be taken again)."""

    code = "token_name_taken"


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the asker)."""

    code = "not_found"


class NotRegistered(DomainError):
    """Only a registered patient may do this."""

    code = "not_registered"


class NotAuthenticated(DomainError):
    """No credential, or one that names nobody: an API token unknown or revoked."""

    code = "not_authenticated"


class NotAllowed(DomainError):
    """The action is understood but the rules forbid it."""

    code = "not_allowed"


class InvalidTransition(NotAllowed):
    """An appointment cannot move from its status to the one asked for."""

    code = "invalid_transition"


class ConcurrentChange(InvalidTransition):
    """The appointment changed (status or time) between reading and writing it.

    Another transaction cancelled, rejected or moved it first; the change asked
    for was made against a stale copy and was not applied. A subclass of
    :class:`InvalidTransition` because, to whoever asked, it is the same thing:
    the button they tapped is no longer valid.
    """

    code = "concurrent_change"


class NationalIdTaken(NotAllowed):
    """Another patient of the same country holds this national ID: one patient per
    national ID per country (a unique index in the database holds it too)."""

    code = "national_id_taken"


class CancellationWindowClosed(NotAllowed):
    """It is too late to cancel this appointment."""

    code = "cancellation_window_closed"


class OfferClosed(NotAllowed):
    """An answer to a booking that no longer waits for this person's answer.

    ``why`` is ``cancelled`` (the patient or the clinic called it off), ``answered``
    (it was accepted already) or ``passed`` (it went to someone else).
    """

    code = "offer_closed"

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class Unavailable(DomainError):
    """A time cannot be booked."""

    code = "unavailable"


class SlotUnavailable(Unavailable):
    """The time is not among the doctor's free slots (hours, holiday, lead time)."""

    code = "slot_unavailable"


class SlotTaken(Unavailable):
    """Somebody else booked the slot first."""

    code = "slot_taken"


class PatientOverlap(Unavailable):
    """The patient already holds an active appointment at that time."""

    code = "patient_overlap"


class InvitationInvalid(DomainError):
    """An invitation token links nothing; the subclasses say why."""

    code = "invitation_invalid"


class InvitationUnknown(InvitationInvalid):
    """No invitation has this token: mistyped, cut short or forged."""

    code = "invitation_unknown"


class InvitationExpired(InvitationInvalid):
    """The invitation's time ran out before anyone opened it."""

    code = "invitation_expired"


class InvitationUsed(InvitationInvalid):
    """The invitation was accepted already; each is single-use."""

    code = "invitation_used"


class AlreadyRegistered(NotAllowed):
    """The clinic registers a patient for a Telegram account that is one already."""

    code = "already_registered"


class RequestInProgress(NotAllowed):
    """A request with this idempotency key is still being answered (or its process died
    mid-way); whether it took effect is unknown, so it is not run again."""

    code = "request_in_progress"


class IdempotencyKeyReused(NotAllowed):
    """An idempotency key sent again with a different request."""

    code = "idempotency_key_reused"
