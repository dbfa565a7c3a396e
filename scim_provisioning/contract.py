"""The model contract as code: what the SCIM app needs of the host's models, checked by
``manage.py check`` (``scim_provisioning.E010``) so that nothing missing is discovered by a 500.

A requirement names a model role (``user``, ``tenant``, ``group``), a field (or reverse
relation) and what it is for. ``SCIMBackend.model_requirements()`` returns the requirements of
the methods the backend actually uses; a backend that overrides a method with its own mapping
overrides ``model_requirements()`` too and leaves out what it no longer reads.
"""

from dataclasses import dataclass

from django.core.checks import Error
from django.core.exceptions import FieldDoesNotExist


@dataclass(frozen=True)
class Requirement:
    model: str  # "user", "tenant" or "group"
    field: str  # a field name or a reverse relation's accessor
    purpose: str
    # "field", "relation" (a ForeignKey/ManyToMany), "reverse" (a reverse accessor) or
    # "attribute" (a class attribute or property, e.g. ``PROTECTED_ROLES``)
    kind: str = "field"


def model_has(model, requirement: Requirement) -> bool:
    """Whether ``model`` meets ``requirement``."""
    if requirement.kind == "attribute":
        return hasattr(model, requirement.field)
    if requirement.kind == "reverse":
        return any(
            rel.get_accessor_name() == requirement.field
            for rel in model._meta.related_objects
        )
    try:
        field = model._meta.get_field(requirement.field)
    except FieldDoesNotExist:
        return False
    if requirement.kind == "relation":
        return field.concrete and field.is_relation
    return field.concrete


def contract_errors(models: dict, requirements) -> list[Error]:
    """One ``Error`` per requirement that ``models`` (``{"user": User, ...}``) do not meet."""
    errors = []
    for requirement in requirements:
        model = models.get(requirement.model)
        if model is None or model_has(model, requirement):
            continue
        label = model._meta.label
        what = {"reverse": "a reverse relation", "relation": "a relation field",
                "attribute": "an attribute"}.get(requirement.kind, "a field")
        errors.append(Error(
            f"{label} has no {requirement.field!r}, which the SCIM app needs ({requirement.purpose}).",
            hint=(f"Add {what} named {requirement.field!r} to {label}, or map it in your SCIM_PROVISIONING "
                  "['BACKEND'] subclass and leave it out of model_requirements()."),
            obj=model,
            id="scim_provisioning.E010",
        ))
    return errors
