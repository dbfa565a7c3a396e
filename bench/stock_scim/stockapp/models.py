"""The minimal models django-scim2's default adapters need (as in django-scim2's own test
models): a Group on AbstractSCIMGroupMixin and a User on AbstractSCIMUserMixin + AbstractUser
whose ``scim_groups`` M2M gives the group its ``user_set``."""
from django.contrib.auth.models import AbstractUser
from django.db import models
from django_scim.models import AbstractSCIMGroupMixin, AbstractSCIMUserMixin


class Group(AbstractSCIMGroupMixin):
    name = models.CharField("name", max_length=80, unique=True)


class User(AbstractSCIMUserMixin, AbstractUser):
    scim_groups = models.ManyToManyField(Group, related_name="user_set", blank=True)
