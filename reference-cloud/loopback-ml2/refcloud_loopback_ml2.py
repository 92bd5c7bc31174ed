"""ML2 mechanism driver for a neutron without agents (os-interop reference cloud).

Nothing forwards packets in the reference cloud: the point is that the neutron
API behaves as in production. Without an L2 agent no stock driver would bind
ports, so nova could not boot servers. This driver binds any port on any host
to the first segment it is offered, as an OVS port with port filtering, and
reports it ACTIVE straight away. It keeps no state of its own, so it survives
neutron restarts and works with several API workers.
"""
from neutron_lib import constants
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api


class LoopbackMechanismDriver(api.MechanismDriver):
    """Bind every port at once; there is no data plane to wait for."""

    def initialize(self) -> None:
        """Nothing to set up."""

    @property
    def connectivity(self) -> str:
        """Ports are bound at layer 2 (like the OVS driver)."""
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context: api.PortContext) -> None:
        """Bind the port to the first candidate segment, status ACTIVE."""
        segments = context.segments_to_bind
        if not segments:
            return
        details = {portbindings.CAP_PORT_FILTER: True,
                   portbindings.OVS_HYBRID_PLUG: False}
        context.set_binding(segments[0][api.ID], portbindings.VIF_TYPE_OVS,
                            details, status=constants.PORT_STATUS_ACTIVE)
