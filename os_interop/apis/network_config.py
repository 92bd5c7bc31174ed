"""How a booted image learns its network configuration: DHCP on its subnets, nova's config
drive, and the image properties that hand the job to a vendor agent.

Every read goes through answers.py with the URLs other probes use, so the cached GETs are
shared: on a cloud the other groups have read, these answers cost no request.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from typing import Any

from os_interop import answers
from os_interop.answers import Unknown
from os_interop.apis import compute, network, versions
from os_interop.cloud import CloudUnderTest

# Newton's first microversion; Newton removed the switch that disabled v2.1 API extensions, so
# from here on server create always accepts config_drive (before: only with os-config-drive).
EXTENSIONS_ALWAYS_ON = (2, 26)
CONFIG_DRIVE_EXTENSION = "os-config-drive"
# Image properties that decide who configures the guest: nova's XenAPI agent (and the Xen mode
# it boots in), a mandatory config drive, and the QEMU guest agent.
AGENT_PROPERTIES = ("hw_qemu_guest_agent", "img_config_drive", "vm_mode", "xenapi_use_agent")


# -- subnets ---------------------------------------------------------------------------------
def neutron_unusable(cloud: CloudUnderTest) -> str | None:
    """Why subnets cannot be read (no network service, or one that answers 404), else None.
    Any other refusal of the extension list is unknown, never "no subnets"."""
    service = network.service(cloud)     # the one reading of the extension list
    if service == network.ABSENT:
        return "no network service in the catalog: subnets (and their DHCP) are not published"
    if service == network.BROKEN:
        return "the network service answers 404: subnets (and their DHCP) are not published"
    return None


def _collection(cloud: CloudUnderTest, name: str) -> tuple[list[dict[str, Any]], str | None]:
    found = cloud.answer("GET", network.url(cloud, f"/{name}"))
    items = answers.field(found, name)
    if not isinstance(items, list):
        raise Unknown(f"GET /v2.0/{name}: {name!r} is not a list", found.evidence_id)
    return items, found.evidence_id


def subnet_mode(subnet: dict[str, Any], evidence_id: str | None = None) -> str:
    """dhcp (IPv4), slaac / dhcpv6-stateless / dhcpv6-stateful (IPv6), or static."""
    enabled = subnet.get("enable_dhcp")
    if not isinstance(enabled, bool):
        raise Unknown(f"subnet {subnet.get('id')} has no boolean enable_dhcp", evidence_id)
    if not enabled:
        return "static"
    if subnet.get("ip_version") == 6:
        # neutron's DHCP agent serves stateful DHCPv6 when no address mode is set
        return subnet.get("ipv6_address_mode") or "dhcpv6-stateful"
    return "dhcp"


def _label(net: dict[str, Any], subnet: dict[str, Any]) -> str:
    return f"{net.get('name') or net.get('id')} {subnet.get('cidr')}"


def candidate_modes(cloud: CloudUnderTest) -> dict[str, str]:
    """"network cidr" -> mode for every subnet of the networks nova picks from."""
    networks, _ = _collection(cloud, "networks")
    subnets, evidence_id = _collection(cloud, "subnets")
    # nova's rule over what was just read (no router listing needed to know the candidates)
    seen = network.Topology(cloud.project_id, networks, subnets)
    chosen = {n.get("id") for n in network.candidates(seen)}
    by_id = {n.get("id"): n for n in networks}
    return dict(sorted((_label(by_id[s["network_id"]], s), subnet_mode(s, evidence_id))
                       for s in subnets if s.get("network_id") in chosen))


def _contains(cidr: Any, address: Any) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(cidr, strict=False)
    except (TypeError, ValueError):
        return False


def server_modes(cloud: CloudUnderTest, server: dict[str, Any]) -> dict[str, str]:
    """"network cidr" -> mode for the subnets of the server's fixed addresses. An address in
    no listed subnet (a provider subnet hidden from the project) is reported as "unlisted"."""
    addresses = server.get("addresses")
    if not isinstance(addresses, dict):
        raise Unknown("server detail has no addresses mapping")
    networks, _ = _collection(cloud, "networks")
    subnets, evidence_id = _collection(cloud, "subnets")
    modes: dict[str, str] = {}
    for name, entries in addresses.items():
        ids = {n.get("id") for n in networks if n.get("name") == name}
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict) or entry.get("OS-EXT-IPS:type") == "floating":
                continue
            subnet = next((s for s in subnets if s.get("network_id") in ids
                           and _contains(s.get("cidr"), entry.get("addr"))), None)
            if subnet is None:
                modes[f"{name} (address in no listed subnet)"] = "unlisted"
            else:
                modes[_label({"name": name}, subnet)] = subnet_mode(subnet, evidence_id)
    return dict(sorted(modes.items()))


def static(modes: dict[str, str]) -> list[str]:
    return sorted(label for label, mode in modes.items() if mode == "static")


# -- config drive ----------------------------------------------------------------------------
def _max_microversion(cloud: CloudUnderTest) -> tuple[int, int]:
    maximum = compute.max_microversion(cloud)
    if maximum is None:   # the root refused or listed nothing usable: read it as an answer
        root = cloud.unversioned(cloud.endpoint("compute")).rstrip("/") + "/"
        found = cloud.answer("GET", root, {200: answers.JSON, 300: answers.JSON})
        raise Unknown(f"GET {root} lists no compute version", found.evidence_id)
    return versions.microversion(maximum)


def config_drive_offered(cloud: CloudUnderTest) -> bool:
    """Server create accepts config_drive (free from 2.26; else GET /extensions, one request)."""
    if _max_microversion(cloud) >= EXTENSIONS_ALWAYS_ON:
        return True
    found = cloud.answer("GET", compute.url(cloud, "/extensions"))
    listed = answers.field(found, "extensions")
    if not isinstance(listed, list):
        raise Unknown("GET /extensions: 'extensions' is not a list", found.evidence_id)
    return any(isinstance(e, dict) and e.get("alias") == CONFIG_DRIVE_EXTENSION for e in listed)


def config_drive_request(cloud: CloudUnderTest) -> dict[str, Any]:
    """The server-create members that ask for a config drive where one can be asked for.
    When that cannot be told the boot goes ahead without; the config-drive probe reports why."""
    try:
        return {"config_drive": True} if config_drive_offered(cloud) else {}
    except Unknown:
        return {}


def server_has_config_drive(server: dict[str, Any]) -> bool | None:
    """From server detail's config_drive ("True" or ""); None when the detail does not show it
    (extension not loaded, or hidden by policy)."""
    if "config_drive" not in server:
        return None
    value = server["config_drive"]
    if value in ("", None, False):
        return False
    if value is True or str(value).lower() in ("true", "1"):
        return True
    raise Unknown(f"server detail says config_drive {value!r}: neither empty nor true")


# -- vendor agents ---------------------------------------------------------------------------
def _properties(image: dict[str, Any]) -> dict[str, Any]:
    """Image properties: top-level members in glance v2, a `properties` object in v1."""
    nested = image.get("properties")
    return {**image, **nested} if isinstance(nested, dict) else image


def agent_properties(images: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """property -> value -> number of images, for AGENT_PROPERTIES."""
    counts: dict[str, Counter[str]] = {}
    for image in images:
        props = _properties(image)
        for name in AGENT_PROPERTIES:
            if name in props:
                counts.setdefault(name, Counter())[str(props[name])] += 1
    return {name: dict(sorted(c.items())) for name, c in sorted(counts.items())}


def disable_vendor_agent(images: list[dict[str, Any]]) -> dict[str, str] | None:
    """What an uploaded image needs so XenServer does not wait for nova-agent: set where the
    provider's images carry xenapi_use_agent, with their vm_mode when they all agree on one."""
    agent = [_properties(i) for i in images if "xenapi_use_agent" in _properties(i)]
    if not agent:
        return None
    off = {"xenapi_use_agent": "False"}
    modes = {str(p["vm_mode"]) for p in agent if "vm_mode" in p}
    if len(modes) == 1 and all("vm_mode" in p for p in agent):
        off["vm_mode"] = modes.pop()
    return dict(sorted(off.items()))

