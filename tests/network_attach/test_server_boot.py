"""The talk's flow needs a server on a network: that one boots at all is required, whatever
nova does when no network is named (network.boot_implicit tells that quirk)."""


def test_a_server_boots_on_a_network(run_boot, observe):
    assert run_boot.server is not None, f"no server could be booted: {run_boot.detail}"
    status = run_boot.server.get("status")
    assert status == "ACTIVE", f"the server went {status}: {run_boot.detail}"
    addresses = run_boot.server.get("addresses")
    networks = sorted(n for n, a in addresses.items() if a) if isinstance(addresses, dict) else []
    assert networks, "the server became ACTIVE on no network: it has no address"
    observe("compute.boot", True)
