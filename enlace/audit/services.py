from enlace.audit.models import AuditEvent


def record(*, organization, action: str, actor=None, user=None, invitation=None, detail: str = ""):
    """Write one audit event. Call it inside the transaction of the change it describes."""
    return AuditEvent.objects.create(
        organization=organization,
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        user=user,
        invitation=invitation,
        detail=detail[:500],
    )
