"""The hub's implementation of the SCIM app's backend hooks: the only module that knows
``vxp_hub``, ``teams`` and ``scim_provisioning`` together."""

from scim_provisioning.backend import SCIMBackend


class HubSCIMBackend(SCIMBackend):
    pass
