"""CDS Hooks 2.0 shapes: discovery, requests (read tolerantly), cards and feedback."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Coding(Shape):
    code: str
    system: str | None = None
    display: str | None = None


class Source(Shape):
    label: str
    url: str | None = None
    icon: str | None = None
    topic: Coding | None = None


class Link(Shape):
    label: str
    url: str
    type: Literal["absolute", "smart"] = "absolute"
    appContext: str | None = None  # noqa: N815 - the specification's name


class Action(Shape):
    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any] | None = None
    resourceId: str | None = None  # noqa: N815


class Suggestion(Shape):
    label: str
    uuid: str | None = None
    isRecommended: bool | None = None  # noqa: N815
    actions: list[Action] = Field(default_factory=list)


class Card(Shape):
    uuid: str
    summary: str = Field(max_length=140)
    detail: str | None = None
    indicator: Literal["info", "warning", "critical"]
    source: Source
    suggestions: list[Suggestion] | None = None
    selectionBehavior: Literal["at-most-one", "any"] | None = None  # noqa: N815
    overrideReasons: list[Coding] | None = None  # noqa: N815
    links: list[Link] | None = None


class CdsResponse(Shape):
    cards: list[Card]
    systemActions: list[Action] | None = None  # noqa: N815


class ServiceDefinition(Shape):
    hook: str
    title: str | None = None
    description: str
    id: str
    prefetch: dict[str, str] | None = None
    usageRequirements: str | None = None  # noqa: N815


class Discovery(Shape):
    services: list[ServiceDefinition]


class FhirAuthorization(BaseModel):
    model_config = ConfigDict(extra="allow")

    access_token: str
    token_type: str = "Bearer"
    expires_in: int | None = None
    scope: str | None = None
    subject: str | None = None
    patient: str | None = None


# The context fields CDS Hooks 2.0 requires of each hook this service answers (the hooks'
# published context tables: patient-view, order-select, order-sign); userId, also required
# there, is not used here and not asked for.
REQUIRED_CONTEXT: dict[str, tuple[str, ...]] = {
    "patient-view": ("patientId",),
    "order-select": ("patientId", "draftOrders", "selections"),
    "order-sign": ("patientId", "draftOrders"),
}


class HookRequest(BaseModel):
    """A CDS Hooks call, read tolerantly: unknown fields are kept, wrong shapes are checked
    where they are used (and logged), so a non-conformant EHR still gets an answer. What the
    specification requires (hook, hookInstance, context, and each hook's required context
    fields: `missing_context`) must be there: without it the call is not answered with cards."""

    hook: str
    hookInstance: str  # noqa: N815
    fhirServer: str | None = None  # noqa: N815
    fhirAuthorization: FhirAuthorization | None = None  # noqa: N815
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None

    def missing_context(self) -> str | None:
        """The first context field the hook requires that is absent (or null), if any."""
        for name in REQUIRED_CONTEXT.get(self.hook, ()):
            if self.context.get(name) is None:
                return name
        return None

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "hook": "order-select",
                    "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
                    "context": {
                        "userId": "Practitioner/123",
                        "patientId": "1288992",
                        "selections": ["MedicationRequest/draft-1"],
                        "draftOrders": {
                            "resourceType": "Bundle",
                            "entry": [
                                {
                                    "resource": {
                                        "resourceType": "MedicationRequest",
                                        "id": "draft-1",
                                        "status": "draft",
                                        "intent": "order",
                                        "medicationCodeableConcept": {
                                            "text": "carisoprodol 350 MG Oral Tablet"
                                        },
                                        "subject": {"reference": "Patient/1288992"},
                                    }
                                }
                            ],
                        },
                    },
                    "prefetch": {
                        "patient": {
                            "resourceType": "Patient",
                            "id": "1288992",
                            "gender": "male",
                            "birthDate": "1950-05-01",
                        },
                        "medications": {"resourceType": "Bundle", "entry": []},
                    },
                }
            ]
        },
    )


class OverrideReasonIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    reason: Coding | None = None
    userComment: str | None = Field(default=None, max_length=4000)  # noqa: N815


class AcceptedSuggestion(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str


class FeedbackItem(BaseModel):
    model_config = ConfigDict(extra="allow")

    card: str = Field(min_length=1, max_length=80)
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestion] = Field(default_factory=list)  # noqa: N815
    overrideReason: OverrideReasonIn | None = None  # noqa: N815
    outcomeTimestamp: str = Field(min_length=1, max_length=40)  # noqa: N815


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    feedback: list[FeedbackItem] = Field(min_length=1, max_length=100)
