"""Security groups: which API has them, what the default group lets in, what a new group has,
and that a rule can be added and removed."""

import pytest

from os_interop import answers, journal
from os_interop.apis import compute, network
from os_interop.apis import security_groups as sg


def _nova_groups(cloud):
    url = compute.url(cloud, "/os-security-groups")
    if url is None:
        return None
    response = cloud.get(url, headers=compute.headers(compute.LEGACY))
    return (cloud.json(response) or {}).get("security_groups") if response.status_code == 200 else None


def source(cloud):
    extensions = network.extensions(cloud)
    if extensions is not None:
        return "neutron" if "security-group" in extensions else "None"
    if cloud.endpoint("network") is not None:
        return "None"            # listed but broken: the nova proxy would hit it too
    return "nova" if _nova_groups(cloud) is not None else "None"


def test_secgroup_source(cloud, observe):
    observe("security_group.source", source(cloud))


def _default_group_rules(cloud):
    if source(cloud) == "nova":
        group = next((g for g in _nova_groups(cloud) if g.get("name") == "default"), None)
        assert group, "nova lists no default security group"
        return [sg.from_nova(r, "default") for r in group.get("rules", [])], "self"
    groups = network.listing(cloud, "security-groups", f"?name=default&project_id={cloud.project_id}")
    assert groups, "the project has no default security group"
    group = groups[0]
    rules = group.get("security_group_rules")
    if rules is None:
        rules = network.listing(cloud, "security-group-rules", f"?security_group_id={group['id']}")
    return rules, group["id"]


def test_default_group_rules(cloud, observe):
    if source(cloud) == "None":
        pytest.skip("the cloud has no security groups")
    rules, group_id = _default_group_rules(cloud)
    ingress, egress = sg.split(rules, group_id)
    observe("security_group.default_ingress", ingress)
    observe("security_group.default_egress", egress)
    observe("security_group.default_open_ports", sg.open_to_world(ingress))


def test_rule_template(cloud, observe):
    extensions = network.extensions(cloud) or set()
    if "security-groups-default-rules" not in extensions:
        observe("security_group.template", None)
        return
    rules = network.listing(cloud, "default-security-group-rules")
    out = []
    for rule in rules:
        where = ("both" if rule.get("used_in_default_sg") and rule.get("used_in_non_default_sg")
                 else "default" if rule.get("used_in_default_sg") else "custom")
        remote = dict(rule)
        if remote.get("remote_group_id") == "PARENT":
            remote["remote_group_id"] = "parent"
        out.append(f"{where} {rule.get('direction')} {sg.rule_text(remote, 'parent')}")
    observe("security_group.template", sorted(out))


def test_new_group_rules(cloud, observe):
    if source(cloud) != "neutron":
        pytest.skip(f"creating groups is probed on neutron only (source: {source(cloud)})")
    entry = cloud.resources.intend("secgroup", journal.by_name(network.url(cloud, "/security-groups?name={name}")),
                                   network.url(cloud, "/security-groups/{id}"))   # its rules go with it
    created = cloud.resources.create(entry, lambda: cloud.answer(
        "POST", network.url(cloud, "/security-groups"), {201: answers.JSON, **journal.DECLINED},
        json={"security_group": {"name": entry.name, "description": f"os-interop run {cloud.run_id}"}}),
        id_of=lambda a: answers.field(a, "security_group", "id"), refused=lambda a: a.status != 201)
    assert created.status == 201, f"creating a security group answered HTTP {created.status}"
    group = created.body["security_group"]
    ingress, egress = sg.split(group.get("security_group_rules", []), group["id"])
    observe("security_group.new_group_ingress", ingress)
    observe("security_group.new_group_egress", egress)
    rule = cloud.post(network.url(cloud, "/security-group-rules"), json={"security_group_rule": {
        "security_group_id": group["id"], "direction": "ingress", "ethertype": "IPv4",
        "protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
        "remote_ip_prefix": "0.0.0.0/0"}})
    added = rule.status_code == 201
    removed = added and cloud.delete(network.url(
        cloud, f"/security-group-rules/{cloud.json(rule)['security_group_rule']['id']}")).status_code == 204
    observe("security_group.rule_add_remove", bool(added and removed))
    deleted = cloud.delete(network.url(cloud, f"/security-groups/{group['id']}"))
    if deleted.status_code == 204:
        cloud.resources.mark(entry, "deleted")
